"""The regimen templates the app ships with, as one table to read and review.

These are the values a new database holds after `migrate`, and what
`python manage.py load_reference_data` adds where missing (`--reset` also sets
edited templates back).  Templates stay
editable in the admin; a course copies what it needs from its template when it
starts, so a change here or there never alters a course that already exists.

The data migrations keep their own frozen copies (0002, 0005, 0007, 0009,
0011 and 0018 together make this table); a change here needs a data migration that
makes the same change, and `tests/test_reference_data.py` fails until it does.
Each value's origin is noted beside it.
"""

from datetime import time, timedelta
from decimal import Decimal

from django.apps import apps as global_apps

from tracker.lib.reference import load_rows

INSTITUTIONAL_NOTES = (
    "Every 8 hours as tolerated, for up to 15 doses a cycle, in 2 cycles starting on days 1 "
    "and 15. Held doses are not made up. An institutional regimen, not the label's (which "
    "allows 14 doses a cycle): shipped inactive until a centre turns it on."
)

# Week 1: 18 MIU on days 1-5; weeks 2-4: 18 MIU on the first 2 days and 9 MIU on the
# last 3 (63 MIU a week).  Days are of the 5-week cycle; days 6-7, 13-14 … are off.
SC_STEPS = [
    {"from_day": 10, "amount": "9"},
    {"from_day": 15, "amount": "18"},
    {"from_day": 17, "amount": "9"},
    {"from_day": 22, "amount": "18"},
    {"from_day": 24, "amount": "9"},
]
SC_NOTES = (
    "One injection a day for 5 days, then 2 days off, for 4 weeks; then a week without "
    "treatment. A 5-week cycle of 20 doses, repeated as response warrants. Dose as in a "
    "published 5-week subcutaneous regimen (J Urol Oncol 2021;19(4)): 18 MIU on days 1-5 of "
    "week 1; in weeks 2-4, 18 MIU on the first 2 days and 9 MIU on the last 3. "
    "Subcutaneous use is off-label in the US."
)

# Every field a template sets, by slug.  Fields left out keep the model's default
# (drug "Aldesleukin (Proleukin)", active).  None means no limit.
TEMPLATES = [
    {
        # Source: institutional practice beyond the label's 14 doses a cycle (migration
        # 0002); renamed to say so in 0009.  Off until a centre turns it on, and two cycles
        # on the label's days 1 and 15, so the second cycle is part of the course and needs
        # no retreatment-gap override (0018).
        "slug": "hd-iv-q8h-15",
        "name": "Institutional high-dose IV every 8 h, up to 15 doses (the label allows 14)",
        "is_active": False,
        "route": "iv",
        "dose_amount": Decimal("600000"),
        "dose_unit": "IU/kg",
        "infusion_minutes": 15,
        "mode": "interval",
        "every_hours": 8,
        "max_doses_per_cycle": 15,
        "window_days": 5,
        "dose_time": time(8, 0),
        "cycle_start_days": [1, 15],  # (0018)
        "default_cycles": 2,  # (0018)
        "max_cycles": 2,  # (0018)
        "retreatment_gap_days": 49,  # the label: at least 7 weeks from discharge (0005)
        "overdue_after": timedelta(hours=1),  # an 8-hourly infusion is late after 1 h (0005)
        "recording_window": timedelta(hours=2),  # neighbours are 8 h away (0011)
        "thyroid_every_days": None,  # TSH before each course only
        "notes": INSTITUTIONAL_NOTES,
    },
    {
        # Source: the Proleukin (aldesleukin) US label, dosage and administration (0002).
        "slug": "hd-iv-label",
        "name": "High-dose IV, US label course (2 cycles of up to 14 doses)",
        "route": "iv",
        "dose_amount": Decimal("600000"),
        "dose_unit": "IU/kg",
        "infusion_minutes": 15,
        "mode": "interval",
        "every_hours": 8,
        "max_doses_per_cycle": 14,
        "window_days": 5,
        "dose_time": time(8, 0),
        "cycle_start_days": [1, 15],
        "default_cycles": 2,
        "max_cycles": 2,
        "retreatment_gap_days": 49,  # label: at least 7 weeks from discharge (0005)
        "overdue_after": timedelta(hours=1),  # (0005)
        "recording_window": timedelta(hours=2),  # (0011)
        "thyroid_every_days": None,
        "notes": (
            "600,000 IU/kg every 8 hours on days 1-5 and 15-19, at most 14 doses per cycle "
            "and 28 per course; 9 rest days between cycles. Doses are held, never reduced."
        ),
    },
    {
        # Source: the schedule is Cancer Research UK's (0002); the dose and its steps are a
        # published 5-week SC regimen, docs/clinical-sources.md §6 (0018).
        "slug": "sc-5on2off",
        "name": "Subcutaneous 5 days on / 2 off for 4 weeks, then 1 week off",
        "route": "sc",
        "dose_amount": Decimal("18"),
        "dose_unit": "MIU",
        "dose_steps": SC_STEPS,  # (0018)
        "mode": "day_pattern",
        "days_on": 5,
        "days_off": 2,
        "pattern_days": 28,
        "rest_days": 7,
        "dose_time": time(9, 0),
        "cycle_start_days": [1],
        "cycle_length_days": 35,
        "default_cycles": 1,
        "max_cycles": None,  # repeated as response warrants
        "retreatment_gap_days": None,
        "overdue_after": timedelta(hours=4),  # often given at home (0005)
        "recording_window": timedelta(hours=12),  # may move within its day (0011)
        "thyroid_every_days": 42,  # TSH every 6 weeks: a suggested default (0007)
        "notes": SC_NOTES,
    },
    {
        # Source: low-dose subcutaneous regimen, shipped in 0002.
        "slug": "sc-low-dose",
        "name": "Low-dose daily subcutaneous, 1 MIU/m²",
        "route": "sc",
        "dose_amount": Decimal("1"),
        "dose_unit": "MIU/m²",
        "mode": "day_pattern",
        "days_on": 1,
        "days_off": 0,
        "pattern_days": 28,
        "rest_days": 0,
        "days_chosen_per_course": True,
        "dose_time": time(9, 0),
        "cycle_start_days": [1],
        "default_cycles": 1,
        "max_cycles": 1,
        "retreatment_gap_days": None,
        "overdue_after": timedelta(hours=4),  # (0005)
        "recording_window": timedelta(hours=12),  # (0011)
        "thyroid_every_days": 42,  # (0007)
        "notes": "1 MIU/m² once a day for the number of days chosen for the course.",
    },
]


def rows():
    """Each template as (natural key, values)."""
    for template in TEMPLATES:
        values = dict(template)
        yield {"slug": values.pop("slug")}, values


def load(apps=global_apps, *, reset: bool = False):
    """Create or update the shipped templates; templates added in the admin stay."""
    return [load_rows(apps.get_model("regimens", "RegimenTemplate"), rows(), reset=reset)]

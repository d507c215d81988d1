"""The regimen templates the app ships with.  Editable in the admin afterwards."""

from datetime import time
from decimal import Decimal

from django.db import migrations

from tracker.accounts.roles import grant

TEMPLATES = [
    {
        "slug": "hd-iv-q8h-15",
        "name": "High-dose IV every 8 h, up to 15 doses",
        "route": "iv",
        "dose_amount": Decimal("600000"),
        "dose_unit": "IU/kg",
        "infusion_minutes": 15,
        "mode": "interval",
        "every_hours": 8,
        "max_doses_per_cycle": 15,
        "window_days": 5,
        "dose_time": time(8, 0),
        "cycle_start_days": [1],
        "default_cycles": 1,
        "max_cycles": 1,
        "notes": "Every 8 hours as tolerated, for up to 15 doses. Held doses are not made up.",
    },
    {
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
        "notes": (
            "600,000 IU/kg every 8 hours on days 1-5 and 15-19, at most 14 doses per cycle "
            "and 28 per course; 9 rest days between cycles. Doses are held, never reduced."
        ),
    },
    {
        "slug": "sc-5on2off",
        "name": "Subcutaneous 5 days on / 2 off for 4 weeks, then 1 week off",
        "route": "sc",
        "dose_amount": Decimal("18"),
        "dose_unit": "MIU",
        "mode": "day_pattern",
        "days_on": 5,
        "days_off": 2,
        "pattern_days": 28,
        "rest_days": 7,
        "dose_time": time(9, 0),
        "cycle_start_days": [1],
        "cycle_length_days": 35,
        "default_cycles": 1,
        "notes": (
            "One injection a day for 5 days, then 2 days off, for 4 weeks; then a week "
            "without treatment. A 5-week cycle of 20 doses, repeated as response warrants."
        ),
    },
    {
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
        "notes": "1 MIU/m² once a day for the number of days chosen for the course.",
    },
]

GRANTS = {
    "admin": [
        "regimens.view_regimentemplate",
        "regimens.add_regimentemplate",
        "regimens.change_regimentemplate",
        "regimens.view_historicalregimentemplate",
        "regimens.view_course",
        "regimens.view_historicalcourse",
        "regimens.view_dose",
        "regimens.view_historicaldose",
    ],
    "clinician": [
        "regimens.view_regimentemplate",
        "regimens.view_course",
        "regimens.add_course",
        "regimens.change_course",
        "regimens.view_dose",
    ],
    "nurse": ["regimens.view_regimentemplate", "regimens.view_course", "regimens.view_dose"],
    "patient": [],
}


def ship_templates(apps, schema_editor):
    RegimenTemplate = apps.get_model("regimens", "RegimenTemplate")
    for fields in TEMPLATES:
        RegimenTemplate.objects.update_or_create(slug=fields["slug"], defaults=fields)
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("regimens", "0001_initial"),
        ("patients", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(ship_templates, migrations.RunPython.noop)]

"""The TSH checks after treatment that the app ships with, as one table to read and review.

Hypothyroidism after IL-2 typically shows two to four months after starting, so
TSH stays due after the last dose of the last course: at 4, 8 and 12 weeks, then
about every 3 months (91 days) for the rest of a year.  Our proposal, from the
timing in docs/clinical-sources.md §3; editable in the admin afterwards.

These are the rows a new database holds after `migrate` (migration 0005 keeps
its own frozen copy) and what `python manage.py load_reference_data` adds where
missing (`--reset` also sets edited checks back); `tests/test_reference_data.py`
fails if the two drift apart.
"""

from django.apps import apps as global_apps

from tracker.lib.reference import load_rows

SOURCE = "Our proposal, from the timing of hypothyroidism after IL-2 (clinical sources §3)"

# days after the last dose, label; listed in the order shown.
FOLLOW_UP_CHECKS = [
    (28, "4 weeks after the last dose"),
    (56, "8 weeks after the last dose"),
    (84, "12 weeks after the last dose"),
    (175, "About 6 months after the last dose"),
    (266, "About 9 months after the last dose"),
    (357, "About a year after the last dose"),
]


def rows():
    """Each check as (natural key, values): a check is its day after the last dose."""
    for order, (days, label) in enumerate(FOLLOW_UP_CHECKS):
        key = {"after_last_dose_days": days}
        yield key, {"label": label, "source": SOURCE, "is_active": True, "order": order}


def load(apps=global_apps, *, reset: bool = False):
    """Create or update the shipped checks; checks added in the admin stay."""
    return [load_rows(apps.get_model("thyroid", "FollowUpCheck"), rows(), reset=reset)]

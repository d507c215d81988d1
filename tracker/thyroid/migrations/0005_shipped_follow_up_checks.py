"""The TSH checks after treatment the app ships with; the admin group may edit them.

A frozen copy of tracker/thyroid/shipped.py (tests/test_reference_data.py checks
the two agree): 4, 8 and 12 weeks after the last dose, then about every 3 months
for a year (docs/clinical-sources.md §3).
"""

from django.db import migrations

from tracker.accounts.roles import grant

SOURCE = "Our proposal, from the timing of hypothyroidism after IL-2 (clinical sources §3)"

CHECKS = [
    (28, "4 weeks after the last dose"),
    (56, "8 weeks after the last dose"),
    (84, "12 weeks after the last dose"),
    (175, "About 6 months after the last dose"),
    (266, "About 9 months after the last dose"),
    (357, "About a year after the last dose"),
]

GRANTS = {
    "admin": [
        "thyroid.view_followupcheck",
        "thyroid.add_followupcheck",
        "thyroid.change_followupcheck",
        "thyroid.view_historicalfollowupcheck",
    ],
}


def ship_checks(apps, schema_editor):
    FollowUpCheck = apps.get_model("thyroid", "FollowUpCheck")
    for order, (days, label) in enumerate(CHECKS):
        FollowUpCheck.objects.get_or_create(
            after_last_dose_days=days,
            defaults={"label": label, "source": SOURCE, "is_active": True, "order": order},
        )
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("thyroid", "0004_follow_up_checks_and_result_qualifier"),
        ("patients", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(ship_checks, migrations.RunPython.noop)]

"""Admins review retreatment flags (who set, asked to lift and confirmed) in the admin."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "patients.view_retreatmentcontraindication",
        "patients.view_historicalretreatmentcontraindication",
    ]
}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("patients", "0005_flag_courses_stopped_for_label_toxicity")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

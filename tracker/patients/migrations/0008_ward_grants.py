"""Admins set up wards (zone, phone, named consultant) in the admin."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "patients.view_ward",
        "patients.add_ward",
        "patients.change_ward",
        "patients.view_historicalward",
    ]
}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("patients", "0007_wards")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

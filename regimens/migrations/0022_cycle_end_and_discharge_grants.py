"""Admins review cycles ended early and discharges between cycles on the course in the admin."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "regimens.view_cycleend",
        "regimens.view_historicalcycleend",
        "regimens.view_discharge",
        "regimens.view_historicaldischarge",
    ]
}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("regimens", "0021_dose_partial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

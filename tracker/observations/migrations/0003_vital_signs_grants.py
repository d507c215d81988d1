"""The admin views charted vital signs and their history; no role edits them there."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": ["observations.view_vitalsigns", "observations.view_historicalvitalsigns"],
}


def apply(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("observations", "0002_vital_signs")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

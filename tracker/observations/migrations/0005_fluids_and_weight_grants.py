"""The admin views charted fluids and weights and their history; no role edits them there."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "observations.view_fluidentry",
        "observations.view_historicalfluidentry",
        "observations.view_weightentry",
        "observations.view_historicalweightentry",
    ],
}


def apply(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("observations", "0004_fluids_and_weight")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

"""The admin views infusions, rate changes and clinical events with their history; no role
edits them there."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "observations.view_infusion",
        "observations.view_historicalinfusion",
        "observations.view_infusionratechange",
        "observations.view_historicalinfusionratechange",
        "observations.view_clinicalevent",
        "observations.view_historicalclinicalevent",
    ],
}


def apply(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("observations", "0006_infusions_and_events")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

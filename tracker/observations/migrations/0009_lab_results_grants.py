"""The admin views laboratory results and their history; no role edits them there."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "observations.view_labresult",
        "observations.view_historicallabresult",
    ],
}


def apply(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("observations", "0008_lab_results")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

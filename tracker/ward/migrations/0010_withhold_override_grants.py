"""The admin views prescribers' withhold overrides and their history; no role edits them there."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": ["ward.view_withholdoverride", "ward.view_historicalwithholdoverride"],
}


def apply(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("ward", "0009_label_withhold_rows")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

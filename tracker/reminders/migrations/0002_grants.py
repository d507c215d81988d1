"""Admins review patients' reminder choices and what was sent, in the admin."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "reminders.view_remindersettings",
        "reminders.view_historicalremindersettings",
        "reminders.view_reminder",
    ]
}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

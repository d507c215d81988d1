"""Admins review calendar feeds (who issued and revoked them) in the admin."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {"admin": ["regimens.view_calendarfeed", "regimens.view_historicalcalendarfeed"]}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("regimens", "0007_thyroid_checks_during_sc_courses")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""Admins read invitations in the admin: who was invited, by whom, what became of the link."""

from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {"admin": ["accounts.view_invitation", "accounts.view_historicalinvitation"]}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_invitations")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

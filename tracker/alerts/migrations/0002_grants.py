from django.db import migrations

from tracker.accounts.roles import grant

CARE_TEAM = ["alerts.view_alert", "alerts.change_alert"]
GRANTS = {
    "admin": ["alerts.view_alert", "alerts.view_historicalalert"],
    "clinician": CARE_TEAM,
    "nurse": CARE_TEAM,
    "patient": [],
}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial"), ("patients", "0002_role_groups")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

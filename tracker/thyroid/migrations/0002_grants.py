from django.db import migrations

from tracker.accounts.roles import grant

CARE_TEAM = [
    "thyroid.view_thyroidresult",
    "thyroid.add_thyroidresult",
    "thyroid.view_historicalthyroidresult",
]
GRANTS = {
    "admin": ["thyroid.view_thyroidresult", "thyroid.view_historicalthyroidresult"],
    "clinician": CARE_TEAM,
    "nurse": CARE_TEAM,
    "patient": [],
}


def load(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("thyroid", "0001_initial"), ("patients", "0002_role_groups")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

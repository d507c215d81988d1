from django.db import migrations

from tracker.accounts.roles import grant

GRANTS = {
    "admin": [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_historicalpatient",
    ],
    "clinician": [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
    ],
    "nurse": ["patients.view_patient"],
    "patient": [],
}


def create_role_groups(apps, schema_editor):
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]

"""Only the admin group holds model permissions.

The app decides who may do what by role, with the tuples in
tracker/accounts/roles.py, and never asks for a model permission.  The Django
admin, which only admins enter, does: it reads the admin group's grants, which
stay.  What earlier migrations granted the clinician, nurse and patient groups
was read by nothing, so it goes, leaving one source.  The groups stay: a user's
role is the group they are in.
"""

from django.db import migrations

ROLES_WITHOUT_GRANTS = ["clinician", "nurse", "patient"]


def remove_grants(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES_WITHOUT_GRANTS):
        group.permissions.clear()


class Migration(migrations.Migration):
    # Every migration that granted these groups something.
    dependencies = [
        ("accounts", "0002_user_time_zone"),
        ("patients", "0002_role_groups"),
        ("regimens", "0002_shipped_templates"),
        ("ward", "0002_label_hold_rules"),
        ("alerts", "0002_grants"),
        ("symptoms", "0002_reference_data"),
        ("thyroid", "0002_grants"),
    ]

    # Going back leaves the groups without the old grants: nothing read them.
    operations = [migrations.RunPython(remove_grants, migrations.RunPython.noop)]

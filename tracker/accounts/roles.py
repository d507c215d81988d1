"""The four roles of the app.

A role is a Group.  Its permissions are written by migrations, so every
database (SQLite on a laptop, PostgreSQL in production) grants the same.
"""

from django.db import models


class Role(models.TextChoices):
    # Listed from most to least privileged: a user in two groups acts as the first.
    ADMIN = "admin", "Admin"
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"
    PATIENT = "patient", "Patient"


STAFF_ROLES = (Role.ADMIN, Role.CLINICIAN, Role.NURSE)
CARE_TEAM_ROLES = (Role.CLINICIAN, Role.NURSE)


def grant(apps, grants: dict[str, list[str]]) -> None:
    """Give each role group the permissions named "app_label.codename".

    Called from data migrations with the grants frozen in the migration, so a
    later change to this module never rewrites what an old migration did.
    """
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrate finishes; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    for role, names in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)

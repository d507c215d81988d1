"""The four roles of the app, and which role may do what: the one table of access.

A role is a Group; a user's role is the most privileged group they are in
(`User.role`).  The app decides access by asking `user.role in <ROLES>` with the
tuples below, in access helpers (`<app>/access.py`) and `@role_required`; it never
asks for a Django model permission.  The one exception is the Django admin, which
only admins enter (`is_staff`): it reads the admin group's permissions, granted by
migrations.  The other role groups hold no permissions.

Every action also needs the record in the user's scope
(`Patient.objects.visible_to`): a patient sees their own record, clinicians and
nurses their care team's patients, an admin every patient once verified by a
second factor.  Out of scope is 404; in scope with the wrong role is 403.
"""

from django.db import models


class Role(models.TextChoices):
    # Listed from most to least privileged: a user in two groups acts as the first.
    ADMIN = "admin", "Admin"
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"
    PATIENT = "patient", "Patient"


# Who may do what.  Each tuple names the roles allowed one kind of action; the
# access helpers and views import them from here.  A patient's own pages (home,
# side-effect reports) are for Role.PATIENT alone.

# Staff pages: patient lists, dashboards, the shift page, alerts, exports.
STAFF_ROLES = (Role.ADMIN, Role.CLINICIAN, Role.NURSE)
# May be on a patient's care team, and so see that patient.
CARE_TEAM_ROLES = (Role.CLINICIAN, Role.NURSE)
# Register and edit patients; plan, move, stop, cancel and discharge courses.
EDITOR_ROLES = (Role.ADMIN, Role.CLINICIAN)
# Record and correct doses and pre-dose checks; enter thyroid results.
RECORDER_ROLES = CARE_TEAM_ROLES
# Grade side effects (CTCAE) and mark those entries entered in error.
GRADER_ROLES = CARE_TEAM_ROLES
# Review a side effect the patient reported.
REVIEWER_ROLES = (Role.CLINICIAN,)
# Acknowledge alerts.
ACKNOWLEDGER_ROLES = CARE_TEAM_ROLES
# Start a course inside the retreatment gap, with a reason.
GAP_OVERRIDE_ROLES = (Role.CLINICIAN,)
# Prescriber decisions: give a dose despite a fired withhold rule, or a high-dose
# IV dose without a pre-dose check, with a reason (docs/clinical-sources.md §1).
WITHHOLD_OVERRIDE_ROLES = (Role.CLINICIAN,)
# Lift a patient's "retreatment contraindicated" flag, or confirm another
# clinician's lift: two different clinicians, each with a reason.
RETREATMENT_LIFT_ROLES = (Role.CLINICIAN,)
# Add and cancel shifts on a ward's on-call rota (every staff member may read it).
ROTA_EDITOR_ROLES = (Role.ADMIN, Role.CLINICIAN)
# Who may be on call: the people an alert's e-mail can go to.
ON_CALL_ROLES = CARE_TEAM_ROLES


def grant(apps, grants: dict[str, list[str]]) -> None:
    """Give each role group the permissions named "app_label.codename".

    Called from data migrations with the grants frozen in the migration, so a
    later change to this module never rewrites what an old migration did.  It
    works only on the historical models in `apps`: old migrations import it, so
    it must keep doing what it does.
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

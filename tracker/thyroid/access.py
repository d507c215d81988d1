"""Access helpers for thyroid results: the first call in every thyroid view.

Scope follows the patient (tracker.patients.access): out of scope is 404.  The
patient reads their own results; the care team's clinicians and nurses enter
them; staff in scope export them.  Anyone else in scope gets 403.
"""

from django.core.exceptions import PermissionDenied

from tracker.accounts.roles import RECORDER_ROLES, STAFF_ROLES
from tracker.patients.access import get_patient_for_user
from tracker.patients.models import Patient


def can_record(user) -> bool:
    return user.role in RECORDER_ROLES


def get_patient_for_results(user, pk, *, record: bool = False, export: bool = False) -> Patient:
    patient = get_patient_for_user(user, pk)
    if record and not can_record(user):
        raise PermissionDenied
    if export and user.role not in STAFF_ROLES:
        raise PermissionDenied
    return patient

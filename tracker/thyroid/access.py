"""Access helpers for thyroid results: the first call in every thyroid view.

Scope follows the patient (tracker.patients.access): out of scope is 404.  The
patient reads their own results; the care team's clinicians and nurses enter
them; staff in scope export them.  Anyone else in scope gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import RECORDER_ROLES, STAFF_ROLES
from tracker.lib.reads import note_read
from tracker.patients.access import get_patient_for_user
from tracker.patients.models import Patient
from tracker.thyroid.models import ThyroidResult


def can_record(user) -> bool:
    return user.role in RECORDER_ROLES


def get_patient_for_results(user, pk, *, record: bool = False, export: bool = False) -> Patient:
    patient = get_patient_for_user(user, pk)
    if record and not can_record(user):
        raise PermissionDenied
    if export and user.role not in STAFF_ROLES:
        raise PermissionDenied
    return patient


def get_result_for_correction(user, pk) -> ThyroidResult:
    """A result the user may mark entered in error: 404 out of scope, 403 unless on the care team."""
    result = get_object_or_404(
        ThyroidResult.objects.visible_to(user).select_related("patient", "recorded_by"), pk=pk
    )
    note_read(result.patient_id)
    if not can_record(user):
        raise PermissionDenied
    return result

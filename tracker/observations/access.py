"""Access helpers for the observation chart: the first call in every observation view.

Scope follows the patient (tracker.patients.access): out of scope is 404.  The
care team's clinicians and nurses chart; anyone else in scope reads, or gets 403
when they try to chart.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import RECORDER_ROLES
from tracker.lib.reads import note_read
from tracker.patients.access import get_own_record, get_patient_for_user
from tracker.patients.models import Patient


def can_chart(user) -> bool:
    return user.role in RECORDER_ROLES


def get_patient_for_charting(user, pk, *, chart: bool = False) -> Patient:
    """The patient whose chart is read (or, with `chart`, written)."""
    patient = get_patient_for_user(user, pk)
    if chart and not can_chart(user):
        raise PermissionDenied
    return patient


def get_observation_for_user(user, model, pk, *, correct: bool = False):
    """One entry of `model` whose patient is in the user's scope; `correct` to mark it."""
    entry = get_object_or_404(
        model.objects.filter(patient__in=Patient.objects.visible_to(user)).select_related(
            "patient", "recorded_by"
        ),
        pk=pk,
    )
    note_read(entry.patient_id)
    if correct and not can_chart(user):
        raise PermissionDenied
    return entry


def get_recording_patient(user) -> Patient:
    """The record a signed-in patient records readings for: 403 for staff, 404 if no record
    is linked to the login yet.  Never a patient id from the request."""
    return get_own_record(user)


def get_own_reading(user, model, pk):
    """One of the patient's own readings recorded at home; anyone else's is 404."""
    patient = get_recording_patient(user)
    return get_object_or_404(
        model.objects.for_patient(patient).patient_reported().select_related("patient"), pk=pk
    )

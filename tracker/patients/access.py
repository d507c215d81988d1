"""The one way a view gets a patient: through the user's scope.

A patient outside the user's scope is a 404, never a 403, so that an MRN or
id cannot be probed to learn whether a record exists.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import EDITOR_ROLES, RETREATMENT_LIFT_ROLES, Role
from tracker.lib.reads import note_read
from tracker.patients.models import Patient, RetreatmentContraindication


def get_patient_for_user(user, pk, *, edit: bool = False) -> Patient:
    patient = get_object_or_404(Patient.objects.visible_to(user), pk=pk)
    note_read(patient.pk)
    if edit and user.role not in EDITOR_ROLES:
        raise PermissionDenied
    return patient


def get_own_patient(user) -> Patient | None:
    """The record linked to a patient's login, or None if none is linked yet."""
    patient = Patient.objects.visible_to(user).filter(user=user).first()
    note_read(patient.pk if patient else None)
    return patient


def get_own_record(user) -> Patient:
    """The signed-in patient's own record: 403 for staff, 404 if none is linked to the login."""
    if user.role != Role.PATIENT:
        raise PermissionDenied
    patient = get_own_patient(user)
    if patient is None:
        raise Http404("Your login is not linked to a patient record yet.")
    return patient


def can_lift_retreatment_flag(user) -> bool:
    """Ask to lift a "retreatment contraindicated" flag, or confirm another's request."""
    return user.role in RETREATMENT_LIFT_ROLES


def get_flag_for_user(user, pk) -> RetreatmentContraindication:
    """A patient's retreatment flag, for lifting it: a clinician on the patient's team."""
    flag = get_object_or_404(
        RetreatmentContraindication.objects.visible_to(user).select_related(
            "patient", "course__template", "set_by", "lift_requested_by"
        ),
        pk=pk,
    )
    note_read(flag.patient_id)
    if not can_lift_retreatment_flag(user):
        raise PermissionDenied
    return flag

"""The one way a view gets a patient: through the user's scope.

A patient outside the user's scope is a 404, never a 403, so that an MRN or
id cannot be probed to learn whether a record exists.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import EDITOR_ROLES
from tracker.patients.models import Patient


def get_patient_for_user(user, pk, *, edit: bool = False) -> Patient:
    patient = get_object_or_404(Patient.objects.visible_to(user), pk=pk)
    if edit and user.role not in EDITOR_ROLES:
        raise PermissionDenied
    return patient


def get_own_patient(user) -> Patient | None:
    """The record linked to a patient's login, or None if none is linked yet."""
    return Patient.objects.visible_to(user).filter(user=user).first()

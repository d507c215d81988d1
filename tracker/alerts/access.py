"""Access helpers for alerts: the first call in every alerts view.

Scope follows the patient (tracker.patients.access): an alert about a patient
outside the user's scope is a 404.  Only the patient's care team (clinicians
and nurses) acknowledge; an admin, who sees every alert, gets a 403.

A ward's on-call rota is read by all staff and edited by clinicians and admins.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import ACKNOWLEDGER_ROLES, ROTA_EDITOR_ROLES, STAFF_ROLES
from tracker.alerts.models import Alert, OnCallShift
from tracker.lib.reads import note_read
from tracker.patients.models import Ward


def can_acknowledge(user) -> bool:
    return user.role in ACKNOWLEDGER_ROLES


def get_alert_for_user(user, pk, *, acknowledge: bool = False, with_source: bool = False):
    """The alert, if in the user's scope (else 404); 403 to acknowledge unless care team.

    `with_source` also reads the entry that raised it, for the alert's own page.
    """
    alerts = Alert.objects.visible_to(user).select_related("patient", "acknowledged_by")
    if with_source:
        alerts = alerts.select_related(
            "symptom_report__symptom",
            "symptom_report__dose",
            "symptom_report__reviewed_by",
            "adverse_event__term",
            "adverse_event__dose",
            "adverse_event__recorded_by",
            "thyroid_result__recorded_by",
        )
    alert = get_object_or_404(alerts, pk=pk)
    note_read(alert.patient_id)
    if acknowledge and not can_acknowledge(user):
        raise PermissionDenied
    return alert


def can_edit_rota(user) -> bool:
    return user.role in ROTA_EDITOR_ROLES


def get_ward_for_user(user, pk, *, edit: bool = False):
    """The ward, for any staff member (a rota names no patient); 403 to edit its rota
    unless a clinician or admin."""
    if user.role not in STAFF_ROLES or (edit and not can_edit_rota(user)):
        raise PermissionDenied
    return get_object_or_404(Ward.objects.select_related("consultant"), pk=pk)


def get_shift_for_user(user, ward_pk, pk):
    """A shift on the ward's rota, to cancel: clinicians and admins only."""
    ward = get_ward_for_user(user, ward_pk, edit=True)
    shift = get_object_or_404(OnCallShift.objects.select_related("person"), ward=ward, pk=pk)
    return ward, shift

"""Access helpers for alerts: the first call in every alerts view.

Scope follows the patient (tracker.patients.access): an alert about a patient
outside the user's scope is a 404.  Only the patient's care team (clinicians
and nurses) acknowledge; an admin, who sees every alert, gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import CARE_TEAM_ROLES
from tracker.alerts.models import Alert

ACKNOWLEDGER_ROLES = CARE_TEAM_ROLES


def can_acknowledge(user) -> bool:
    return user.role in ACKNOWLEDGER_ROLES


def get_alert_for_user(user, pk, *, acknowledge: bool = False) -> Alert:
    alert = get_object_or_404(
        Alert.objects.visible_to(user).select_related("patient", "acknowledged_by"), pk=pk
    )
    if acknowledge and not can_acknowledge(user):
        raise PermissionDenied
    return alert

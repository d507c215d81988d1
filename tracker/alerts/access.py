"""Access helpers for alerts: the first call in every alerts view.

Scope follows the patient (tracker.patients.access): an alert about a patient
outside the user's scope is a 404.  Only the patient's care team (clinicians
and nurses) acknowledge; an admin, who sees every alert, gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import ACKNOWLEDGER_ROLES
from tracker.alerts.models import Alert


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
    if acknowledge and not can_acknowledge(user):
        raise PermissionDenied
    return alert

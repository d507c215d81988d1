"""Display formatting for alerts: short trigger names, where to read the entry, who may act."""

from django import template

from tracker.alerts.access import can_acknowledge
from tracker.alerts.models import Alert

register = template.Library()

SHORT_TRIGGERS = {
    Alert.Trigger.STAFF_GRADE: "Graded side effect",
    Alert.Trigger.PATIENT_ANSWER: "Patient report",
    Alert.Trigger.THYROID: "Thyroid result",
}


@register.filter
def trigger_label(alert) -> str:
    """What raised the alert, short enough for a badge on a phone."""
    return SHORT_TRIGGERS.get(alert.trigger, alert.get_trigger_display())


@register.filter
def source_url(alert) -> str:
    """Where the entry that raised the alert is read.

    The patient's page for now; when side effects and thyroid results have
    pages of their own, this is the one place to point at them.
    """
    return alert.patient.get_absolute_url()


@register.filter
def may_acknowledge(user) -> bool:
    """Whether to offer the Acknowledge button; the view still checks the care team."""
    return can_acknowledge(user)

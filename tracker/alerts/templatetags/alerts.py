"""Display formatting for alerts: short trigger names, where to read the entry, who may act."""

from django import template
from django.urls import reverse

from tracker.alerts.access import can_acknowledge
from tracker.alerts.models import Alert

register = template.Library()

SHORT_TRIGGERS = {
    Alert.Trigger.STAFF_GRADE: "Graded side effect",
    Alert.Trigger.PATIENT_ANSWER: "Patient report",
    Alert.Trigger.THYROID: "Thyroid result",
    Alert.Trigger.CHART_RULE: "Chart rule",
}


@register.filter
def trigger_label(alert) -> str:
    """What raised the alert, short enough for a badge on a phone."""
    return SHORT_TRIGGERS.get(alert.trigger, alert.get_trigger_display())


@register.filter
def source_url(alert) -> str:
    """Where the entry that raised the alert is read: its dose, the thyroid results,
    the chart, or else the patient's page."""
    if alert.thyroid_result_id:
        return reverse("thyroid-results", args=[alert.patient_id])
    if alert.trigger == Alert.Trigger.CHART_RULE:
        # The readings that met the rule, hour by hour.
        return reverse("flowsheet", args=[alert.patient_id])
    entry = alert.symptom_report or alert.adverse_event
    if entry is not None and not entry.is_active:
        # Struck through on the timeline, no longer on the dose page.
        return reverse("side-effect-timeline", args=[alert.patient_id])
    if entry is not None and entry.dose_id:
        return reverse("dose-detail", args=[entry.dose_id])
    return alert.patient.get_absolute_url()


@register.filter
def may_acknowledge(user) -> bool:
    """Whether to offer the Acknowledge button; the view still checks the care team."""
    return can_acknowledge(user)

"""Display formatting for alerts: short trigger names, where to read the entry, who may act,
the count in the navigation, who was told, and what could not be sent."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.contrib import admin
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from tracker.alerts.access import can_acknowledge
from tracker.alerts.models import Alert, EscalationStep, Notification
from tracker.lib import zones

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
    the chart (a reading at home: its vital signs or weight page), or else the patient's
    page."""
    if alert.thyroid_result_id:
        return reverse("thyroid-results", args=[alert.patient_id])
    if alert.trigger == Alert.Trigger.READING:
        page = "chart-weight" if alert.weight_entry_id else "chart-vitals"
        return reverse(page, args=[alert.patient_id])
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


@register.inclusion_tag("alerts/includes/alert_count.html", takes_context=True)
def alert_count_badge(context):
    """The number of open urgent and high alerts about the viewer's patients, which
    htmx asks for again every ALERT_COUNT_POLL_SECONDS.  One query."""
    user = context["request"].user
    return {
        "count": Alert.objects.visible_to(user).open().urgent_or_high().count(),
        "poll_seconds": settings.ALERT_COUNT_POLL_SECONDS,
    }


@register.simple_tag
def on_clock(instant, zone, fmt: str = "D j M, H:i T") -> str:
    """An instant on a given clock: {% on_clock shift.starts_at ward.zone "D j M, H:i" %}."""
    if instant is None:
        return ""
    # The viewer's zone in the context is lazy: str() reads it.
    return zones.on_clock(instant, str(zone), fmt)


AUDIENCE_WORDS = {
    EscalationStep.Audience.ON_CALL: "on call",
    EscalationStep.Audience.CARE_TEAM: "care team",
    EscalationStep.Audience.CONSULTANT: "consultant",
}


@register.filter
def audience_word(audience) -> str:
    return AUDIENCE_WORDS.get(audience, "")


@register.simple_tag
def notification_status(notification, zone) -> str:
    """Where a notification got to, in a few words, with its time on `zone`'s clock."""
    status = Notification.Status
    if notification.status == status.SENT:
        return f"Sent at {on_clock(notification.sent_at, zone, 'H:i T')}"
    if notification.status == status.FAILED:
        attempts = notification.attempts
        text = f"Failed after {attempts} attempt{pluralize(attempts)}"
        return f"{text}: {notification.last_error}" if notification.last_error else text
    if notification.status == status.CANCELLED:
        return "Not sent: acknowledged first"
    if notification.status == status.SENDING:
        return "Sending"
    return f"Queued at {on_clock(notification.queued_at, zone, 'H:i T')}"


@register.inclusion_tag("admin/includes/failed_notifications.html", takes_context=True)
def failed_notifications(context, days: int = 7, shown: int = 20):
    """The notifications that could not be sent in the last `days`, newest first, each
    linked to its admin page (or its alert's, if notifications have none)."""
    failed = Notification.objects.failed().filter(
        failed_at__gte=timezone.now() - timedelta(days=days)
    )
    notifications = list(
        failed.select_related("recipient", "alert").order_by("-failed_at", "-pk")[:shown]
    )
    own_page = admin.site.is_registered(Notification)
    for notification in notifications:
        notification.admin_url = (
            reverse("admin:alerts_notification_change", args=[notification.pk])
            if own_page
            else reverse("admin:alerts_alert_change", args=[notification.alert_id])
        )
    return {
        "notifications": notifications,
        "count": len(notifications) if len(notifications) < shown else failed.count(),
        "days": days,
        "zone": context.get("ward_zone") or settings.CLINIC_TIME_ZONE,
    }


@register.simple_tag
def span_on_clock(start, end, zone) -> str:
    """From `start` to `end` on `zone`'s clock: "20:00–08:00" within a day, else with the dates."""
    fmt = "H:i" if end - start <= timedelta(days=1) else "D j M H:i"
    return f"{on_clock(start, zone, fmt)}–{on_clock(end, zone, fmt)}"

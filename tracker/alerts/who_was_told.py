"""Who was told of an alert, as its page lists them: each notification with the audience
of its escalation level."""

from tracker.alerts.models import EscalationStep, Notification


def notifications_of(alert) -> list[Notification]:
    """The alert's notifications, oldest first, each with `audience` (None for the digest).

    Three queries however many there are: the notifications with their recipients, the
    recipients' roles, and the escalation steps of the alert's severity.
    """
    notifications = list(
        Notification.objects.for_alert(alert)
        .select_related("recipient")
        .prefetch_related("recipient__groups")
    )
    if notifications:
        steps = EscalationStep.objects.filter(severity=alert.severity)
        audiences = {step.level: step.audience for step in steps}
        for notification in notifications:
            notification.audience = audiences.get(notification.level)
    return notifications

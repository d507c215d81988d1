"""A drill: a test alert sent through the real chain (queue, worker, e-mail) to one person.

Operations run it after each deploy and on a schedule (`manage.py alert_drill`), so
a broken chain is found before a patient needs it.  A drill is about no patient:
it is never in a patient's lists or in a count (`Alert.objects.real()`).
"""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.db import transaction

from tracker.alerts.models import Alert, Notification
from tracker.alerts.rules import raise_alert

TEXT = "Drill: test of the alert chain"
POLL_SECONDS = 0.2


class NotDrillable(Exception):
    """This person cannot be sent a drill; the message says why."""


@dataclass
class Outcome:
    alert: Alert
    notification: Notification

    @property
    def delivered(self) -> bool:
        return self.notification.status == Notification.Status.SENT

    @property
    def seconds(self) -> float | None:
        """From raising the alert to the e-mail recorded as sent."""
        if not self.delivered:
            return None
        return round((self.notification.sent_at - self.alert.created_at).total_seconds(), 2)


def raise_drill(recipient) -> Alert:
    if not recipient.is_active:
        raise NotDrillable(f"{recipient.username} is not active.")
    if not recipient.email:
        raise NotDrillable(f"{recipient.username} has no e-mail address.")
    # The alert and its notification commit together; the task is queued on commit.
    with transaction.atomic():
        return raise_alert(
            trigger=Alert.Trigger.DRILL,
            severity=Alert.Severity.URGENT,
            drill_recipient=recipient,
            text=TEXT,
        )


def await_delivery(alert: Alert, wait: float) -> Outcome:
    """Watch the drill's notification until it is sent, given up, or `wait` seconds pass.

    A failed attempt is retried by the sweep with back-off, so only a final status
    (sent, failed, cancelled) ends the wait early.
    """
    finished = {
        Notification.Status.SENT,
        Notification.Status.FAILED,
        Notification.Status.CANCELLED,
    }
    deadline = time.monotonic() + wait
    while True:
        notification = Notification.objects.filter(alert=alert, level=1).get()
        if notification.status in finished or time.monotonic() >= deadline:
            return Outcome(alert, notification)
        time.sleep(POLL_SECONDS)


def without_password(url: str) -> str:
    """A broker URL fit to print: any password replaced."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = parts.username or ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))

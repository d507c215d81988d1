"""What people do with an alert once it is raised (alerts are raised in rules.py)."""

from django.db import transaction
from django.utils import timezone

from tracker.alerts.models import Alert, Notification
from tracker.lib.history import save_with_history


@transaction.atomic
def acknowledge_alert(alert: Alert, *, by, note: str = "") -> bool:
    """Close the alert; False if someone else already had (theirs stands, nothing is written).

    Not a refusal: two nurses answering one alert at once both did the right thing,
    and the second is shown who was first.  The row lock makes one of them first.
    """
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if not locked.is_open:
        return False
    locked.acknowledged_by, locked.acknowledged_at = by, timezone.now()
    locked.acknowledgement_note = note.strip()
    fields = ["acknowledged_by", "acknowledged_at", "acknowledgement_note"]
    save_with_history(locked, by=by, reason="Acknowledged", update_fields=fields)
    # Someone is on it: what has not gone yet need not go (escalate() reads only open alerts).
    Notification.objects.for_alert(locked).filter(status=Notification.Status.QUEUED).update(
        status=Notification.Status.CANCELLED
    )
    for field in fields:
        setattr(alert, field, getattr(locked, field))
    return True

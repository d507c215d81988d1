"""Celery tasks for delivering alerts: thin wrappers over tracker/alerts/delivery.py.

The periodic ones are named in tracker/celery.py's beat schedule.  None retries
through Celery: what is still to send is in the database, and the sweep
(`alerts.send_due_notifications`) sends it, so a lost broker loses nothing.
"""

from celery import shared_task

from tracker.alerts import delivery


@shared_task(name="alerts.send_notification", bind=True, ignore_result=True, acks_late=True)
def send_notification(self, notification_id: int) -> str | None:
    return delivery.send(notification_id)


@shared_task(name="alerts.send_due_notifications", ignore_result=True)
def send_due_notifications() -> int:
    return delivery.send_due()


@shared_task(name="alerts.escalate", ignore_result=True)
def escalate() -> int:
    return delivery.escalate()


@shared_task(name="alerts.send_digests", ignore_result=True)
def send_digests() -> int:
    return delivery.send_digests()

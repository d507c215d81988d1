"""Celery tasks for side effects: thin wrappers over tracker/symptoms/notices.py."""

from celery import shared_task

from tracker.symptoms import notices


@shared_task(name="symptoms.send_message_notice", ignore_result=True, acks_late=True)
def send_message_notice(message_id: int) -> bool:
    return notices.send_notice(message_id)


@shared_task(name="symptoms.send_message_notices", ignore_result=True)
def send_message_notices() -> int:
    """Every few minutes (tracker/celery.py): notices never handed to a worker."""
    return notices.send_waiting_notices()

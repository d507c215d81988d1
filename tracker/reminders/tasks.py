from celery import shared_task

from tracker.reminders.sending import send_due_reminders as send


@shared_task(name="reminders.send_due_reminders")
def send_due_reminders() -> int:
    """Every minute (tracker/celery.py): create the reminders now due and send them."""
    return send()

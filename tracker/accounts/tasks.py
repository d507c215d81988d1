from celery import shared_task

from tracker.accounts.passwords import send_reset_emails


@shared_task(name="accounts.send_password_reset")
def send_password_reset(email: str) -> None:
    """Look the address up and send its reset e-mail, away from the request's timing."""
    send_reset_emails(email)

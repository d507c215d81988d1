"""Sending one e-mail through Django's e-mail framework, with a stable Message-ID.

The Message-ID names the record the message was sent for, so a message sent twice
(a worker killed between the mail server's "250 OK" and the database's "sent") is
the same message twice, which mail clients show once.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage


def message_id(kind: str, pk: int) -> str:
    return f"<{kind}-{pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def send_message(*, to: str, subject: str, body: str, message_id: str) -> None:
    """Send now; raises on failure, for the caller to retry and record."""
    message = EmailMessage(subject, body, to=[to], headers={"Message-ID": message_id})
    message.send(fail_silently=False)

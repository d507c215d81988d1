"""E-mailing a patient that their care team sent a message about a report or an alert.

An e-mail is read on lock screens and in shared inboxes, so it says only that a
message is waiting, with a link to sign in: no name, symptom, drug, or the
message itself.  Only patients with an active login and an e-mail address get one.

The message is handed to a worker after its transaction commits; if the broker is
down, the sweep (`symptoms.send_message_notices`, every few minutes) sends what
was never e-mailed.  A message is claimed by setting `emailed_at` with a
conditional UPDATE, so two workers never send one twice; a failed send clears it
for the next sweep.  A worker killed between the claim and the mail server leaves
the message unmailed: at most once, since the patient sees it at their next
sign-in anyway, and a second e-mail would say nothing new.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tracker.lib.mail import absolute_url, message_id, send_message
from tracker.symptoms.models import ReportMessage, ward_phone

logger = logging.getLogger(__name__)

SUBJECT = "You have a message from your care team"
# A message older than this is not e-mailed by the sweep: the patient has been
# told by other means, or has read it.
STALE = timedelta(days=2)


def body(phone: str) -> str:
    return (
        "Hello,\n\n"
        "Your care team has sent you a message. Sign in to read it:\n"
        f"{absolute_url(reverse('patient-home'))}\n\n"
        f"If you feel unwell or are unsure what to do, call your care team on {phone}.\n"
        "Please do not reply to this e-mail.\n"
    )


def notify_after_commit(message: ReportMessage) -> None:
    # tasks.py imports this module: import it only when sending.
    from tracker.symptoms.tasks import send_message_notice

    pk = message.pk
    # robust: a broker that is down must not undo or hide a message that is saved;
    # the sweep sends it.
    transaction.on_commit(lambda: send_message_notice.delay(pk), robust=True)


def _waiting():
    """Care-team messages not yet e-mailed nor read, to patients who can be e-mailed."""
    can_be_emailed = Q()
    for about in ("report", "alert"):
        user = f"{about}__patient__user"
        can_be_emailed |= Q(**{f"{user}__is_active": True}) & ~Q(**{f"{user}__email": ""})
    return (
        ReportMessage.objects.shown()
        .from_staff()
        .filter(can_be_emailed, emailed_at__isnull=True, read_at__isnull=True)
    )


def send_notice(message_pk: int, now=None) -> bool:
    """E-mail the patient about one care-team message; whether this call sent it."""
    now = now or timezone.now()
    if not _waiting().filter(pk=message_pk).update(emailed_at=now):
        return False  # read, withdrawn, or another worker has it
    message = ReportMessage.objects.select_related(
        "report__patient__user",
        "report__patient__ward",
        "alert__patient__user",
        "alert__patient__ward",
    ).get(pk=message_pk)
    patient = message.patient
    try:
        send_message(
            to=patient.user.email,
            subject=SUBJECT,
            body=body(ward_phone(patient)),
            message_id=message_id("report-message", message.pk),
        )
    except Exception as error:  # any failure of the mail path: the sweep tries again
        logger.warning("Message notice %s not sent: %s", message.pk, error)
        ReportMessage.objects.filter(pk=message.pk).update(emailed_at=None)
        return False
    return True


def send_waiting_notices(now=None) -> int:
    """The sweep: e-mail about care-team messages never e-mailed (a broker outage)."""
    now = now or timezone.now()
    pks = list(_waiting().filter(sent_at__gt=now - STALE).values_list("pk", flat=True))
    return sum(send_notice(pk, now) for pk in pks)

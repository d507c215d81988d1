"""Messages about a patient's report: the care team's reply and the patient's answer.

A thread is a few short notes, not a chat: at most MESSAGES_PER_REPORT messages
that stand, and the patient answers each care-team message once.  Each message is
saved with a history row and never changed, except to be withdrawn with a reason
or marked read.  An alert raised by something else the patient did at home (a
reading, a missed dose) takes a few care-team messages too, MESSAGES_PER_ALERT,
and no answer: the patient calls.  The patient is e-mailed that a message is waiting once the
transaction commits (tracker/symptoms/notices.py); the e-mail says nothing else.
"""

from django.db import transaction
from django.utils import timezone

from tracker.alerts.models import Alert
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.symptoms.models import (
    MESSAGE_LENGTH,
    MESSAGES_PER_ALERT,
    MESSAGES_PER_REPORT,
    ReportMessage,
    SymptomReport,
    ward_phone,
)
from tracker.symptoms.notices import notify_after_commit


class MessageRefused(Refused):
    """A message cannot be sent or withdrawn; the message is for the user."""


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise MessageRefused("Write a message first.", field="body")
    if "\x00" in body:
        raise MessageRefused("The message holds a character that cannot be sent.", field="body")
    if len(body) > MESSAGE_LENGTH:
        raise MessageRefused(
            f"Keep the message to {MESSAGE_LENGTH} characters or fewer.", field="body"
        )
    return body


def _lock_thread(report) -> list[ReportMessage]:
    """Lock the report's row, so two messages at once cannot both pass the limit."""
    SymptomReport.objects.select_for_update().only("pk").get(pk=report.pk)
    thread = list(report.messages.shown())
    if len(thread) >= MESSAGES_PER_REPORT:
        raise MessageRefused(
            "This is not a chat: call the ward on "
            f"{ward_phone(report.patient)} if you need to talk."
        )
    return thread


@transaction.atomic
def send_reply(report, *, by, body: str, now=None) -> ReportMessage:
    """A care-team message to the patient about their report; the patient is e-mailed."""
    body = _clean_body(body)
    _lock_thread(report)
    message = ReportMessage(
        report=report, author=by, body=body, sent_at=now or timezone.now(), from_patient=False
    )
    save_with_history(message, by=by, reason="Sent to the patient")
    notify_after_commit(message)
    return message


@transaction.atomic
def answer_message(message, *, by, body: str, now=None) -> ReportMessage:
    """The patient's one answer to a care-team message."""
    body = _clean_body(body)
    if message.from_patient or message.is_withdrawn:
        raise MessageRefused("This message cannot be answered.")
    thread = _lock_thread(message.report)
    if any(m.answers_id == message.pk for m in thread if m.from_patient):
        raise MessageRefused(
            "You have already answered this message. If you need to say more, call the ward "
            f"on {ward_phone(message.report.patient)}."
        )
    answer = ReportMessage(
        report=message.report,
        author=by,
        body=body,
        sent_at=now or timezone.now(),
        from_patient=True,
        answers=message,
    )
    save_with_history(answer, by=by, reason="Answered by the patient")
    return answer


def mark_read(report_or_alert, *, now=None) -> int:
    """The patient opened the thread: their unread care-team messages are read now.

    One UPDATE, no history row: reading changes nothing the team wrote.
    """
    return report_or_alert.messages.unread().update(read_at=now or timezone.now())


def can_message_about(alert) -> bool:
    """An alert the care team may write to the patient about, from the alert's page.

    An alert raised by a report has the report's thread instead; a patient without
    an active login could never read it.
    """
    user = alert.patient.user if alert.patient_id else None
    return alert.symptom_report_id is None and user is not None and user.is_active


@transaction.atomic
def send_alert_message(alert, *, by, body: str, now=None) -> ReportMessage:
    """A care-team message to the patient about an alert with no report; they are e-mailed."""
    body = _clean_body(body)
    if not can_message_about(alert):
        raise MessageRefused(
            "This patient cannot be sent a message about this alert: call them instead."
        )
    # Lock the alert's row, so two messages at once cannot both pass the limit.
    Alert.objects.select_for_update().only("pk").get(pk=alert.pk)
    if alert.messages.shown().count() >= MESSAGES_PER_ALERT:
        raise MessageRefused(
            f"This alert has {MESSAGES_PER_ALERT} messages, the most it takes. "
            f"Call {alert.patient.given_name} if there is more to say."
        )
    message = ReportMessage(
        alert=alert, author=by, body=body, sent_at=now or timezone.now(), from_patient=False
    )
    save_with_history(message, by=by, reason="Sent to the patient")
    notify_after_commit(message)
    return message


@transaction.atomic
def withdraw_message(message, *, by, reason: str, now=None) -> ReportMessage:
    """A message sent by mistake: kept, struck through, with the reason and a history row."""
    reason = (reason or "").strip()
    if not reason:
        raise MessageRefused("Say why you are withdrawing the message.", field="reason")
    locked = ReportMessage.objects.select_for_update().get(pk=message.pk)
    if locked.is_withdrawn:
        raise MessageRefused("This message is already withdrawn.")
    if locked.author_id != by.pk:
        raise MessageRefused("Only the person who sent a message can withdraw it.")
    locked.withdrawn_at, locked.withdrawn_by = now or timezone.now(), by
    locked.withdrawn_reason = reason[:200]
    save_with_history(
        locked,
        by=by,
        reason=f"Withdrawn: {locked.withdrawn_reason}",
        update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"],
    )
    return locked

"""Messages about a report: what may be sent, how many, and what is kept."""

import pytest
from django.db import IntegrityError, transaction

from tests.symptoms.conftest import MILD
from tracker.symptoms.models import ReportMessage
from tracker.symptoms.replies import (
    MessageRefused,
    answer_message,
    mark_read,
    send_reply,
    withdraw_message,
)

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
NOT_A_CHAT = "This is not a chat: call the ward on +44 20 7946 0999 if you need to talk."


@pytest.fixture
def report(make_report):
    return make_report(answers=MILD)


def test_a_reply_is_saved_with_a_history_row(personas, report, now):
    message = send_reply(report, by=personas.nurse_on_team, body="  How are you now?  ")
    assert (message.body, message.from_patient, message.sent_at) == (
        "How are you now?",
        False,
        now,
    )
    assert message.history.get().history_change_reason == "Sent to the patient"


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("", "Write a message first."),
        ("  \n\t ", "Write a message first."),
        ("Hello\x00", "The message holds a character that cannot be sent."),
        ("x" * 501, "Keep the message to 500 characters or fewer."),
    ],
)
def test_it_refuses_an_empty_or_unsendable_message(personas, report, body, refusal):
    with pytest.raises(MessageRefused, match=refusal):
        send_reply(report, by=personas.nurse_on_team, body=body)
    assert ReportMessage.objects.count() == 0


def test_500_characters_are_enough(personas, report):
    assert len(send_reply(report, by=personas.nurse_on_team, body="x" * 500).body) == 500


def test_the_patient_answers_a_message_once(personas, report, thread):
    (message,) = thread(report, "nurse")
    answer = answer_message(message, by=personas.the_patient, body="Better, thank you.")
    assert (answer.from_patient, answer.answers) == (True, message)
    with pytest.raises(MessageRefused, match="You have already answered this message"):
        answer_message(message, by=personas.the_patient, body="And another thing.")
    assert report.messages.count() == 2


def test_the_database_allows_one_answer_per_message(personas, report, thread):
    message, _answer = thread(report, "nurse", "patient")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportMessage.objects.create(
            report=report,
            author=personas.the_patient,
            from_patient=True,
            answers=message,
            body="x",
        )


def test_a_patient_message_must_answer_one_from_the_team(personas, report):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportMessage.objects.create(
            report=report, author=personas.the_patient, from_patient=True, body="Hello"
        )


def test_six_messages_are_the_most_a_report_takes(personas, report, thread):
    thread(report, "nurse", "patient", "clinician", "patient", "nurse", "patient")
    with pytest.raises(MessageRefused) as refusal:
        send_reply(report, by=personas.nurse_on_team, body="One more thing.")
    assert refusal.value.message == NOT_A_CHAT
    assert report.messages.count() == 6


def test_the_patient_is_refused_past_six_messages_too(personas, report, thread):
    *_, last = thread(report, "nurse", "patient", "clinician", "patient", "nurse", "nurse")
    with pytest.raises(MessageRefused, match="This is not a chat"):
        answer_message(last, by=personas.the_patient, body="Thanks")


def test_the_limit_names_the_patients_own_ward(personas, report, thread):
    from tests.factories import make_ward

    personas.patient.ward = make_ward(phone="+44 20 7946 0123")
    personas.patient.save()
    report.refresh_from_db()
    thread(report, *["nurse"] * 6)
    with pytest.raises(MessageRefused, match=r"call the ward on \+44 20 7946 0123"):
        send_reply(report, by=personas.nurse_on_team, body="Seventh")


def test_a_withdrawn_message_is_kept_and_no_longer_counts(personas, report, thread):
    first, *_ = thread(report, *["nurse"] * 6)
    withdrawn = withdraw_message(
        first, by=personas.nurse_on_team, reason="Sent to the wrong patient"
    )
    assert withdrawn.is_withdrawn and withdrawn.body == first.body
    assert withdrawn.history.latest().history_change_reason == (
        "Withdrawn: Sent to the wrong patient"
    )
    send_reply(report, by=personas.nurse_on_team, body="Seventh, in place of the first")
    assert report.messages.count() == 7


def test_only_the_sender_withdraws_a_message_and_with_a_reason(personas, report, thread):
    (message,) = thread(report, "nurse")
    with pytest.raises(MessageRefused, match="Say why"):
        withdraw_message(message, by=personas.nurse_on_team, reason="  ")
    with pytest.raises(MessageRefused, match="Only the person who sent"):
        withdraw_message(message, by=personas.clinician_on_team, reason="Wrong")
    assert not ReportMessage.objects.get(pk=message.pk).is_withdrawn


def test_a_withdrawn_message_cannot_be_answered(personas, report, thread):
    (message,) = thread(report, "nurse")
    withdraw_message(message, by=personas.nurse_on_team, reason="Wrong report")
    message.refresh_from_db()
    with pytest.raises(MessageRefused, match="cannot be answered"):
        answer_message(message, by=personas.the_patient, body="What?")


def test_reading_marks_only_the_teams_unread_messages(personas, report, thread, now):
    message, answer = thread(report, "nurse", "patient")
    assert mark_read(report) == 1
    message.refresh_from_db()
    answer.refresh_from_db()
    assert (message.read_at, answer.read_at) == (now, None)
    assert mark_read(report) == 0

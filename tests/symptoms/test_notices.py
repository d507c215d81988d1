"""The e-mail telling a patient that their care team wrote: sent once, and saying nothing
about their health."""

from unittest import mock

import pytest
from django.core import mail

from tracker.symptoms import notices
from tracker.symptoms.models import ReportMessage
from tracker.symptoms.replies import answer_message, send_reply

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
SUBJECT = "You have a message from your care team"
SECRET = "Your potassium was low after the aldesleukin; keep taking ondansetron."


@pytest.fixture
def patient(personas):
    personas.patient.given_name, personas.patient.family_name = "Philippa", "Okonkwo"
    personas.patient.save()
    personas.the_patient.email = "philippa@example.org"
    personas.the_patient.save()
    return personas.patient


@pytest.fixture
def report(patient, make_report):
    return make_report(slug="diarrhoea", answers={"frequency": 2})


def reply(personas, report, body=SECRET):
    return send_reply(report, by=personas.nurse_on_team, body=body)


def test_the_patient_is_emailed_once_the_reply_is_saved(
    personas, report, django_capture_on_commit_callbacks, now
):
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(personas, report)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["philippa@example.org"]
    assert email.subject == SUBJECT
    assert "https://il2.example.org/" in email.body
    assert "+44 20 7946 0999" in email.body
    message.refresh_from_db()
    assert message.emailed_at == now


def test_the_email_holds_no_name_symptom_drug_or_message(
    personas, report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply(personas, report)
    email = mail.outbox[0]
    text = f"{email.subject}\n{email.body}".lower()
    for private in [
        "philippa",
        "okonkwo",
        personas.nurse_on_team.first_name.lower(),
        personas.nurse_on_team.last_name.lower(),
        "diarrhoea",
        "stool",
        "symptom",
        "side effect",
        "report",
        "aldesleukin",
        "proleukin",
        "il-2",
        "interleukin",
        "potassium",
        "ondansetron",
        report.patient.mrn.lower(),
    ]:
        assert private not in text, private


def test_nothing_is_sent_before_the_transaction_commits(personas, report):
    reply(personas, report)
    assert mail.outbox == []


def test_a_patient_without_an_email_address_gets_none(
    personas, report, django_capture_on_commit_callbacks
):
    personas.the_patient.email = ""
    personas.the_patient.save()
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(personas, report)
    assert mail.outbox == []
    assert notices.send_waiting_notices() == 0
    assert ReportMessage.objects.get(pk=message.pk).emailed_at is None


def test_a_patient_whose_login_is_switched_off_gets_none(
    personas, report, django_capture_on_commit_callbacks
):
    personas.the_patient.is_active = False
    personas.the_patient.save()
    with django_capture_on_commit_callbacks(execute=True):
        reply(personas, report)
    assert mail.outbox == []


def test_the_patients_own_answer_emails_no_one(
    personas, report, thread, django_capture_on_commit_callbacks
):
    (message,) = thread(report, "nurse")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer_message(message, by=personas.the_patient, body="Fine")
    assert mail.outbox == []


def test_the_sweep_sends_what_the_broker_never_delivered_once(personas, report):
    reply(personas, report)  # its on-commit hand-off never ran
    assert notices.send_waiting_notices() == 1
    assert notices.send_waiting_notices() == 0
    assert [email.subject for email in mail.outbox] == [SUBJECT]


def test_a_message_read_before_the_sweep_is_not_emailed(personas, report):
    reply(personas, report)
    report.messages.unread().update(read_at=report.reported_at)
    assert notices.send_waiting_notices() == 0
    assert mail.outbox == []


def test_a_failed_send_is_left_for_the_sweep(personas, report):
    message = reply(personas, report)
    with mock.patch.object(notices, "send_message", side_effect=OSError("mail server down")):
        assert notices.send_notice(message.pk) is False
    assert ReportMessage.objects.get(pk=message.pk).emailed_at is None
    assert notices.send_waiting_notices() == 1


def test_a_broker_that_is_down_does_not_undo_the_reply(
    personas, report, django_capture_on_commit_callbacks
):
    from tracker.symptoms import tasks

    with (
        mock.patch.object(tasks.send_message_notice, "delay", side_effect=OSError("no broker")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = reply(personas, report)
    assert ReportMessage.objects.filter(pk=message.pk).exists()
    assert mail.outbox == []


def test_the_sweep_is_a_celery_task_on_the_beat_schedule():
    import tracker.symptoms.tasks  # noqa: F401
    from tracker.celery import app

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "symptoms.send_message_notices" in scheduled
    assert {"symptoms.send_message_notices", "symptoms.send_message_notice"} <= set(app.tasks)


# A message about an alert that has no report (a reading at home, a missed dose).


@pytest.fixture
def alert(patient, personas, raise_alert, now):
    return raise_alert(patient, personas.nurse_on_team, at=now)


def test_a_message_about_an_alert_sends_the_same_email_saying_nothing_else(
    personas, alert, django_capture_on_commit_callbacks
):
    from tracker.symptoms.replies import send_alert_message

    with django_capture_on_commit_callbacks(execute=True):
        send_alert_message(alert, by=personas.nurse_on_team, body=SECRET)
    (email,) = mail.outbox
    assert (email.to, email.subject) == (["philippa@example.org"], SUBJECT)
    text = f"{email.subject}\n{email.body}".lower()
    for private in ["philippa", "okonkwo", "hypotension", "alert", "potassium", "ondansetron"]:
        assert private not in text, private


def test_the_sweep_sends_a_message_about_an_alert_once_and_to_an_address_only(personas, alert):
    from tracker.symptoms.replies import send_alert_message

    send_alert_message(alert, by=personas.nurse_on_team, body="Call us.")
    assert notices.send_waiting_notices() == 1
    assert notices.send_waiting_notices() == 0
    personas.the_patient.email = ""
    personas.the_patient.save()
    send_alert_message(alert, by=personas.nurse_on_team, body="Call us again.")
    assert notices.send_waiting_notices() == 0
    assert [email.subject for email in mail.outbox] == [SUBJECT]

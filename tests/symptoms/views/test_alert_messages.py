"""Writing to a patient about an alert that has no report (a reading at home, a missed
dose, a staff grade) from the alert's page, and the patient reading it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import PatientFactory
from tracker.alerts.models import Alert
from tracker.symptoms.models import ReportMessage
from tracker.symptoms.replies import send_alert_message, withdraw_message

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
CARE_TEAM = ["nurse_on_team", "clinician_on_team"]


@pytest.fixture
def alert(personas, raise_alert):
    """An urgent alert about the patient, raised by a staff grade: no report."""
    return raise_alert(personas.patient, personas.nurse_on_team, at=timezone.now())


def page(alert):
    return f"/alerts/{alert.pk}/"


def send_url(alert):
    return f"/alerts/{alert.pk}/message/"


def mine(message):
    return f"/me/messages/{message.pk}/"


def send(alert, personas, body="Please call us today.", name="nurse_on_team"):
    return send_alert_message(alert, by=getattr(personas, name), body=body)


# The care team writes.


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_care_team_writes_about_an_alert_and_the_patient_is_told(
    as_persona, personas, alert, name, django_capture_on_commit_callbacks
):
    personas.the_patient.email = "patient@example.org"
    personas.the_patient.save()
    client = as_persona(name)
    form = client.get(page(alert)).text
    assert f'action="{send_url(alert)}"' in form
    assert "Message to the patient" in form.split('for="id_body"')[1].split("</label>")[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(alert), {"body": "Please drink more and call us."})
    assert response.status_code == 302
    assert response.url == page(alert) + "#alert-messages"
    message = ReportMessage.objects.get()
    assert (message.alert, message.report, message.author, message.body) == (
        alert,
        None,
        getattr(personas, name),
        "Please drink more and call us.",
    )
    assert message.history.get().history_change_reason == "Sent to the patient"
    (email,) = mail.outbox
    assert email.subject == "You have a message from your care team"
    assert email.to == ["patient@example.org"]
    for private in ("drink", "Hypotension", personas.patient.given_name, "alert"):
        assert private not in email.body
    text = client.get(page(alert)).text
    assert "Please drink more and call us." in text
    assert "not read yet" in text


def test_an_alert_about_a_home_reading_takes_a_message(as_persona, personas):
    from tracker.observations.home import record_readings

    record_readings(
        personas.patient,
        by=personas.the_patient,
        taken_at=timezone.now() - timedelta(minutes=5),
        temperature_c=Decimal("39.4"),
    )
    alert = Alert.objects.get(patient=personas.patient, trigger="reading")
    client = as_persona("nurse_on_team")
    assert f'action="{send_url(alert)}"' in client.get(page(alert)).text
    assert client.post(send_url(alert), {"body": "Take paracetamol."}).status_code == 302
    message = ReportMessage.objects.get(alert=alert)
    text = as_persona("the_patient").get(mine(message)).text
    assert "About the reading you recorded at home" in text
    assert "Take paracetamol." in text


@pytest.mark.parametrize("name", ["nurse_off_team", "clinician_off_team"])
def test_out_of_scope_is_404(as_persona, alert, name):
    assert as_persona(name).post(send_url(alert), {"body": "Hello"}).status_code == 404
    assert ReportMessage.objects.count() == 0


@pytest.mark.parametrize("name", ["the_patient", "other_patient", "admin"])
def test_patients_and_the_admin_may_not_write(as_persona, alert, name):
    assert as_persona(name).post(send_url(alert), {"body": "Hello"}).status_code == 403
    assert ReportMessage.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, alert):
    response = client.post(send_url(alert), {"body": "Hello"})
    assert response.status_code == 302
    assert response.url == f"/login/?next={send_url(alert)}"
    assert ReportMessage.objects.count() == 0


def test_sending_takes_only_post(as_persona, alert):
    assert as_persona("nurse_on_team").get(send_url(alert)).status_code == 405


def test_the_admin_sees_the_messages_without_the_form(as_persona, personas, alert):
    send(alert, personas)
    text = as_persona("admin").get(page(alert)).text
    assert "Please call us today." in text
    assert f'action="{send_url(alert)}"' not in text


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("", "Write a message first."),
        ("   \n ", "Write a message first."),
        ("Hi\x00", "This contains a NUL character"),
        ("x" * 501, "Keep the message to 500 characters or fewer."),
    ],
)
def test_bad_input_is_refused_on_the_alert_page_and_nothing_is_written(
    as_persona, alert, body, refusal
):
    response = as_persona("nurse_on_team").post(send_url(alert), {"body": body})
    assert response.status_code == 400
    assert refusal in response.text
    assert "Messages to" in response.text
    assert ReportMessage.objects.count() == 0


def test_the_fourth_message_is_refused_and_the_form_is_gone(as_persona, personas, alert):
    for n in range(3):
        send(alert, personas, body=f"Message {n}")
    client = as_persona("nurse_on_team")
    response = client.post(send_url(alert), {"body": "One more"})
    assert response.status_code == 400
    assert "This alert has 3 messages, the most it takes. Call" in response.text
    assert ReportMessage.objects.count() == 3
    text = client.get(page(alert)).text
    assert "the most it takes" in text
    assert f'action="{send_url(alert)}"' not in text


def test_a_withdrawn_message_no_longer_counts_and_stays_struck_through(
    as_persona, personas, alert
):
    messages = [send(alert, personas, body=f"Message {n}") for n in range(3)]
    client = as_persona("nurse_on_team")
    withdraw = f"/reports/messages/{messages[0].pk}/withdraw/"
    assert f'href="{withdraw}?next=' in client.get(page(alert)).text
    assert "about an alert" in client.get(withdraw).text
    response = client.post(withdraw, {"reason": "Wrong patient"})
    assert response.url == page(alert)
    assert client.post(send_url(alert), {"body": "The right one"}).status_code == 302
    text = client.get(page(alert)).text
    assert "Withdrawn by" in text and "Wrong patient" in text
    assert ReportMessage.objects.count() == 4


def test_only_its_sender_withdraws_a_message_about_an_alert(as_persona, personas, alert):
    message = send(alert, personas)
    withdraw = f"/reports/messages/{message.pk}/withdraw/"
    assert as_persona("clinician_on_team").post(withdraw, {"reason": "x"}).status_code == 403
    assert as_persona("nurse_off_team").post(withdraw, {"reason": "x"}).status_code == 404
    assert not ReportMessage.objects.get().is_withdrawn


def test_the_database_takes_a_message_about_a_report_or_an_alert_not_both(personas, alert):
    from django.db import IntegrityError, transaction

    for fields in ({}, {"alert": alert, "from_patient": True}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportMessage.objects.create(author=personas.nurse_on_team, body="x", **fields)


# Whom it may be sent to.


def test_an_alert_about_a_patient_without_a_login_has_no_form(as_persona, personas, raise_alert):
    patient = PatientFactory(user=None, care_team=[personas.nurse_on_team])
    alert = raise_alert(patient, personas.nurse_on_team, at=timezone.now())
    client = as_persona("nurse_on_team")
    text = client.get(page(alert)).text
    assert f'action="{send_url(alert)}"' not in text
    assert "has no login here to read a message: call them." in text
    response = client.post(send_url(alert), {"body": "Hello"})
    assert response.status_code == 400
    assert "call them instead" in response.text
    assert ReportMessage.objects.count() == 0


def test_an_alert_raised_by_a_report_is_answered_on_the_reports_thread(as_persona, make_report):
    from tests.symptoms.conftest import ROUTINE

    report = make_report(answers=ROUTINE)
    alert = Alert.objects.get(symptom_report=report)
    client = as_persona("nurse_on_team")
    assert f'action="{send_url(alert)}"' not in client.get(page(alert)).text
    assert client.post(send_url(alert), {"body": "Hello"}).status_code == 400
    assert ReportMessage.objects.count() == 0


# The patient reads.


def test_the_patient_sees_it_on_their_home_page_and_opening_it_marks_it_read(
    as_persona, personas, alert
):
    message = send(alert, personas)
    client = as_persona("the_patient")
    home = client.get("/me/").text
    block = home.split('id="care-team-messages-heading"')[1].split("</section>")[0]
    assert "Messages from your care team" in home
    assert f'href="{mine(message)}"' in block
    assert ">New</span>" in block
    response = client.get(mine(message))
    assert response.status_code == 200
    assert "Please call us today." in response.text
    assert ">New</span>" in response.text
    message.refresh_from_db()
    assert message.read_at is not None
    assert ">New</span>" not in client.get(mine(message)).text
    block = client.get("/me/").text.split('id="care-team-messages-heading"')[1]
    assert ">New</span>" not in block.split("</section>")[0]


def test_a_patient_without_messages_sees_no_block(as_persona, alert):
    assert "care-team-messages-heading" not in as_persona("the_patient").get("/me/").text


def test_a_message_read_long_ago_leaves_the_home_page(as_persona, personas, alert):
    message = send(alert, personas)
    ReportMessage.objects.filter(pk=message.pk).update(
        read_at=timezone.now(), sent_at=timezone.now() - timedelta(days=15)
    )
    assert "care-team-messages-heading" not in as_persona("the_patient").get("/me/").text
    assert as_persona("the_patient").get(mine(message)).status_code == 200


def test_an_urgent_alerts_message_still_says_call_the_ward_now(as_persona, personas, alert):
    message = send(alert, personas)
    text = as_persona("the_patient").get(mine(message)).text
    assert "Call your care team now" in text
    assert 'href="tel:+442079460999"' in text
    assert "You cannot answer this message here." in text


def test_a_routine_alerts_message_does_not_say_it_is_severe(as_persona, personas, alert):
    Alert.objects.filter(pk=alert.pk).update(severity=Alert.Severity.ROUTINE)
    message = send(alert, personas)
    text = as_persona("the_patient").get(mine(message)).text
    assert "This sounds severe" not in text
    assert "call the ward on" in text


def test_a_withdrawn_message_shows_its_reason_to_the_patient(as_persona, personas, alert):
    message = send(alert, personas)
    withdraw_message(message, by=personas.nurse_on_team, reason="Meant for another patient")
    text = as_persona("the_patient").get(mine(message)).text
    assert "Withdrawn: Meant for another patient" in text


@pytest.mark.parametrize(("name", "status"), [("other_patient", 404), ("nurse_on_team", 403)])
def test_no_one_else_opens_the_patients_message(as_persona, personas, alert, name, status):
    message = send(alert, personas)
    assert as_persona(name).get(mine(message)).status_code == status
    assert ReportMessage.objects.get().read_at is None


def test_a_message_about_a_report_is_not_on_this_page(as_persona, make_report, thread):
    (message,) = thread(make_report(), "nurse")
    assert as_persona("the_patient").get(mine(message)).status_code == 404


def test_anonymous_visitors_may_not_open_a_message(client, personas, alert):
    message = send(alert, personas)
    response = client.get(mine(message))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.now("2027-02-04 07:00Z")
def test_a_dose_the_patient_said_they_missed_takes_a_message(as_persona, personas):
    from tests.factories import make_home_course

    dose = make_home_course(personas.patient, start="2027-02-03 09:00").doses.get(dose_in_course=1)
    as_persona("the_patient").post(f"/me/doses/{dose.pk}/missed/")
    alert = Alert.objects.get(dose=dose, trigger="dose_overdue")
    response = as_persona("nurse_on_team").post(
        send_url(alert), {"body": "Thanks for telling us."}
    )
    assert response.status_code == 302
    message = ReportMessage.objects.get(alert=alert)
    text = as_persona("the_patient").get(mine(message)).text
    assert "About your dose of" in text
    assert "Thanks for telling us." in text

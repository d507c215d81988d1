"""Writing to a patient about their report (`report-reply`), and the patient's answer on
their report's page."""

import pytest
from django.core import mail

from tests.symptoms.conftest import MILD, ROUTINE, SEVERE
from tracker.alerts.models import Alert
from tracker.symptoms.models import ReportMessage
from tracker.symptoms.reporting import withdraw_report

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
CARE_TEAM = ["nurse_on_team", "clinician_on_team"]
NOT_A_CHAT = "This is not a chat: call the ward on +44 20 7946 0999 if you need to talk."


@pytest.fixture
def report(make_report):
    return make_report(answers=MILD)


def reply_url(report):
    return f"/reports/{report.pk}/reply/"


def detail(report):
    return f"/me/symptoms/reports/{report.pk}/"


def answer_url(report, message):
    return f"/me/symptoms/reports/{report.pk}/messages/{message.pk}/answer/"


# Who may reply.


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_care_team_replies_and_the_patient_is_told(
    as_persona, personas, report, name, django_capture_on_commit_callbacks
):
    personas.the_patient.email = "patient@example.org"
    personas.the_patient.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_persona(name).post(reply_url(report), {"body": "Drink small sips often."})
    assert response.status_code == 302
    assert response.url == reply_url(report)
    message = ReportMessage.objects.get()
    assert (message.report, message.author, message.body) == (
        report,
        getattr(personas, name),
        "Drink small sips often.",
    )
    assert [email.subject for email in mail.outbox] == ["You have a message from your care team"]


@pytest.mark.parametrize("name", ["the_patient"])
def test_the_patient_may_not_use_the_staff_reply(as_persona, report, name):
    client = as_persona(name)
    assert client.post(reply_url(report), {"body": "Hello"}).status_code == 403
    assert client.get(reply_url(report)).status_code == 403
    assert ReportMessage.objects.count() == 0


@pytest.mark.parametrize("name", ["other_patient", "nurse_off_team", "clinician_off_team"])
def test_out_of_scope_is_404(as_persona, report, name):
    client = as_persona(name)
    assert client.post(reply_url(report), {"body": "Hello"}).status_code == 404
    assert client.get(reply_url(report)).status_code == 404
    assert ReportMessage.objects.count() == 0


def test_the_admin_reads_the_thread_but_may_not_write(as_persona, report, thread):
    thread(report, "nurse", "patient")
    client = as_persona("admin")
    response = client.get(reply_url(report))
    assert response.status_code == 200
    assert "Message 1 from the team." in response.text
    assert "Answer 2." in response.text
    assert "Send reply" not in response.text
    assert client.post(reply_url(report), {"body": "Hello"}).status_code == 403
    assert ReportMessage.objects.count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, report):
    response = client.post(reply_url(report), {"body": "Hello"})
    assert response.status_code == 302
    assert response.url == f"/login/?next={reply_url(report)}"
    assert ReportMessage.objects.count() == 0


def test_an_unknown_report_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/reports/999999/reply/").status_code == 404


# The reply page and form.


def test_the_page_shows_the_report_and_the_labelled_form(as_persona, report):
    response = as_persona("nurse_on_team").get(reply_url(report))
    assert response.status_code == 200
    assert "No messages about this report yet." in response.text
    label = response.text.split('for="id_body"')[1].split("</label>")[0]
    assert "Reply to the patient" in label
    assert ">Send reply</button>" in response.text
    assert f'action="{reply_url(report)}"' in response.text


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("", "Write a message first."),
        ("   \n ", "Write a message first."),
        ("Hi\x00", "This contains a NUL character"),
        ("x" * 501, "Keep the message to 500 characters or fewer."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(
    as_persona, report, body, refusal
):
    response = as_persona("nurse_on_team").post(reply_url(report), {"body": body})
    assert response.status_code == 400
    assert refusal in response.text
    assert ReportMessage.objects.count() == 0


def test_the_seventh_message_is_refused_and_the_form_is_gone(as_persona, report, thread):
    thread(report, "nurse", "patient", "clinician", "patient", "nurse", "patient")
    client = as_persona("nurse_on_team")
    response = client.post(reply_url(report), {"body": "One more"})
    assert response.status_code == 400
    assert NOT_A_CHAT in response.text
    assert ReportMessage.objects.count() == 6
    assert "the most it takes" in client.get(reply_url(report)).text


def test_it_goes_back_to_the_page_it_came_from_on_this_site_only(as_persona, report):
    client = as_persona("nurse_on_team")
    came_from = f"/symptom-reports/{report.pk}/review/?next=/alerts/"
    response = client.post(reply_url(report), {"body": "One", "next": came_from})
    assert response.url == came_from
    response = client.post(reply_url(report), {"body": "Two", "next": "https://evil.example/"})
    assert response.url == reply_url(report)


def test_the_page_takes_only_get_and_post(as_persona, report):
    assert as_persona("nurse_on_team").put(reply_url(report)).status_code == 405


# From the review page and the alert page.


def test_the_review_page_shows_the_thread_and_posts_the_reply_back_to_itself(
    as_persona, report, thread
):
    thread(report, "nurse", "patient")
    page = f"/symptom-reports/{report.pk}/review/?next=/alerts/"
    response = as_persona("clinician_on_team").get(page)
    assert response.status_code == 200
    assert "Answer 2." in response.text
    assert f'action="{reply_url(report)}"' in response.text
    assert 'name="next" value="/symptom-reports/' in response.text


@pytest.fixture
def alerting_report(make_report):
    return make_report(answers=ROUTINE)


def alert_page(report):
    return f"/alerts/{Alert.objects.get(symptom_report=report).pk}/"


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_alert_page_of_a_report_shows_the_thread_and_the_reply_form(
    as_persona, alerting_report, thread, name
):
    thread(alerting_report, "nurse", "patient")
    page = alert_page(alerting_report)
    client = as_persona(name)
    response = client.get(page)
    assert response.status_code == 200
    assert "Messages with" in response.text
    assert "Answer 2." in response.text
    assert f'action="{reply_url(alerting_report)}"' in response.text
    assert f'name="next" value="{page}"' in response.text
    response = client.post(reply_url(alerting_report), {"body": "Call us", "next": page})
    assert response.url == page


def test_the_admin_sees_the_thread_on_the_alert_page_without_the_form(
    as_persona, alerting_report, thread
):
    thread(alerting_report, "nurse")
    response = as_persona("admin").get(alert_page(alerting_report))
    assert "Message 1 from the team." in response.text
    assert "Send reply" not in response.text


def test_an_alert_about_something_else_has_its_own_message_form(as_persona, personas, raise_alert):
    alert = raise_alert(personas.patient, personas.nurse_on_team, at=personas.patient.created)
    response = as_persona("nurse_on_team").get(f"/alerts/{alert.pk}/")
    assert response.status_code == 200
    assert "Send reply" not in response.text
    assert f'action="/alerts/{alert.pk}/message/"' in response.text


def test_an_alert_about_a_patient_without_a_login_has_no_form(as_persona, personas, raise_alert):
    from tests.factories import PatientFactory

    patient = PatientFactory(user=None, care_team=[personas.nurse_on_team])
    alert = raise_alert(patient, personas.nurse_on_team, at=patient.created)
    response = as_persona("nurse_on_team").get(f"/alerts/{alert.pk}/")
    assert response.status_code == 200
    assert "Send reply" not in response.text
    assert "/message/" not in response.text


# The patient reads and answers.


def test_the_patient_reads_the_messages_under_their_heading(as_persona, report, thread):
    thread(report, "nurse")
    response = as_persona("the_patient").get(detail(report))
    assert response.status_code == 200
    assert "Messages from your care team" in response.text
    assert "Message 1 from the team." in response.text
    assert ">New</span>" in response.text
    assert report.messages.get().read_at is not None
    assert ">New</span>" not in as_persona("the_patient").get(detail(report)).text


def test_a_report_without_messages_shows_no_thread(as_persona, report):
    assert "Messages from your care team" not in as_persona("the_patient").get(detail(report)).text


def test_the_patient_answers_once(as_persona, personas, report, thread):
    (message,) = thread(report, "nurse")
    client = as_persona("the_patient")
    page = client.get(detail(report)).text
    assert f'action="{answer_url(report, message)}"' in page
    assert "Your answer" in page.split('for="id_body"')[1].split("</label>")[0]
    response = client.post(answer_url(report, message), {"body": "Much better now."})
    assert response.status_code == 302
    assert response.url == detail(report) + "#messages"
    answer = ReportMessage.objects.get(from_patient=True)
    assert (answer.answers, answer.author, answer.body) == (
        message,
        personas.the_patient,
        "Much better now.",
    )
    assert f'action="{answer_url(report, message)}"' not in client.get(detail(report)).text
    response = client.post(answer_url(report, message), {"body": "Again"})
    assert response.status_code == 400
    assert "You have already answered this message" in response.text
    assert ReportMessage.objects.filter(from_patient=True).count() == 1


def test_the_patients_empty_answer_is_refused_on_the_page(as_persona, report, thread):
    (message,) = thread(report, "nurse")
    response = as_persona("the_patient").post(answer_url(report, message), {"body": "  "})
    assert response.status_code == 400
    assert "Write a message first." in response.text
    assert ReportMessage.objects.filter(from_patient=True).count() == 0


def test_past_six_messages_the_patient_is_told_to_call(as_persona, report, thread):
    *_, last = thread(report, "nurse", "patient", "clinician", "patient", "nurse", "nurse")
    client = as_persona("the_patient")
    page = client.get(detail(report)).text
    assert NOT_A_CHAT in " ".join(page.replace("\n", " ").split()).replace(
        '<a class="alert-link text-nowrap" href="tel:+442079460999">+44 20 7946 0999</a>',
        "+44 20 7946 0999",
    )
    assert f'action="{answer_url(report, last)}"' not in page
    response = client.post(answer_url(report, last), {"body": "Thanks"})
    assert response.status_code == 400
    assert NOT_A_CHAT in response.text


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team", "admin"])
def test_staff_may_not_answer_as_the_patient(as_persona, report, thread, name):
    (message,) = thread(report, "nurse")
    assert as_persona(name).post(answer_url(report, message), {"body": "x"}).status_code == 403


def test_another_patient_may_not_answer(as_persona, report, thread):
    (message,) = thread(report, "nurse")
    response = as_persona("other_patient").post(answer_url(report, message), {"body": "x"})
    assert response.status_code == 404
    assert ReportMessage.objects.count() == 1


def test_the_patient_cannot_answer_their_own_answer(as_persona, report, thread):
    _, answer = thread(report, "nurse", "patient")
    response = as_persona("the_patient").post(answer_url(report, answer), {"body": "x"})
    assert response.status_code == 404


def test_a_message_of_another_report_is_404(as_persona, report, make_report, thread):
    (message,) = thread(report, "nurse")
    other = make_report()
    response = as_persona("the_patient").post(answer_url(other, message), {"body": "x"})
    assert response.status_code == 404


def test_answering_takes_only_post(as_persona, report, thread):
    (message,) = thread(report, "nurse")
    assert as_persona("the_patient").get(answer_url(report, message)).status_code == 405


def test_anonymous_visitors_may_not_answer(client, report, thread):
    (message,) = thread(report, "nurse")
    response = client.post(answer_url(report, message), {"body": "x"})
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_an_urgent_report_still_says_call_now_beside_the_messages(as_persona, make_report, thread):
    report = make_report(answers=SEVERE)
    thread(report, "nurse")
    text = as_persona("the_patient").get(detail(report)).text
    assert "This sounds severe. Call your care team now" in text
    assert "Messages from your care team" in text


def test_a_withdrawn_message_is_shown_struck_through(as_persona, personas, report, thread):
    from tracker.symptoms.replies import withdraw_message

    (message,) = thread(report, "nurse")
    withdraw_message(message, by=personas.nurse_on_team, reason="Meant for another patient")
    text = as_persona("the_patient").get(detail(report)).text
    assert "Withdrawn: Meant for another patient" in text
    assert f'action="{answer_url(report, message)}"' not in text


def test_a_withdrawn_report_keeps_its_thread(as_persona, personas, report, thread):
    thread(report, "nurse")
    withdraw_report(report, by=personas.the_patient, reason="Wrong symptom")
    text = as_persona("the_patient").get(detail(report)).text
    assert "Message 1 from the team." in text


def test_the_timeline_links_staff_to_each_reports_messages(as_persona, personas, report):
    timeline = f"/patients/{personas.patient.pk}/side-effects/"
    for name in ["nurse_on_team", "clinician_on_team", "admin"]:
        assert f'href="{reply_url(report)}?next=' in as_persona(name).get(timeline).text, name


def test_the_reply_page_costs_the_same_queries_however_long_the_thread(
    as_persona, report, make_report, thread
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_persona("nurse_on_team")
    long = make_report()
    thread(report, "nurse")
    thread(long, "nurse", "patient", "clinician", "patient", "nurse")
    client.get(reply_url(report))
    counts = []
    for shown in (report, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reply_url(shown)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


# Withdrawing a message sent by mistake.


def withdraw_url(message):
    return f"/reports/messages/{message.pk}/withdraw/"


def test_the_sender_withdraws_their_message_with_a_reason(as_persona, report, thread):
    (message,) = thread(report, "nurse")
    client = as_persona("nurse_on_team")
    assert f'href="{withdraw_url(message)}?next=' in client.get(reply_url(report)).text
    assert client.get(withdraw_url(message)).status_code == 200
    response = client.post(withdraw_url(message), {"reason": ""})
    assert response.status_code == 400
    assert "Say why you are withdrawing the message." in response.text
    response = client.post(
        withdraw_url(message), {"reason": "Wrong report", "next": reply_url(report)}
    )
    assert response.status_code == 302
    assert response.url == reply_url(report)
    message.refresh_from_db()
    assert (message.withdrawn_reason, message.body) == ("Wrong report", "Message 1 from the team.")
    text = client.get(reply_url(report)).text
    assert "Wrong report" in text
    assert f'href="{withdraw_url(message)}' not in text
    response = client.post(withdraw_url(message), {"reason": "Again"})
    assert response.status_code == 400
    assert "already withdrawn" in response.text


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("clinician_on_team", 403),
        ("admin", 403),
        ("the_patient", 403),
        ("other_patient", 404),
        ("nurse_off_team", 404),
    ],
)
def test_no_one_else_withdraws_a_message(as_persona, report, thread, name, status):
    (message,) = thread(report, "nurse")
    client = as_persona(name)
    assert client.post(withdraw_url(message), {"reason": "x"}).status_code == status
    assert not ReportMessage.objects.get(pk=message.pk).is_withdrawn


def test_a_patients_answer_cannot_be_withdrawn_here(as_persona, report, thread):
    _, answer = thread(report, "nurse", "patient")
    assert as_persona("nurse_on_team").get(withdraw_url(answer)).status_code == 404


def test_anonymous_visitors_may_not_withdraw(client, report, thread):
    (message,) = thread(report, "nurse")
    assert client.post(withdraw_url(message), {"reason": "x"}).status_code == 302
    assert not ReportMessage.objects.get(pk=message.pk).is_withdrawn

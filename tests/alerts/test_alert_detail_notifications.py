"""An alert's page says who was told of it, how, at which level, and where each message got to."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert, EscalationStep, Notification

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


@pytest.fixture(autouse=True)
def notifications_written_by_hand(monkeypatch):
    """Each test writes the notifications it shows; raising an alert here queues none."""
    monkeypatch.setattr("tracker.alerts.rules.queue_notifications", lambda alert: [])


STAFF_WHO_SEE_IT = ["nurse_on_team", "clinician_on_team", "admin"]
OFF_TEAM = ["nurse_off_team", "clinician_off_team"]
PATIENTS = ["the_patient", "other_patient"]


@pytest.fixture(autouse=True)
def london(settings):
    settings.CLINIC_TIME_ZONE = "Europe/London"


@pytest.fixture
def steps():
    """The escalation of an urgent alert, as the tests need it whatever the migrations ship."""
    EscalationStep.objects.filter(severity="urgent").delete()
    for level, audience, after in [
        (1, "on_call", 0),
        (2, "care_team", 15),
        (3, "consultant", 30),
    ]:
        EscalationStep.objects.create(
            severity="urgent", level=level, audience=audience, after=timedelta(minutes=after)
        )


@pytest.fixture
def urgent(personas, raise_alert):
    alert = raise_alert(personas.patient, personas.nurse_on_team, at=NOW - timedelta(hours=1))
    Alert.objects.filter(pk=alert.pk).update(severity="urgent")
    alert.refresh_from_db()
    return alert


def notify(alert, recipient, level, **fields):
    return Notification.objects.create(
        alert=alert, recipient=recipient, level=level, queued_at=alert.created_at, **fields
    )


@pytest.fixture
def told(personas, urgent, steps):
    """Sent to the nurse on call; the team's e-mail failed; the consultant's was cancelled."""
    at = urgent.created_at
    consultant = make_user(Role.CLINICIAN, first_name="Ama", last_name="Boateng")
    return [
        notify(
            urgent, personas.nurse_on_team, 1, status="sent", sent_at=at + timedelta(minutes=1)
        ),
        notify(
            urgent,
            personas.clinician_on_team,
            2,
            round=1,
            status="failed",
            attempts=5,
            failed_at=at + timedelta(minutes=40),
            last_error="550 mailbox unavailable",
        ),
        notify(urgent, consultant, 3, status="cancelled"),
    ]


def url(alert):
    return f"/alerts/{alert.pk}/"


@pytest.mark.parametrize("name", STAFF_WHO_SEE_IT)
def test_staff_who_see_the_alert_see_who_was_told(
    as_persona, personas, told, name, django_assert_max_num_queries
):
    client = as_persona(name)
    with django_assert_max_num_queries(40):
        response = client.get(url(told[0].alert))
    assert response.status_code == 200
    html = response.text
    assert "Who was told" in html
    assert f'{personas.nurse_on_team} <span class="text-body-secondary small">Nurse</span>' in html
    # 15:01 UTC is 15:01 GMT on the ward's clock.
    assert "1: on call" in html and "Sent at 15:01 GMT" in html
    assert "2: care team, repeat 1" in html
    assert "Failed after 5 attempts: 550 mailbox unavailable" in html
    assert "3: consultant" in html and "Not sent: acknowledged first" in html


@pytest.mark.parametrize("name", OFF_TEAM)
def test_staff_off_the_team_get_404(as_persona, told, name):
    assert as_persona(name).get(url(told[0].alert)).status_code == 404


@pytest.mark.parametrize("name", PATIENTS)
def test_patients_get_403(as_persona, told, name):
    assert as_persona(name).get(url(told[0].alert)).status_code == 403


def test_anonymous_visitors_go_to_login(client, told):
    response = client.get(url(told[0].alert))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_times_are_on_the_staff_members_own_clock(as_persona, personas, told):
    personas.nurse_on_team.time_zone = "America/New_York"
    personas.nurse_on_team.save()
    assert "Sent at 10:01 EST" in as_persona("nurse_on_team").get(url(told[0].alert)).text


def test_the_page_reads_notifications_in_a_fixed_number_of_queries(
    as_persona, personas, urgent, steps, django_assert_max_num_queries
):
    client = as_persona("nurse_on_team")
    notify(urgent, personas.nurse_on_team, 1)
    with django_assert_max_num_queries(40) as one:
        client.get(url(urgent))
    for n in range(5):
        notify(urgent, make_user(Role.NURSE), 2, round=n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url(urgent))
    assert response.text.count("Queued at 15:00 GMT") == 6


def test_a_routine_alert_not_yet_sent_goes_in_the_digest(as_persona, urgent):
    Alert.objects.filter(pk=urgent.pk).update(severity="routine")
    html = as_persona("nurse_on_team").get(url(urgent)).text
    assert "In the daily digest" in html


def test_an_urgent_alert_not_yet_sent_says_so(as_persona, urgent):
    html = as_persona("nurse_on_team").get(url(urgent)).text
    assert "No one has been sent this alert yet." in html

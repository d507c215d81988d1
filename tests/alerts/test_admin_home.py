"""The admin's home page lists the notifications that could not be sent in the last 7 days."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role
from tracker.alerts.models import Notification

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


@pytest.fixture(autouse=True)
def notifications_written_by_hand(monkeypatch):
    """Each test writes the notifications it shows; raising an alert here queues none."""
    monkeypatch.setattr("tracker.alerts.rules.queue_notifications", lambda alert: [])


BOX = "Notifications that could not be sent"


@pytest.fixture(autouse=True)
def london(settings):
    settings.CLINIC_TIME_ZONE = "Europe/London"


@pytest.fixture
def alert(personas, raise_alert):
    return raise_alert(personas.patient, personas.nurse_on_team, at=NOW - timedelta(days=9))


def failed(alert, recipient, days_ago, error="550 mailbox unavailable", level=1):
    return Notification.objects.create(
        alert=alert,
        recipient=recipient,
        level=level,
        status="failed",
        attempts=5,
        failed_at=NOW - timedelta(days=days_ago),
        last_error=error,
    )


def test_an_admin_sees_the_failures_of_the_last_7_days(
    as_persona, personas, alert, django_assert_max_num_queries
):
    recent = failed(alert, personas.nurse_on_team, days_ago=1)
    failed(alert, personas.clinician_on_team, days_ago=8, error="an old failure", level=2)
    Notification.objects.create(
        alert=alert, recipient=personas.clinician_on_team, level=3, status="sent", sent_at=NOW
    )
    client = as_persona("admin")
    with django_assert_max_num_queries(12):
        response = client.get("/admin/")
    assert response.status_code == 200
    html = response.text
    assert f"{BOX} (1)" in html
    assert "Tue 9 Mar, 15:00 GMT" in html
    assert str(personas.nurse_on_team) in html
    assert "550 mailbox unavailable" in html
    assert "an old failure" not in html
    assert f">Alert {alert.pk}</a>" in html
    assert "/admin/alerts/" in html
    assert list(response.context["notifications"]) == [recent]
    # The admin's own apps are still listed below.
    assert 'id="content-main"' in html


def test_with_no_failures_it_says_none(as_persona):
    html = as_persona("admin").get("/admin/").text
    assert f"{BOX} (0)" in html
    assert "None in the last 7 days." in html


def test_the_links_open_an_admin_page(as_persona, personas, alert):
    failed(alert, personas.nurse_on_team, days_ago=1)
    client = as_persona("admin")
    link = client.get("/admin/").context["notifications"][0].admin_url
    assert client.get(link).status_code == 200


def test_an_admin_without_the_second_factor_is_asked_for_it(password_only_client):
    client = password_only_client
    client.force_login(make_user(Role.ADMIN))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert BOX not in response.text


@pytest.mark.parametrize(
    "name",
    ["nurse_on_team", "nurse_off_team", "clinician_on_team", "the_patient", "other_patient"],
)
def test_no_one_else_enters_the_admin(as_persona, personas, alert, name):
    failed(alert, personas.nurse_on_team, days_ago=1)
    response = as_persona(name).get("/admin/")
    assert response.status_code == 302
    assert "550 mailbox unavailable" not in response.text


def test_anonymous_visitors_go_to_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response.url


def test_the_latest_20_are_listed_and_all_are_counted(client, personas, alert):
    for n in range(22):
        failed(alert, personas.nurse_on_team, days_ago=1, level=n + 1)
    sign_in_with_second_factor(client, personas.admin)
    response = client.get("/admin/")
    assert f"{BOX} (22)" in response.text
    assert "The latest 20 of 22 are shown." in response.text

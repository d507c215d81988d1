"""The menu's count of open urgent and high alerts, and the endpoint htmx polls for it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.alerts.rules import raise_alert as create_alert

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
HTMX = {"HTTP_HX_REQUEST": "true"}
CARE_TEAM = ["nurse_on_team", "clinician_on_team"]
OFF_TEAM = ["nurse_off_team", "clinician_off_team"]
PATIENTS = ["the_patient", "other_patient"]


@pytest.fixture
def alert_of(personas, raise_alert):
    """An alert of the given severity about `patient` (the personas' patient by default)."""

    def make(severity, patient=None, minutes_ago=10):
        alert = raise_alert(
            patient or personas.patient,
            personas.nurse_on_team,
            at=NOW - timedelta(minutes=minutes_ago),
        )
        Alert.objects.filter(pk=alert.pk).update(severity=severity)
        return alert

    return make


@pytest.fixture
def urgent_and_high(alert_of):
    return alert_of("urgent"), alert_of("high", minutes_ago=20)


def badge(html) -> str | None:
    """The screen-reader words of the badge, or None when it shows no count."""
    found = re.search(
        r'<span class="visually-hidden">: (\d+ urgent or high alerts? open)</span>', html
    )
    return found.group(1) if found else None


# The badge in the menu.


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_care_team_sees_the_count_in_the_menu(as_persona, urgent_and_high, name):
    html = as_persona(name).get("/alerts/").text
    assert badge(html) == "2 urgent or high alerts open"
    assert (
        '<span class="badge rounded-pill text-bg-danger ms-1" aria-hidden="true">2</span>' in html
    )


@pytest.mark.parametrize("name", OFF_TEAM)
def test_staff_off_the_team_see_no_count(as_persona, urgent_and_high, name):
    html = as_persona(name).get("/alerts/").text
    assert 'id="alert-count"' in html
    assert badge(html) is None


def test_it_counts_only_open_urgent_and_high_alerts(as_persona, personas, alert_of):
    alert_of("urgent")
    alert_of("routine")
    acknowledge_alert(alert_of("high"), by=personas.nurse_on_team)
    html = as_persona("nurse_on_team").get("/alerts/").text
    assert badge(html) == "1 urgent or high alert open"


def test_it_counts_only_the_users_patients(as_persona, personas, alert_of):
    alert_of("urgent")
    alert_of("urgent", patient=PatientFactory(care_team=[personas.clinician_on_team]))
    assert badge(as_persona("nurse_on_team").get("/alerts/").text) == "1 urgent or high alert open"


def test_a_drill_is_not_counted(as_persona, personas, alert_of):
    alert_of("high")
    create_alert(
        trigger=Alert.Trigger.DRILL,
        severity=Alert.Severity.URGENT,
        drill_recipient=personas.nurse_on_team,
        text="Drill",
    )
    html = as_persona("nurse_on_team").get("/alerts/count/", **HTMX).text
    assert badge(html) == "1 urgent or high alert open"


def test_the_badge_polls_itself_in_a_live_region(as_persona, settings, urgent_and_high):
    settings.ALERT_COUNT_POLL_SECONDS = 30
    html = as_persona("nurse_on_team").get("/alerts/").text
    polled = re.search(r'<span aria-live="polite">\s*<span id="alert-count" ([^>]*)>', html)
    assert polled, "the polled badge sits inside a live region that stays put"
    attributes = polled.group(1)
    assert 'hx-get="/alerts/count/?shown=2"' in attributes
    assert 'hx-trigger="every 30s"' in attributes
    assert 'hx-swap="outerHTML"' in attributes
    assert "<script>" not in html.split("</nav>")[0]


@pytest.mark.parametrize("name", ["the_patient", "admin"])
def test_no_alerts_item_in_the_menu_of_patients_and_admins(as_persona, urgent_and_high, name):
    html = as_persona(name).get("/").text
    assert 'id="alert-count"' not in html


# The endpoint htmx polls.


@pytest.mark.parametrize("name", [*CARE_TEAM, *OFF_TEAM, "admin"])
def test_staff_get_the_fragment(as_persona, urgent_and_high, name):
    response = as_persona(name).get("/alerts/count/", **HTMX)
    assert response.status_code == 200
    assert response.text.strip().startswith('<span id="alert-count"')
    assert "<nav" not in response.text
    expected = None if name in OFF_TEAM else "2 urgent or high alerts open"
    assert badge(response.text) == expected


@pytest.mark.parametrize("name", PATIENTS)
def test_patients_may_not_poll_the_count(as_persona, urgent_and_high, name):
    assert as_persona(name).get("/alerts/count/", **HTMX).status_code == 403


def test_an_expired_session_stops_the_polling_instead_of_swapping_in_the_login_page(client):
    response = client.get("/alerts/count/", **HTMX)
    assert response.status_code == 286
    assert response.content == b""


def test_an_anonymous_visit_without_htmx_goes_to_login(client):
    response = client.get("/alerts/count/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/alerts/count/"


def test_an_unchanged_count_is_not_swapped_again(as_persona, urgent_and_high):
    client = as_persona("nurse_on_team")
    same = client.get("/alerts/count/?shown=2", **HTMX)
    assert same.status_code == 204
    assert same.content == b""
    changed = client.get("/alerts/count/?shown=1", **HTMX)
    assert changed.status_code == 200
    assert badge(changed.text) == "2 urgent or high alerts open"
    assert 'hx-get="/alerts/count/?shown=2"' in changed.text


@pytest.mark.parametrize("shown", ["", "x", "-1", "9" * 400, "2%00"])
def test_a_strange_shown_count_gets_the_fragment(as_persona, urgent_and_high, shown):
    response = as_persona("nurse_on_team").get(f"/alerts/count/?shown={shown}", **HTMX)
    assert response.status_code == 200
    assert badge(response.text) == "2 urgent or high alerts open"


def test_the_count_is_one_query(as_persona, urgent_and_high, django_assert_max_num_queries):
    client = as_persona("nurse_on_team")
    # The session, the user, the user's role and (staff) the second factor's device come
    # with any signed-in request.
    with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as queries:
        client.get("/alerts/count/", **HTMX)
    assert sum('"alerts_alert"' in q["sql"] for q in queries.captured_queries) == 1

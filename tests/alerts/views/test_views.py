"""The alerts page, acknowledging an alert, the clinic page's open alerts and the admin."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory, make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event

# 10 March 2027 is before the clocks change in New York: 15:00 UTC is 10:00 EST.
NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
HTMX = {"HTTP_HX_REQUEST": "true"}
CARE_TEAM = ["nurse_on_team", "clinician_on_team"]
OFF_TEAM = ["nurse_off_team", "clinician_off_team"]
PATIENTS = ["the_patient", "other_patient"]


@pytest.fixture(autouse=True)
def london_ward(settings):
    """Staff with no zone of their own read the clinic's clock: London here."""
    settings.CLINIC_TIME_ZONE = "Europe/London"


# 15:00 UTC on the ward's clock, and the New York patient's own time beside it.
ALERT_TIME = (
    'Wed 10 Mar, 15:00 GMT <small class="text-body-secondary">10:00 EST patient\'s time</small>'
)


def raise_alert(patient, by, grade=3, at=NOW):
    """An alert raised the real way: a staff grade of 3 or more."""
    term = CtcaeTerm.objects.get(version="5.0", term="Vomiting")
    with time_machine.travel(at, tick=False):
        event = record_event(
            patient, term, by=by, grade=grade, onset_at=at, attribution="possible"
        )
    return event.alerts.get()


@pytest.fixture
def alert(personas):
    return raise_alert(personas.patient, personas.clinician_on_team)


def url(alert):
    return f"/alerts/{alert.pk}/acknowledge/"


def fresh(alert):
    return Alert.objects.select_related("acknowledged_by").get(pk=alert.pk)


def assert_still_open(alert):
    alert = fresh(alert)
    assert alert.is_open
    assert alert.history.count() == 1


# The alerts page: who sees it.


@pytest.mark.parametrize("name", [*CARE_TEAM, "admin"])
def test_the_care_team_and_the_admin_see_the_patients_open_alerts(as_persona, alert, name):
    response = as_persona(name).get("/alerts/")
    assert response.status_code == 200
    assert response.context["open_alerts"] == [alert]
    assert alert.text in response.text
    assert ALERT_TIME in response.text
    assert f'href="/patients/{alert.patient.pk}/"' in response.text


def test_a_nurse_in_new_york_reads_alert_times_on_her_own_clock(as_persona, personas, alert):
    personas.nurse_on_team.time_zone = "America/New_York"
    personas.nurse_on_team.save()
    london = PatientFactory(time_zone="Europe/London", care_team=[personas.nurse_on_team])
    raise_alert(london, personas.clinician_on_team, at=NOW + timedelta(minutes=5))
    html = as_persona("nurse_on_team").get("/alerts/").text
    times = re.findall(r"<time [^>]*>(.*?)</time>", html)
    assert times == [
        'Wed 10 Mar, 10:05 EST <small class="text-body-secondary">15:05 GMT patient\'s time</small>',
        "Wed 10 Mar, 10:00 EST",
    ]


@pytest.mark.parametrize("name", OFF_TEAM)
def test_staff_off_the_team_see_no_alerts_of_the_patient(as_persona, alert, name):
    response = as_persona(name).get("/alerts/")
    assert response.status_code == 200
    assert response.context["open_alerts"] == []
    assert alert.text not in response.text
    assert "No open alerts." in response.text


@pytest.mark.parametrize("name", PATIENTS)
def test_patients_may_not_see_the_alerts_page(as_persona, alert, name):
    assert as_persona(name).get("/alerts/").status_code == 403


def test_the_alerts_page_sends_anonymous_visitors_to_login(client, alert):
    response = client.get("/alerts/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/alerts/"


@pytest.mark.parametrize("name, button", [("nurse_on_team", True), ("admin", False)])
def test_only_the_care_team_gets_the_acknowledge_button(as_persona, alert, name, button):
    response = as_persona(name).get("/alerts/")
    assert (f'action="{url(alert)}"' in response.text) is button
    assert (">Acknowledge<" in response.text) is button


def test_open_alerts_are_newest_first_and_acknowledged_ones_only_with_show_all(
    as_persona, personas, alert
):
    nurse = personas.nurse_on_team
    newer = raise_alert(personas.patient, nurse, grade=4, at=NOW + timedelta(minutes=30))
    older = raise_alert(personas.patient, nurse, grade=5, at=NOW - timedelta(days=1))
    acknowledge_alert(older, by=nurse, note="Seen on the round")
    client = as_persona("clinician_on_team")

    response = client.get("/alerts/")
    assert response.context["open_alerts"] == [newer, alert]
    assert response.context["acknowledged"] is None
    assert "Seen on the round" not in response.text

    response = client.get("/alerts/?show=all")
    assert response.context["open_alerts"] == [newer, alert]
    assert list(response.context["acknowledged"]) == [older]
    assert f"Acknowledged by {nurse.get_full_name()}" in response.text
    assert ALERT_TIME + "</time>: Seen on the round" in response.text


# Acknowledging: who may.


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_care_team_gets_the_confirm_form(as_persona, alert, name):
    response = as_persona(name).get(url(alert))
    assert response.status_code == 200
    assert alert.text in response.text
    assert 'name="note"' in response.text
    assert_still_open(alert)


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_care_team_acknowledges(as_persona, personas, alert, name):
    response = as_persona(name).post(url(alert), {"note": "Fluids started"})
    assert response.status_code == 302
    assert response.url == "/alerts/"
    alert = fresh(alert)
    assert alert.acknowledged_by == getattr(personas, name)
    assert alert.acknowledged_at == NOW
    assert alert.acknowledgement_note == "Fluids started"


@pytest.mark.parametrize("name", ["admin", *PATIENTS])
def test_the_admin_and_patients_may_not_acknowledge(as_persona, alert, name):
    client = as_persona(name)
    assert client.get(url(alert)).status_code == 403
    assert client.post(url(alert), {"note": ""}).status_code == 403
    assert_still_open(alert)


@pytest.mark.parametrize("name", OFF_TEAM)
def test_acknowledging_off_the_team_is_404(as_persona, alert, name):
    client = as_persona(name)
    assert client.get(url(alert)).status_code == 404
    assert client.post(url(alert), {"note": ""}).status_code == 404
    assert_still_open(alert)


def test_acknowledging_sends_anonymous_visitors_to_login(client, alert):
    for response in (client.get(url(alert)), client.post(url(alert), {"note": ""})):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert_still_open(alert)


def test_an_unknown_alert_is_404(as_persona):
    assert as_persona("nurse_on_team").post("/alerts/999999/acknowledge/").status_code == 404


def test_acknowledging_takes_only_get_and_post(as_persona, alert):
    assert as_persona("nurse_on_team").put(url(alert)).status_code == 405
    assert_still_open(alert)


# Acknowledging from the list.


def test_acknowledging_from_the_list_goes_back_to_it_and_closes_the_alert(
    as_persona, personas, alert
):
    client = as_persona("nurse_on_team")
    page = client.get("/alerts/?show=all")
    assert 'name="next" value="/alerts/?show=all"' in page.text
    response = client.post(url(alert), {"note": "", "next": "/alerts/?show=all"}, follow=True)
    assert response.redirect_chain == [("/alerts/?show=all", 302)]
    assert f"Acknowledged: {alert.text}" in response.text
    assert response.context["open_alerts"] == []
    assert list(response.context["acknowledged"]) == [alert]
    assert fresh(alert).acknowledged_by == personas.nurse_on_team


def test_a_post_with_no_note_acknowledges(as_persona, alert):
    assert as_persona("nurse_on_team").post(url(alert)).status_code == 302
    alert = fresh(alert)
    assert not alert.is_open
    assert alert.acknowledgement_note == ""


def test_acknowledging_with_htmx_returns_the_acknowledged_alert(as_persona, personas, alert):
    client = as_persona("nurse_on_team")
    response = client.post(url(alert), {"note": "Antiemetic given", "next": "/alerts/"}, **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "alerts/includes/alert.html"
    assert "<html" not in response.text
    assert f'data-alert="{alert.pk}"' in response.text
    name = personas.nurse_on_team.get_full_name()
    assert f"Acknowledged by {name}" in response.text
    assert ALERT_TIME + "</time>: Antiemetic given" in response.text
    assert ">Acknowledge<" not in response.text
    assert not fresh(alert).is_open
    # The message is in the card; none is left for the next page.
    assert "Acknowledged:" not in client.get("/alerts/").text


def test_a_note_too_long_is_refused_with_a_message(as_persona, alert):
    client = as_persona("nurse_on_team")
    response = client.post(url(alert), {"note": "x" * 301})
    assert response.status_code == 200
    assert "Ensure this value has at most 300 characters (it has 301)." in response.text
    response = client.post(url(alert), {"note": "x" * 301}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "at most 300 characters" in response.text
    assert_still_open(alert)


def test_a_second_acknowledgement_says_who_was_first_and_writes_nothing(
    as_persona, personas, alert
):
    nurse = personas.nurse_on_team
    assert acknowledge_alert(alert, by=nurse, note="first")
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        response = as_persona("clinician_on_team").post(
            url(alert), {"note": "second"}, follow=True
        )
    message = f"Already acknowledged by {nurse.get_full_name()} at 15:00 GMT."
    assert response.redirect_chain == [("/alerts/", 302)]
    assert message in response.text
    alert = fresh(alert)
    assert (alert.acknowledged_by, alert.acknowledged_at) == (nurse, NOW)
    assert alert.acknowledgement_note == "first"
    assert alert.history.count() == 2


def test_a_second_acknowledgement_with_htmx_shows_the_first_in_the_card(
    as_persona, personas, alert
):
    # The clinician's page still shows the alert open; the nurse acknowledges meanwhile.
    client = as_persona("clinician_on_team")
    assert ">Acknowledge<" in client.get("/alerts/").text
    acknowledge_alert(alert, by=personas.nurse_on_team)
    response = client.post(url(alert), {"note": "second"}, **HTMX)
    name = personas.nurse_on_team.get_full_name()
    assert f"Already acknowledged by {name} at 15:00 GMT." in response.text
    assert fresh(alert).acknowledgement_note == ""


def test_the_confirm_form_of_an_acknowledged_alert_says_who_was_first(as_persona, personas, alert):
    acknowledge_alert(alert, by=personas.nurse_on_team)
    response = as_persona("clinician_on_team").get(url(alert))
    assert response.status_code == 200
    name = personas.nurse_on_team.get_full_name()
    assert f"Already acknowledged by {name} at 15:00 GMT." in response.text
    assert 'name="note"' not in response.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/alerts/",
        "javascript:alert(1)",
        "",
        # Not paths: redirect() would look them up as view names and fail.
        "2026-03-29",
        "alert-list",
        "admin:index",
        "😀",
        "ward/",
    ],
)
def test_a_next_that_is_not_a_path_on_the_site_is_ignored(as_persona, alert, target):
    response = as_persona("nurse_on_team").post(url(alert), {"next": target})
    assert response.status_code == 302
    assert response.url == "/alerts/"
    assert not fresh(alert).is_open


def test_a_next_on_the_site_is_followed(as_persona, alert):
    response = as_persona("nurse_on_team").post(url(alert), {"next": "/ward/?hours=24"})
    assert response.url == "/ward/?hours=24"


# The include other pages use.


def test_the_open_alerts_include_renders_a_list_passed_in(personas, alert):
    request = RequestFactory().get("/ward/")
    request.user = personas.nurse_on_team
    html = render_to_string(
        "alerts/includes/open_alerts.html", {"alerts": [alert]}, request=request
    )
    assert alert.text in html
    assert f'hx-post="{url(alert)}"' in html
    assert 'name="compact"' in html
    assert 'name="next" value="/ward/"' in html
    empty = render_to_string("alerts/includes/open_alerts.html", {"alerts": []}, request=request)
    assert empty.strip() == ""


def test_a_compact_acknowledgement_with_htmx_stays_compact(as_persona, alert):
    response = as_persona("nurse_on_team").post(
        url(alert), {"compact": "1", "next": "/ward/"}, **HTMX
    )
    assert response.status_code == 200
    assert response.context["compact"] is True
    assert 'name="note"' not in response.text


# The clinic page.


def test_the_clinic_page_shows_my_open_alerts_with_a_link_to_all(as_persona, personas, alert):
    other = PatientFactory(care_team=[personas.clinician_off_team])
    raise_alert(other, personas.clinician_off_team)
    closed = raise_alert(personas.patient, personas.nurse_on_team, grade=4)
    acknowledge_alert(closed, by=personas.nurse_on_team)
    response = as_persona("clinician_on_team").get("/clinic/")
    assert response.context["alerts"] == [alert]
    assert response.context["open_alert_count"] == 1
    assert alert.text in response.text
    assert 'href="/alerts/"' in response.text
    assert f'action="{url(alert)}"' in response.text
    assert list(response.context["patients"]) == [personas.patient]


def test_the_clinic_page_shows_at_most_20_open_alerts(as_persona, personas):
    for minutes in range(22):
        raise_alert(personas.patient, personas.nurse_on_team, at=NOW - timedelta(minutes=minutes))
    response = as_persona("clinician_on_team").get("/clinic/")
    assert len(response.context["alerts"]) == 20
    assert response.context["alerts"][0].created_at == NOW
    assert "The 20 most severe of 22 are shown" in response.text


def test_the_clinic_page_says_when_there_are_no_alerts(as_persona):
    response = as_persona("clinician_on_team").get("/clinic/")
    assert "No open alerts for your patients." in response.text


# Queries: the same count with one alert and with several.


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response, len(queries)


def add_alerts(personas, how_many):
    """More patients on the team, each with an alert, half of them acknowledged."""
    team = [personas.nurse_on_team, personas.clinician_on_team]
    for n in range(how_many):
        patient = PatientFactory(care_team=team, time_zone="Europe/Paris")
        added = raise_alert(patient, personas.nurse_on_team, at=NOW - timedelta(hours=n + 1))
        if n % 2:
            acknowledge_alert(added, by=personas.nurse_on_team, note="seen")


@pytest.mark.parametrize("path", ["/alerts/", "/alerts/?show=all", "/clinic/"])
def test_pages_with_alerts_run_the_same_queries_however_many(as_persona, personas, alert, path):
    client = as_persona("clinician_on_team")
    closed = raise_alert(personas.patient, personas.nurse_on_team, grade=4)
    acknowledge_alert(closed, by=personas.nurse_on_team)
    one, one_count = count_queries(client, path)
    add_alerts(personas, 8)
    many, many_count = count_queries(client, path)
    shown = "open_alerts" if path.startswith("/alerts/") else "alerts"
    assert (len(one.context[shown]), len(many.context[shown])) == (1, 5)
    assert many_count == one_count


# The admin: read-only, with history.


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client


def test_the_admin_lists_alerts_read_only(admin_client, personas, alert):
    closed = raise_alert(personas.patient, personas.nurse_on_team, grade=4)
    acknowledge_alert(closed, by=personas.nurse_on_team)
    listing = admin_client.get("/admin/alerts/alert/")
    assert listing.status_code == 200
    assert personas.patient.mrn in listing.text
    assert list(
        admin_client.get("/admin/alerts/alert/?status=open").context["cl"].result_list
    ) == [alert]
    acknowledged = admin_client.get("/admin/alerts/alert/?status=acknowledged")
    assert list(acknowledged.context["cl"].result_list) == [closed]
    found = admin_client.get(f"/admin/alerts/alert/?q={personas.patient.mrn}")
    assert len(found.context["cl"].result_list) == 2
    page = admin_client.get(f"/admin/alerts/alert/{alert.pk}/change/")
    assert page.status_code == 200
    assert 'name="text"' not in page.text
    assert admin_client.get(f"/admin/alerts/alert/{alert.pk}/history/").status_code == 200


def test_the_admin_cannot_add_change_or_delete_an_alert(admin_client, alert):
    assert admin_client.get("/admin/alerts/alert/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/alerts/alert/{alert.pk}/change/", {"text": "x"}).status_code
        == 403
    )
    assert admin_client.get(f"/admin/alerts/alert/{alert.pk}/delete/").status_code == 403
    assert Alert.objects.get(pk=alert.pk).text == alert.text


def test_the_admin_role_views_alerts_in_the_admin(client, personas, alert):
    sign_in_with_second_factor(client, personas.admin)
    assert client.get("/admin/alerts/alert/").status_code == 200
    assert client.get(f"/admin/alerts/alert/{alert.pk}/change/").status_code == 200


# The alerts page a page at a time.


def test_open_alerts_page_most_severe_first_and_keep_the_filter(as_persona, personas, monkeypatch):
    monkeypatch.setattr("tracker.alerts.views.OPEN_PER_PAGE", 2)
    high = [raise_alert(personas.patient, personas.nurse_on_team, grade=3) for _ in range(2)]
    urgent = raise_alert(personas.patient, personas.nurse_on_team, grade=4)
    client = as_persona("nurse_on_team")
    first = client.get("/alerts/", {"show": "all"})
    assert first.context["open_alerts"][0] == urgent
    assert first.context["open_page"].paginator.count == 3
    assert 'href="?show=all&amp;page=2"' in first.text
    second = client.get("/alerts/", {"show": "all", "page": 2})
    assert len(second.context["open_alerts"]) == 1
    assert second.context["open_alerts"][0] in high
    assert client.get("/alerts/", {"page": 9}).context["open_page"].number == 2
    assert client.get("/alerts/", {"page": "last"}).context["open_page"].number == 1

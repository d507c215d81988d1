"""A session ends after a spell without activity (staff 15 minutes, patients 30) and
after 12 hours in all; the sign-in page says why, and brings the user back."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from pytest_django.asserts import assertContains, assertNotContains

from tracker.settings import env_whole_number

pytestmark = pytest.mark.now("2027-03-12 12:00Z")

MINUTES = timedelta(minutes=1)
STAFF = ["nurse_on_team", "clinician_on_team", "admin"]
IDLE_MESSAGE = "You were signed out after 15 minutes without activity"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/ward/?day=2027-03-12"}


@pytest.fixture(autouse=True)
def idle_logoff(settings):
    """Switched on, with the production defaults (the rest of the suite runs without it)."""
    settings.IDLE_LOGOFF_ENABLED = True
    settings.STAFF_IDLE_MINUTES = 15
    settings.PATIENT_IDLE_MINUTES = 30
    settings.SESSION_ABSOLUTE_HOURS = 12


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def keep_alive(client):
    return client.post("/session/keep-alive/")


@pytest.mark.parametrize("name", STAFF)
def test_16_idle_minutes_end_a_staff_session(as_persona, clock, name):
    client = as_persona(name)
    clock.shift(16 * MINUTES)
    response = client.get("/patients/?q=smith")
    assert response.status_code == 302
    assert response.url == "/login/?next=/patients/%3Fq%3Dsmith"
    assert not signed_in(client)


@pytest.mark.parametrize("name", STAFF)
def test_14_idle_minutes_do_not_end_a_staff_session(as_persona, clock, name):
    client = as_persona(name)
    clock.shift(14 * MINUTES)
    assert client.get("/patients/").status_code == 200
    assert signed_in(client)


def test_each_request_starts_the_idle_time_again(as_persona, clock):
    client = as_persona("nurse_on_team")
    for _ in range(3):
        clock.shift(14 * MINUTES)
        assert client.get("/ward/").status_code == 200
    assert signed_in(client)


def test_31_idle_minutes_end_a_patient_session(as_persona, clock):
    client = as_persona("the_patient")
    clock.shift(31 * MINUTES)
    response = client.get("/me/")
    assert response.url == "/login/?next=/me/"
    assert not signed_in(client)


def test_29_idle_minutes_do_not_end_a_patient_session(as_persona, clock):
    client = as_persona("the_patient")
    clock.shift(29 * MINUTES)
    assert client.get("/me/").status_code == 200
    assert signed_in(client)


def test_the_limits_come_from_the_settings(as_persona, clock, settings):
    settings.STAFF_IDLE_MINUTES = 5
    client = as_persona("nurse_on_team")
    clock.shift(6 * MINUTES)
    assert client.get("/ward/").status_code == 302
    assert not signed_in(client)


def test_a_session_ends_12_hours_after_sign_in_whatever_the_activity(as_persona, clock):
    client = as_persona("nurse_on_team")
    for _ in range(71):  # every 10 minutes, up to 11 h 50
        clock.shift(10 * MINUTES)
        assert keep_alive(client).status_code == 200
    assert keep_alive(client).json()["ends_because"] == "absolute"
    clock.shift(10 * MINUTES)
    response = client.get("/ward/")
    assert response.url == "/login/?next=/ward/"
    page = client.get(response.url)
    assertContains(page, "You were signed out because you had been signed in for 12 hours.")


def test_the_sign_in_page_says_why_and_brings_the_user_back(as_persona, clock, personas):
    client = as_persona("nurse_on_team")
    clock.shift(16 * MINUTES)
    page = client.get("/ward/", follow=True)
    assert page.redirect_chain == [("/login/?next=/ward/", 302)]
    assertContains(page, IDLE_MESSAGE)
    assertContains(page, 'name="next" value="/ward/"')

    back = client.post(
        "/login/?next=/ward/",
        {"username": "nurse-on-team", "password": "correct-horse-battery", "next": "/ward/"},
    )
    assert back.url == "/ward/"
    assert signed_in(client)
    # Said once: the next page (the second step after the password) does not repeat it.
    assertNotContains(client.get("/ward/", follow=True), IDLE_MESSAGE)


def test_the_sign_in_page_reached_after_the_end_says_why(as_persona, clock):
    """The page's warning goes straight to the sign-in page when the time is up."""
    client = as_persona("nurse_on_team")
    clock.shift(16 * MINUTES)
    page = client.get("/login/?next=/ward/")
    assert page.status_code == 200
    assertContains(page, IDLE_MESSAGE)
    assert not signed_in(client)


def test_a_form_posted_after_the_end_writes_nothing(as_persona, clock, personas):
    client = as_persona("nurse_on_team")
    clock.shift(16 * MINUTES)
    response = client.post(
        "/settings/", {"time_zone": "Asia/Tokyo"}, HTTP_REFERER="http://testserver/settings/?x=1"
    )
    # Back to the page the form was on, which the user may post again.
    assert response.url == "/login/?next=/settings/%3Fx%3D1"
    personas.nurse_on_team.refresh_from_db()
    assert personas.nurse_on_team.time_zone == ""


@pytest.mark.parametrize("referer", [None, "https://evil.example/settings/", "javascript:x"])
def test_a_post_after_the_end_comes_back_only_to_a_page_of_this_site(as_persona, clock, referer):
    client = as_persona("nurse_on_team")
    clock.shift(16 * MINUTES)
    headers = {"HTTP_REFERER": referer} if referer else {}
    response = client.post("/settings/", {"time_zone": "Asia/Tokyo"}, **headers)
    assert response.url == "/login/"
    assertContains(client.get(response.url), IDLE_MESSAGE)


def test_signing_out_after_the_end_does_not_come_back_to_sign_out(as_persona, clock):
    client = as_persona("nurse_on_team")
    clock.shift(16 * MINUTES)
    response = client.post("/logout/", HTTP_REFERER="http://testserver/ward/")
    assert response.url == "/login/"
    assert not signed_in(client)


def test_a_poll_does_not_count_as_activity(as_persona, clock):
    client = as_persona("nurse_on_team")
    for _ in range(14):
        clock.shift(MINUTES)
        assert client.get("/alerts/count/", **HTMX).status_code == 200
        assert client.get("/session/").status_code == 200
    clock.shift(2 * MINUTES)
    # The poll after the end takes the whole page to the sign-in page, to come back to it.
    response = client.get("/alerts/count/", **HTMX)
    assert response.headers["HX-Redirect"] == "/login/?next=/ward/%3Fday%3D2027-03-12"
    assert not signed_in(client)


def test_an_htmx_request_the_user_made_counts_as_activity(as_persona, clock):
    client = as_persona("nurse_on_team")
    clock.shift(14 * MINUTES)
    client.get("/ward/", **HTMX)
    clock.shift(14 * MINUTES)
    assert client.get("/ward/").status_code == 200


def test_stay_signed_in_starts_the_idle_time_again(as_persona, clock):
    client = as_persona("nurse_on_team")
    clock.shift(14 * MINUTES)
    response = keep_alive(client)
    assert response.json() == {"ends_in": 15 * 60, "ends_because": "idle"}
    clock.shift(14 * MINUTES)
    assert client.get("/ward/").status_code == 200


def test_stay_signed_in_gives_the_whole_idle_time_even_just_after_a_page(as_persona, clock):
    client = as_persona("nurse_on_team")
    clock.shift(14 * MINUTES)
    client.get("/ward/")
    clock.shift(timedelta(seconds=10))
    assert keep_alive(client).json()["ends_in"] == 15 * 60


def test_pages_within_seconds_of_each_other_write_the_session_once(as_persona, clock):
    """Activity is written at most every 15 seconds: not a database write per page."""
    client = as_persona("nurse_on_team")
    clock.shift(MINUTES)
    client.get("/ward/")
    written = client.session["last_activity"]
    clock.shift(timedelta(seconds=10))
    client.get("/ward/")
    assert client.session["last_activity"] == written
    clock.shift(timedelta(seconds=5))
    client.get("/ward/")
    assert client.session["last_activity"] == written + 15


def test_the_status_counts_down_without_counting_as_activity(as_persona, clock):
    client = as_persona("the_patient")
    clock.shift(5 * MINUTES)
    assert client.get("/session/").json() == {"ends_in": 25 * 60, "ends_because": "idle"}
    clock.shift(5 * MINUTES)
    assert client.get("/session/").json()["ends_in"] == 20 * 60


def test_the_status_and_keep_alive_answer_quickly(
    as_persona, clock, django_assert_max_num_queries
):
    client = as_persona("nurse_on_team")
    clock.shift(5 * MINUTES)
    # The session, the user, their groups, the second factor's device; keep-alive also
    # writes the session.
    with django_assert_max_num_queries(4):
        client.get("/session/")
    with django_assert_max_num_queries(7):
        keep_alive(client)


@pytest.mark.parametrize(
    "name",
    [
        "the_patient",
        "other_patient",
        "nurse_on_team",
        "nurse_off_team",
        "clinician_on_team",
        "clinician_off_team",
        "admin",
    ],
)
def test_every_signed_in_user_may_ask_and_stay(as_persona, name):
    client = as_persona(name)
    assert client.get("/session/").status_code == 200
    assert keep_alive(client).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get("/session/").url == "/login/?next=/session/"
    assert keep_alive(client).url == "/login/?next=/session/keep-alive/"
    assert not signed_in(client)


def test_keep_alive_takes_only_a_post(as_persona):
    client = as_persona("nurse_on_team")
    assert client.get("/session/keep-alive/").status_code == 405
    assert client.post("/session/").status_code == 405


def test_a_page_carries_the_warning_and_its_script(as_persona, clock):
    client = as_persona("nurse_on_team")
    clock.shift(2 * MINUTES)
    page = client.get("/ward/")
    assertContains(page, 'id="session-warning"')
    assertContains(page, 'data-ends-in="900"')
    assertContains(page, "Stay signed in")
    assertContains(page, "js/idle-logoff.js")


def test_an_admin_page_carries_the_warning_and_its_script(as_persona):
    page = as_persona("admin").get("/admin/")
    assertContains(page, 'id="session-warning"')
    assertContains(page, "js/idle-logoff.js")
    assertContains(page, "IL-2 tracker administration")


def test_the_sign_in_page_has_no_warning(client):
    page = client.get("/login/")
    assertNotContains(page, 'id="session-warning"')
    assertNotContains(page, "js/idle-logoff.js")


def test_switched_off_it_signs_no_one_out(as_persona, clock, settings):
    settings.IDLE_LOGOFF_ENABLED = False
    client = as_persona("nurse_on_team")
    clock.shift(11 * timedelta(hours=1))
    page = client.get("/ward/")
    assert page.status_code == 200
    assertNotContains(page, 'id="session-warning"')


def test_a_session_from_before_idle_logoff_starts_its_clock_when_first_seen(as_persona, clock):
    client = as_persona("nurse_on_team")
    session = client.session
    del session["last_activity"], session["signed_in_at"]
    session.save()
    clock.shift(20 * MINUTES)
    assert client.get("/ward/").status_code == 200
    clock.shift(16 * MINUTES)
    assert client.get("/ward/").status_code == 302


@pytest.mark.parametrize("value", ["0", "1", "-5", "fifteen", "1.5", ""])
def test_an_idle_limit_the_warning_cannot_precede_is_refused(monkeypatch, value):
    monkeypatch.setenv("STAFF_IDLE_MINUTES", value)
    with pytest.raises(ImproperlyConfigured, match="STAFF_IDLE_MINUTES must be a whole number"):
        env_whole_number("STAFF_IDLE_MINUTES", "15", minimum=2)


def test_an_idle_limit_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "10")
    assert env_whole_number("STAFF_IDLE_MINUTES", "15", minimum=2) == 10

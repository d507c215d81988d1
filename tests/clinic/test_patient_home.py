"""The patient's home page: the next dose, when, and what to do; today's doses."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, record_given
from tracker.accounts.templatetags.next_dose import due_in_words
from tracker.patients.models import Patient

pytestmark = pytest.mark.django_db

# New York is on EST (UTC-5) all of early February 2027.
SC_START = "2027-02-03 09:00"  # Wed; 5 days on, 2 off; overdue 4 hours after
IV_START = "2027-02-03 08:00"  # q8h, 14 doses days 1-5, cycle 2 from day 15
ME = "/me/"


def at(text):
    return time_machine.travel(datetime.fromisoformat(text), tick=False)


def home(client):
    response = client.get(ME)
    assert response.status_code == 200
    return response


@pytest.fixture
def sc_course(personas):
    return make_course(personas.patient, slug="sc-5on2off", start=SC_START)


@pytest.fixture
def iv_course(personas):
    return make_course(personas.patient, slug="hd-iv-label", start=IV_START)


# Who may open it.


@pytest.mark.parametrize(
    "name, status",
    [
        ("the_patient", 200),
        ("other_patient", 200),
        ("nurse_on_team", 403),
        ("nurse_off_team", 403),
        ("clinician_on_team", 403),
        ("clinician_off_team", 403),
        ("admin", 403),
    ],
)
def test_only_patients_have_a_home_page(as_persona, personas, sc_course, name, status):
    with at("2027-02-03T06:00-05:00"):
        response = as_persona(name).get(ME)
    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(ME)
    assert response.status_code == 302
    assert response.url == "/login/?next=/me/"


def test_another_patient_never_sees_this_patients_dose(as_persona, sc_course):
    with at("2027-02-03T06:00-05:00"):
        response = home(as_persona("other_patient"))
    assert response.context["next_dose"] is None
    assert "Wed 3 Feb" not in response.text


# Before, at and after the overdue window of a home injection.


def test_before_the_dose_it_says_when_and_how_long_until(as_persona, sc_course):
    with at("2027-02-03T06:00-05:00"):
        response = home(as_persona("the_patient"))
    dose = response.context["next_dose"]
    assert dose == sc_course.doses.get(dose_in_course=1)
    assert "Your next dose" in response.text
    assert "Wed 3 Feb" in response.text
    assert "09:00 EST" in response.text
    assert "In 3 hours" in response.text
    assert "Inject your dose" in response.text
    assert "Overdue" not in response.text


def test_from_its_time_until_the_overdue_window_it_is_due_now(as_persona, sc_course):
    for now in ("2027-02-03T09:00-05:00", "2027-02-03T12:59-05:00"):
        with at(now):
            response = home(as_persona("the_patient"))
        assert "Due now" in response.text
        assert "Overdue" not in response.text


def test_after_the_overdue_window_it_reads_overdue(as_persona, sc_course):
    with at("2027-02-03T13:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["next_dose"] == sc_course.doses.get(dose_in_course=1)
    assert "Overdue since 09:00" in response.text
    assert "Due now" not in response.text
    assert "call your care team" in response.text
    assert 'href="tel:' in response.text


def test_once_given_the_next_is_tomorrow(as_persona, personas, sc_course):
    record_given(sc_course.doses.get(dose_in_course=1), personas.nurse_on_team)
    with at("2027-02-03T15:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["next_dose"] == sc_course.doses.get(dose_in_course=2)
    assert "Tomorrow at 09:00" in response.text
    assert "Thu 4 Feb" in response.text
    # Today's one dose, given, is listed under today.
    assert [d.dose_in_course for d in response.context["today"]] == [1]
    assert "Given" in response.text


def test_an_old_unrecorded_dose_does_not_stay_the_next_dose(as_persona, sc_course):
    with at("2027-02-04T07:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["next_dose"] == sc_course.doses.get(dose_in_course=2)
    assert "In 2 hours" in response.text


# A ward IV course: several doses a day, and the gap between cycles.


def test_a_ward_dose_says_the_nurse_gives_it_and_lists_todays_doses(as_persona, iv_course):
    with at("2027-02-03T12:00-05:00"):
        response = home(as_persona("the_patient"))
    assert "Your nurse will give this dose on the ward" in response.text
    assert "Inject" not in response.text
    # 08:00 went unrecorded past its hour; 16:00 is to come.
    assert response.context["next_dose"] == iv_course.doses.get(dose_in_course=1)
    assert "Overdue since 08:00" in response.text
    assert [d.dose_in_course for d in response.context["today"]] == [1, 2]
    assert "16:00 EST" in response.text
    assert "Today" in response.text


def test_between_cycles_it_says_when_the_next_cycle_starts(as_persona, personas, iv_course):
    with at("2027-02-10T12:00-05:00"):
        response = home(as_persona("the_patient"))
    dose = response.context["next_dose"]
    assert (dose.cycle, dose.dose_in_cycle) == (2, 1)
    assert "No dose today." in response.text
    assert "Cycle 2 starts Wed 17 Feb" in response.text
    assert "In 7 days" in response.text


def test_with_no_course_it_says_none_is_planned(as_persona):
    with at("2027-02-03T06:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["next_dose"] is None
    assert "No treatment is planned for you yet." in response.text


def test_after_the_last_dose_it_says_no_more_are_planned(as_persona, sc_course):
    with at("2027-04-01T12:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["next_dose"] is None
    assert "No more doses are planned." in response.text


def test_times_are_on_the_patients_own_clock(as_persona, personas, sc_course):
    Patient.objects.filter(pk=personas.patient.pk).update(time_zone="Europe/London")
    with at("2027-02-03T06:00-05:00"):
        response = home(as_persona("the_patient"))
    assert "14:00 GMT" in response.text


def test_the_page_runs_the_same_queries_however_many_doses(as_persona, personas):
    with at("2027-02-03T06:00-05:00"):
        client = as_persona("the_patient")
        with CaptureQueriesContext(connection) as none:
            home(client)
    make_course(personas.patient, slug="hd-iv-label", start=IV_START)
    with at("2027-02-03T12:00-05:00"):
        client = as_persona("the_patient")
        with CaptureQueriesContext(connection) as some:
            response = home(client)
    assert len(response.context["today"]) == 2
    assert len(some) == len(none)


# The words, on their own.

NOW = datetime(2027, 2, 3, 14, 0, tzinfo=UTC)  # 09:00 EST


@pytest.mark.parametrize(
    "planned, words",
    [
        (NOW + timedelta(minutes=45), "in 45 minutes"),
        (NOW + timedelta(hours=1), "in 1 hour"),
        (NOW + timedelta(hours=3), "in 3 hours"),
        (NOW + timedelta(hours=2, minutes=50), "in 2 hours 50 minutes"),
        (NOW + timedelta(hours=15), "tomorrow at 00:00"),
        (NOW + timedelta(days=2), "in 2 days"),
        (NOW, "due now"),
    ],
)
def test_due_in_words(planned, words):
    from zoneinfo import ZoneInfo

    assert due_in_words(planned, NOW, ZoneInfo("America/New_York"), overdue=False) == words


def test_due_in_words_when_overdue():
    from zoneinfo import ZoneInfo

    planned = NOW - timedelta(hours=5)
    zone = ZoneInfo("America/New_York")
    assert due_in_words(planned, NOW, zone, overdue=True) == "overdue since 04:00"
    assert due_in_words(NOW - timedelta(days=1), NOW, zone, overdue=True) == (
        "overdue since Tue 2 Feb, 09:00"
    )

"""The patient's home page answers "what now": a missed dose, recording the next, tests due."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, make_home_course, make_ward, record_given
from tracker.ward.recording import record_own_dose

pytestmark = pytest.mark.django_db

# The home course's dose 1: Wed 3 Feb 2027 09:00 EST; overdue 13:00; its recording
# window ends 21:00, when the patient's reminder says it is not recorded.  One dose a day, Wednesday to Sunday.
SC_START = "2027-02-03 09:00"
ME = "/me/"


def at(text):
    return time_machine.travel(datetime.fromisoformat(text), tick=False)


@pytest.fixture
def sc_course(personas):
    return make_home_course(personas.patient, start=SC_START)


def home(client):
    response = client.get(ME)
    assert response.status_code == 200
    return response


# Recording the next dose.


@pytest.mark.parametrize(
    "now", ["2027-02-03T08:30-05:00", "2027-02-03T09:00-05:00", "2027-02-03T14:00-05:00"]
)
def test_on_the_day_a_home_dose_has_a_record_this_dose_button(as_persona, sc_course, now):
    dose = sc_course.doses.get(dose_in_course=1)
    with at(now):
        response = home(as_persona("the_patient"))
    assert f'href="/me/doses/{dose.pk}/record/">Record this dose</a>' in response.text


def test_the_evening_before_there_is_no_button_yet(as_persona, sc_course):
    with at("2027-02-02T22:00-05:00"):
        response = home(as_persona("the_patient"))
    assert "Record this dose" not in response.text


def test_a_ward_dose_has_no_record_button(as_persona, personas):
    make_course(personas.patient, start="2027-02-03 08:00")
    with at("2027-02-03T08:30-05:00"):
        response = home(as_persona("the_patient"))
    assert "Record this dose" not in response.text
    assert "/me/doses/" not in response.text


def test_once_recorded_the_button_moves_to_tomorrows_dose_only_tomorrow(
    as_persona, personas, sc_course
):
    dose = sc_course.doses.get(dose_in_course=1)
    with at("2027-02-03T09:10-05:00"):
        record_own_dose(
            dose,
            by=personas.the_patient,
            outcome="given",
            given_at=dose.planned_at,
            injection_site="left_thigh",
        )
        response = home(as_persona("the_patient"))
    assert "Record this dose" not in response.text
    assert "Given" in response.text


# A missed dose.


def test_it_is_asked_from_the_end_of_its_window(as_persona, sc_course):
    with at("2027-02-03T21:00-05:00"):
        response = home(as_persona("the_patient"))
    assert [d.dose_in_course for d in response.context["missed"]] == [1]


def test_a_home_dose_past_its_window_asks_whether_it_was_taken(as_persona, sc_course):
    dose = sc_course.doses.get(dose_in_course=1)
    with at("2027-02-04T02:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["missed"] == [dose]
    text = response.text
    assert "Did you take your dose of Wed 3 Feb, 09:00?" in text
    assert "I took it but forgot to record it" in text
    assert "I missed it" in text
    assert f'action="/me/doses/{dose.pk}/missed/"' in text
    assert f'href="/me/doses/{dose.pk}/record/?when=earlier"' in text
    # Above everything else on the page.
    assert text.index("Did you take your dose") < text.index("Your next dose")


def test_before_its_window_ends_it_is_not_asked(as_persona, sc_course):
    with at("2027-02-03T20:59-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["missed"] == []
    assert "Did you take your dose" not in response.text


def test_once_answered_it_is_asked_no_more(as_persona, personas, sc_course):
    with at("2027-02-04T02:00-05:00"):
        client = as_persona("the_patient")
        client.post(f"/me/doses/{sc_course.doses.get(dose_in_course=1).pk}/missed/")
        response = home(client)
    assert "Did you take your dose" not in response.text


def test_a_dose_the_nurse_recorded_is_not_asked(as_persona, personas, sc_course):
    record_given(sc_course.doses.get(dose_in_course=1), personas.nurse_on_team)
    with at("2027-02-04T02:00-05:00"):
        response = home(as_persona("the_patient"))
    assert "Did you take your dose" not in response.text


def test_after_a_week_it_is_for_the_ward_not_asked(as_persona, sc_course):
    with at("2027-02-11T12:00-05:00"):
        response = home(as_persona("the_patient"))
    # Doses 1 and 2 (3 and 4 Feb, 09:00) are more than a week old.
    assert [d.dose_in_course for d in response.context["missed"]] == [3, 4, 5, 6]


def test_a_missed_ward_dose_is_not_asked_about(as_persona, personas):
    make_course(personas.patient, start="2027-02-03 08:00")
    with at("2027-02-03T16:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["missed"] == []


# Thyroid tests, the phone, the links.


def test_a_thyroid_test_due_soon_is_shown(as_persona, sc_course):
    with at("2027-02-01T12:00-05:00"):
        response = home(as_persona("the_patient"))
    assert response.context["thyroid_due"]
    assert "Thyroid blood tests" in response.text


def test_the_phone_is_the_patients_wards_or_the_clinics(as_persona, personas, sc_course, settings):
    with at("2027-02-03T08:00-05:00"):
        response = home(as_persona("the_patient"))
    assert settings.WARD_PHONE in response.text
    personas.patient.ward = make_ward(phone="+1 212 555 0100")
    personas.patient.save()
    with at("2027-02-03T08:00-05:00"):
        response = home(as_persona("the_patient"))
    assert "+1 212 555 0100" in response.text
    assert 'href="tel:+12125550100"' in response.text


def test_the_links_to_the_patients_other_pages(as_persona, personas, sc_course):
    with at("2027-02-03T08:00-05:00"):
        text = home(as_persona("the_patient")).text
    for words in ("My calendar", "Add to my phone", "Reminders"):
        assert words in text


def test_the_page_runs_the_same_queries_with_one_dose_or_many(as_persona, personas, sc_course):
    with at("2027-02-04T02:00-05:00"):
        client = as_persona("the_patient")
        with CaptureQueriesContext(connection) as one:
            response = home(client)
    assert len(response.context["missed"]) == 1
    # Four days later: four home doses missed, today's dose, and a thyroid test due.
    with at("2027-02-10T12:00-05:00"):
        client = as_persona("the_patient")
        with CaptureQueriesContext(connection) as many:
            response = home(client)
    assert len(response.context["missed"]) == 4
    assert len(response.context["today"]) == 1
    assert len(many) == len(one)

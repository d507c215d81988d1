"""Ending a cycle early, and a discharge between cycles, from the course page."""

import pytest
import time_machine

from regimens.models import Course, CycleEnd, Discharge, Dose
from tests.factories import record_given

pytestmark = pytest.mark.django_db

# The label course: cycle 1 is doses 1-14 from 13:00 UTC on 10 March 2027, cycle 2 from 24 March.
DURING = "2027-03-11 12:00Z"  # doses 1-3 past; 4-14 of cycle 1 still to come
BETWEEN_CYCLES = "2027-03-16 12:00Z"
EDITORS = ["clinician_on_team", "admin"]
IN_SCOPE_NOT_EDITORS = ["nurse_on_team", "the_patient"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
END = {"cycle": "1", "reason": "toxicity", "note": "Grade 3 diarrhoea"}


def url(course, action="end-cycle"):
    return f"/courses/{course.pk}/{action}/"


def cancelled(course):
    return course.doses.filter(status=Dose.Status.CANCELLED).count()


# Ending a cycle early -------------------------------------------------------------------


@pytest.mark.parametrize("name", EDITORS)
def test_editors_end_a_cycle_after_seeing_the_doses_it_cancels(as_persona, course, name):
    with time_machine.travel(DURING, tick=False):
        client = as_persona(name)
        assert "End cycle early" in client.get(f"/courses/{course.pk}/").text
        page = client.get(url(course))
        preview = client.post(url(course), {**END, "preview": "1"})
        assert cancelled(course) == 0
        response = client.post(url(course), {**END, "confirm": "1"}, follow=True)
    assert page.status_code == 200
    assert "These 11 doses will be cancelled" in preview.text
    assert "Confirm: end cycle 1" in preview.text
    assert response.redirect_chain == [(f"/courses/{course.pk}/", 302)]
    assert "Cycle 1 ended early: 11 doses cancelled. Later cycles stay planned." in response.text
    assert "Cycle 1 ended early:</strong> Toxicity. Grade 3 diarrhoea" in response.text
    assert cancelled(course) == 11
    assert course.doses.filter(cycle=2, status=Dose.Status.SCHEDULED).count() == 14


@pytest.mark.parametrize("name", IN_SCOPE_NOT_EDITORS)
def test_the_nurse_and_the_patient_may_not_end_a_cycle(as_persona, course, name):
    with time_machine.travel(DURING, tick=False):
        client = as_persona(name)
        assert "End cycle early" not in client.get(f"/courses/{course.pk}/").text
        assert client.get(url(course)).status_code == 403
        assert client.post(url(course), {**END, "confirm": "1"}).status_code == 403
    assert cancelled(course) == 0


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_ending_a_cycle_of_anothers_course_is_not_found(as_persona, course, name):
    with time_machine.travel(DURING, tick=False):
        assert as_persona(name).post(url(course), {**END, "confirm": "1"}).status_code == 404
    assert cancelled(course) == 0


def test_anonymous_visitors_ending_a_cycle_go_to_login(client, course):
    with time_machine.travel(DURING, tick=False):
        response = client.post(url(course), {**END, "confirm": "1"})
    assert response.url == f"/login/?next={url(course)}"
    assert cancelled(course) == 0


def test_ending_a_cycle_for_another_reason_needs_a_note(as_persona, course):
    with time_machine.travel(DURING, tick=False):
        response = as_persona("clinician_on_team").post(
            url(course), {"cycle": "1", "reason": "other", "note": "", "confirm": "1"}
        )
    assert response.status_code == 200
    assert "Say why the cycle ends early." in response.text
    assert not CycleEnd.objects.exists()


def test_the_last_cycle_is_not_offered_and_the_page_says_why(as_persona, course):
    with time_machine.travel("2027-03-25 12:00Z", tick=False):
        client = as_persona("clinician_on_team")
        assert "End cycle early" not in client.get(f"/courses/{course.pk}/").text
        page = client.get(url(course))
        response = client.post(url(course), {"cycle": "2", "reason": "toxicity", "confirm": "1"})
    assert "Cycle 2 is the course&#x27;s last" in page.text
    assert response.status_code == 200
    assert "Cycle 2 is the course&#x27;s last" in response.text
    assert cancelled(course) == 0


# Discharge between cycles ---------------------------------------------------------------


def test_a_discharge_between_cycles_keeps_cycle_2(as_persona, personas, course):
    for dose in course.doses.filter(cycle=1):
        record_given(dose, personas.nurse_on_team)
    with time_machine.travel(BETWEEN_CYCLES, tick=False):
        response = as_persona("clinician_on_team").post(
            url(course, "discharge"),
            {"discharged_on": "2027-03-15", "note": "home", "kind": "between_cycles"},
            follow=True,
        )
    assert "Discharge after cycle 1 recorded; cycle 2 stays planned." in response.text
    assert "Discharged between cycles" in response.text
    assert "After cycle 1, Mon 15 Mar 2027: home" in response.text
    course.refresh_from_db()
    assert (course.status, course.discharged_on) == (Course.Status.OPEN, None)
    assert course.doses.filter(cycle=2, status=Dose.Status.SCHEDULED).count() == 14
    assert Discharge.objects.get().recorded_by == personas.clinician_on_team


def test_a_discharge_between_cycles_mid_cycle_is_refused_with_the_way_out(
    as_persona, personas, course
):
    with time_machine.travel(DURING, tick=False):
        for dose in course.doses.filter(dose_in_course__lte=3):
            record_given(dose, personas.nurse_on_team)
        response = as_persona("clinician_on_team").post(
            url(course, "discharge"), {"discharged_on": "2027-03-11", "kind": "between_cycles"}
        )
    assert response.status_code == 200
    assert "Cycle 1 still has 11 doses to come" in response.text
    assert "End the cycle early first" in response.text
    assert not Discharge.objects.exists()


@pytest.mark.parametrize("name", IN_SCOPE_NOT_EDITORS)
def test_the_nurse_and_the_patient_may_not_record_a_discharge_between_cycles(
    as_persona, course, name
):
    with time_machine.travel(BETWEEN_CYCLES, tick=False):
        response = as_persona(name).post(
            url(course, "discharge"), {"discharged_on": "2027-03-15", "kind": "between_cycles"}
        )
    assert response.status_code == 403
    assert not Discharge.objects.exists()

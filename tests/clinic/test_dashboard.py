"""The clinician's home page: doses due and overdue, alerts, thyroid checks, patients."""

import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory, make_course, record_given
from tracker.clinic.dashboards import most_urgent_doses
from tracker.clinic.shift import shift_lists
from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event
from tracker.thyroid.recording import record_result

# The default course: dose 1 at 13:00 UTC (08:00 EST) on 10 March 2027, every 8 h.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 18:00Z")]


@pytest.fixture(autouse=True)
def london_ward(settings):
    """Staff with no zone of their own read the clinic's clock: London here."""
    settings.CLINIC_TIME_ZONE = "Europe/London"


PATIENTS_TIME = '<small class="text-body-secondary">{} patient\'s time</small>'


def page(as_persona):
    return as_persona("clinician_on_team").get("/clinic/")


def test_it_lists_overdue_and_due_doses_of_my_patients_only(as_persona, personas, course):
    PatientFactory(care_team=[personas.clinician_off_team])
    response = page(as_persona)
    assert [d.dose_in_course for d in response.context["overdue"]] == [1]
    assert [d.dose_in_course for d in response.context["due"]] == [2, 3, 4]
    assert "Overdue by 5 h 00 min" in response.text
    assert "Cycle 1 · dose 2 of 14" in response.text


def test_each_patient_shows_the_current_course_and_next_dose(as_persona, personas, course):
    record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
    patient = page(as_persona).context["patients"][0]
    assert patient.current_course_id == course.pk
    assert patient.next_dose_id == course.doses.get(dose_in_course=2).pk
    assert "Wed 10 Mar, 21:00 GMT " + PATIENTS_TIME.format("16:00 EST") in page(as_persona).text


def test_due_doses_are_on_the_ward_clock_with_the_patients_time(as_persona, personas, course):
    london = PatientFactory(time_zone="Europe/London", care_team=[personas.clinician_on_team])
    make_course(london, start="2027-03-10 20:00")
    html = page(as_persona).text
    due = html.split('id="doses-heading"')[1].split('id="thyroid-heading"')[0]
    assert re.findall(r"<time [^>]*>(.*?)</time>", due) == [
        "Wed 10 Mar, 13:00 GMT " + PATIENTS_TIME.format("08:00 EST"),
        "Wed 10 Mar, 20:00 GMT",
        "Wed 10 Mar, 21:00 GMT " + PATIENTS_TIME.format("16:00 EST"),
        "Thu 11 Mar, 04:00 GMT",
        "Thu 11 Mar, 05:00 GMT " + PATIENTS_TIME.format("00:00 EST"),
        "Thu 11 Mar, 12:00 GMT",
        "Thu 11 Mar, 13:00 GMT " + PATIENTS_TIME.format("08:00 EST"),
    ]


def test_a_clinician_in_new_york_reads_the_page_on_her_own_clock(as_persona, personas, course):
    personas.clinician_on_team.time_zone = "America/New_York"
    personas.clinician_on_team.save()
    html = page(as_persona).text
    assert "Wed 10 Mar, 08:00 EST</time>" in html
    assert "patient's time" not in html


def test_a_patient_without_a_course_says_so(as_persona, personas):
    response = page(as_persona)
    assert response.context["patients"][0].current_course_id is None
    assert "None planned" in response.text


def test_overdue_thyroid_checks_are_listed(as_persona, personas, course):
    with time_machine.travel("2027-03-12 12:00Z", tick=False):
        response = page(as_persona)
    ((patient, due),) = response.context["thyroid_overdue"]
    assert patient == personas.patient
    assert due.why.startswith("Baseline")
    assert "TSH due" in response.text


def test_a_tsh_before_the_course_meets_the_baseline(as_persona, personas, course):
    record_result(
        personas.patient,
        by=personas.nurse_on_team,
        test="tsh",
        value=Decimal("2.0"),
        unit="mIU/L",
        collected_at=course.doses.get(dose_in_course=1).planned_at,
    )
    with time_machine.travel("2027-03-12 12:00Z", tick=False):
        assert page(as_persona).context["thyroid_overdue"] == []


def test_open_alerts_appear_on_the_home_page(as_persona, personas, course):
    record_event(
        personas.patient,
        CtcaeTerm.objects.get(version="5.0", term="Hypotension"),
        by=personas.nurse_on_team,
        grade=3,
        onset_at=course.doses.get(dose_in_course=1).planned_at,
        attribution="probable",
    )
    response = page(as_persona)
    assert response.context["open_alert_count"] == 1
    assert "Hypotension, grade 3" in response.text


def test_the_page_runs_the_same_queries_for_one_patient_or_four(as_persona, personas, course):
    client = as_persona("clinician_on_team")
    client.get("/clinic/")
    with CaptureQueriesContext(connection) as one:
        client.get("/clinic/")
    for _ in range(3):
        other = PatientFactory(care_team=[personas.clinician_on_team])
        make_course(other, slug="sc-5on2off", start="2027-03-10 09:00")
    with CaptureQueriesContext(connection) as four:
        response = client.get("/clinic/")
    assert len(response.context["patients"]) == 4
    assert len(four) == len(one)


@pytest.mark.parametrize(
    "name, status",
    [
        ("clinician_on_team", 200),
        ("clinician_off_team", 200),
        ("nurse_on_team", 403),
        ("admin", 403),
        ("the_patient", 403),
    ],
)
def test_the_page_is_for_clinicians(as_persona, personas, name, status):
    assert as_persona(name).get("/clinic/").status_code == status


def test_a_patient_barred_from_retreatment_is_marked_on_their_row(as_persona, personas, course):
    from regimens.courses import discontinue_course

    other = PatientFactory(care_team=[personas.clinician_on_team])
    discontinue_course(course, by=personas.clinician_on_team, code="seizures")
    response = page(as_persona)
    rows = {p.pk: p.retreatment_barred for p in response.context["patients"]}
    assert rows == {personas.patient.pk: True, other.pk: False}
    assert response.text.count("Retreatment contraindicated</span>") == 1
    assert '<span aria-hidden="true">⚠</span> Retreatment contraindicated' in response.text


def test_the_most_urgent_doses_are_the_shift_pages_first_few_with_its_counts(personas, now):
    for start in ("2027-03-10 08:00", "2027-03-10 13:00", "2027-03-10 20:00", "2027-03-11 02:00"):
        patient = PatientFactory(care_team=[personas.clinician_on_team])
        make_course(patient, start=start)
    clinician = personas.clinician_on_team
    overdue, due = (list(doses) for doses in shift_lists(clinician, now, 24))
    urgent = most_urgent_doses(clinician, now, 24, limit=5)
    assert (urgent["overdue_count"], urgent["due_count"]) == (len(overdue), len(due))
    assert overdue and len(overdue) + len(due) > 5
    assert urgent["overdue"] + urgent["due"] == (overdue + due)[:5]
    assert all(dose.overdue_now for dose in urgent["overdue"])

"""The printable course summary."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regimens.courses import discontinue_course
from tests.factories import NORMAL_OBSERVATIONS, record_given
from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event
from tracker.ward.recording import record_check, record_dose

# It is 07:00 EST on 11 March: doses 1–3 are past.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-11 12:00Z")]


def url(course):
    return f"/courses/{course.pk}/summary/"


def dose(course, number):
    return course.doses.get(dose_in_course=number)


@pytest.fixture
def recorded(personas, course):
    nurse = personas.nurse_on_team
    record_given(dose(course, 1), nurse)
    record_check(
        dose(course, 2), by=nurse, decision="hold", **dict(NORMAL_OBSERVATIONS, systolic_bp=85)
    )
    record_dose(dose(course, 3), by=nurse, outcome="not_given", not_given_reason="refused")
    for grade, term in ((2, "Chills"), (3, "Chills"), (1, "Nausea")):
        record_event(
            personas.patient,
            CtcaeTerm.objects.get(version="5.0", term=term),
            by=nurse,
            grade=grade,
            onset_at=dose(course, 1).planned_at,
            attribution="possible",
        )
    return course


def test_it_shows_given_held_and_not_given_doses_with_reasons(as_persona, recorded):
    response = as_persona("clinician_on_team").get(url(recorded))
    summary = response.context["summary"]
    assert (summary.counts.course.given, summary.counts.course.held) == (1, 1)
    assert summary.counts.course.not_given == 1
    assert "Systolic BP below 90 mmHg" in response.text
    assert "Patient refused" in response.text


def test_it_counts_the_vials_opened_for_the_doses_given(as_persona, recorded):
    # 600,000 IU/kg × 70 kg = 42 MIU a dose: three vials, each counted as 19.8 MIU
    # usable (docs/dosing.md), as two 22 MIU vials leave nothing for dead space.
    summary = as_persona("clinician_on_team").get(url(recorded)).context["summary"]
    assert summary.vials == 3


def test_side_effects_are_listed_by_worst_grade(as_persona, recorded):
    summary = as_persona("clinician_on_team").get(url(recorded)).context["summary"]
    assert [(s.term, s.worst, s.entries) for s in summary.side_effects] == [
        ("Chills", 3, 2),
        ("Nausea", 1, 1),
    ]


def test_the_patient_sees_their_summary_without_the_teams_notes(as_persona, recorded):
    response = as_persona("the_patient").get(url(recorded))
    assert response.status_code == 200
    assert "Systolic BP below 90 mmHg" in response.text
    assert "measured 85" not in response.text


@pytest.mark.parametrize(
    "name, status",
    [
        ("nurse_on_team", 200),
        ("clinician_on_team", 200),
        ("admin", 200),
        ("the_patient", 200),
        ("other_patient", 404),
        ("nurse_off_team", 404),
        ("clinician_off_team", 404),
    ],
)
def test_who_may_read_it(as_persona, course, name, status):
    assert as_persona(name).get(url(course)).status_code == status


def test_anonymous_visitors_go_to_sign_in(client, course):
    response = client.get(url(course))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_the_queries_do_not_grow_with_the_records(as_persona, personas, course):
    client = as_persona("clinician_on_team")
    record_given(dose(course, 1), personas.nurse_on_team)
    with CaptureQueriesContext(connection) as one:
        client.get(url(course))
    record_given(dose(course, 2), personas.nurse_on_team)
    record_given(dose(course, 3), personas.nurse_on_team)
    with CaptureQueriesContext(connection) as three:
        client.get(url(course))
    assert len(three) == len(one)


def test_a_discontinued_course_says_discontinued_once(as_persona, personas, recorded):
    discontinue_course(recorded, by=personas.clinician_on_team, code="intolerance")
    response = as_persona("clinician_on_team").get(url(recorded))
    assert "Discontinued: Toxicity: not tolerated" in response.text
    assert "Discontinued: Discontinued" not in response.text


def test_it_counts_a_partial_dose_apart_from_the_doses_given(as_persona, personas, recorded):
    record_given(
        dose(recorded, 4),
        personas.nurse_on_team,
        outcome="partial",
        amount_iu=recorded.dose_iu / 2,
        partial_reason="reaction",
    )
    response = as_persona("clinician_on_team").get(url(recorded))
    summary = response.context["summary"]
    assert (summary.counts.course.given, summary.counts.course.partial) == (1, 1)
    assert "1 partial dose" in response.text
    assert "<td>1</td><td>1</td><td>1</td><td>1</td>" in response.text
    assert "Infusion stopped for a reaction" in response.text

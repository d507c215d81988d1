"""The side-effect timeline: which grade each cell shows, and what it costs to build."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, record_given
from tracker.symptoms.models import CtcaeTerm, ProSymptom
from tracker.symptoms.reporting import record_event, report_symptom, review_report
from tracker.symptoms.timeline import (
    PRO,
    REVIEWED,
    STAFF,
    build_timeline,
    course_rows,
    course_timeline,
    patient_level,
)

NOW = "2027-03-16 12:00Z"
WHEN = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)


def dose_row(pk, number, status="given"):
    return {"pk": pk, "dose_in_course": number, "cycle": 1, "local_time": WHEN, "status": status}


def report_row(dose_id, *, reviewed=None, name="Chills", term="Chills", **answers):
    return {
        "dose_id": dose_id,
        "symptom__name": name,
        "symptom__slug": name.lower(),
        "symptom__order": 0,
        "symptom__ctcae_term": term,
        "frequency": None,
        "severity": None,
        "interference": None,
        "present": None,
        "reviewed_grade": reviewed,
        **answers,
    }


def event_row(dose_id, grade, term="Chills"):
    return {"dose_id": dose_id, "term__term": term, "grade": grade}


DOSES = [dose_row(1, 1), dose_row(2, 2), dose_row(3, 3)]


def cell(timeline, row=0, column=0):
    return timeline.rows[row].cells[column]


# Which grade a cell shows: pure, no database.


def test_a_staff_grade_beats_a_reviewed_grade_and_the_patients_answer():
    timeline = build_timeline(DOSES, [report_row(1, reviewed=3, severity=4)], [event_row(1, 2)])
    assert (cell(timeline).level, cell(timeline).source) == (2, STAFF)


def test_a_reviewed_grade_beats_the_patients_answer():
    timeline = build_timeline(DOSES, [report_row(1, reviewed=1, severity=4)], [])
    assert (cell(timeline).level, cell(timeline).source) == (1, REVIEWED)


def test_a_reviewed_grade_of_0_says_it_is_not_an_adverse_event():
    timeline = build_timeline(DOSES, [report_row(1, reviewed=0, frequency=3)], [])
    assert (cell(timeline).level, cell(timeline).source) == (0, REVIEWED)


def test_an_unreviewed_report_shows_the_patients_worst_answer_as_pro():
    timeline = build_timeline(DOSES, [report_row(1, frequency=1, severity=3)], [])
    assert (cell(timeline).level, cell(timeline).source) == (3, PRO)


def test_a_cell_shows_the_highest_grade_of_its_source():
    events = [event_row(2, 1), event_row(2, 3), event_row(2, 2)]
    timeline = build_timeline(DOSES, [], events)
    assert cell(timeline, column=1).level == 3
    assert cell(timeline, column=0) is None and cell(timeline, column=2) is None


def test_each_dose_has_its_own_cell():
    timeline = build_timeline(
        DOSES,
        [report_row(1, severity=2), report_row(3, reviewed=2, severity=1)],
        [event_row(2, 1)],
    )
    assert [(c.level, c.source) for c in timeline.rows[0].cells] == [
        (2, PRO),
        (1, STAFF),
        (2, REVIEWED),
    ]


def test_a_symptom_and_its_ctcae_term_share_a_row():
    reports = [report_row(1, name="Flushing or hot flashes", term="Flushing", severity=1)]
    events = [event_row(2, 2, term="Flushing"), event_row(1, 1, term="Fever")]
    timeline = build_timeline(DOSES, reports, events)
    assert [row.label for row in timeline.rows] == ["Flushing or hot flashes (Flushing)", "Fever"]
    assert [c and c.source for c in timeline.rows[0].cells] == [PRO, STAFF, None]


def test_doses_are_columns_in_course_order_and_a_cancelled_dose_is_left_out():
    doses = [dose_row(3, 3), dose_row(1, 1), dose_row(2, 2, status="cancelled")]
    timeline = build_timeline(doses, [report_row(1, severity=1)], [])
    assert [column.number for column in timeline.columns] == [1, 3]


def test_a_cancelled_dose_with_an_entry_keeps_its_column():
    doses = [dose_row(1, 1), dose_row(2, 2, status="cancelled")]
    timeline = build_timeline(doses, [], [event_row(2, 1)])
    assert [column.number for column in timeline.columns] == [1, 2]


def test_yes_to_a_presence_item_counts_1_and_no_counts_0():
    assert patient_level(report_row(1, present=True)) == 1
    assert patient_level(report_row(1, present=False)) == 0
    assert patient_level(report_row(1, severity=2, interference=4)) == 4


def test_nothing_reported_is_an_empty_timeline():
    assert build_timeline(DOSES, [], []).is_empty


# From the database: the rows and their cost.


def give_and_report(personas, course, numbers):
    """Give each dose and report chills an hour after it; grade every other one."""
    chills = ProSymptom.objects.get(slug="chills")
    term = CtcaeTerm.objects.get(term="Chills", version="5.0")
    for number in numbers:
        dose = course.doses.get(dose_in_course=number)
        record_given(dose, personas.nurse_on_team)
        onset = dose.planned_at.replace(minute=30)
        report = report_symptom(
            personas.patient,
            chills,
            by=personas.the_patient,
            answers={"frequency": 2, "severity": 2},
            onset_at=onset,
        )
        if number % 2:
            record_event(
                personas.patient,
                term,
                by=personas.nurse_on_team,
                grade=1,
                onset_at=onset,
                attribution="probable",
            )
        else:
            review_report(report, by=personas.clinician_on_team, grade=2)


@pytest.mark.now(NOW)
def test_the_rows_come_from_three_queries_with_3_or_10_doses(db, personas, course):
    give_and_report(personas, course, range(1, 4))
    with CaptureQueriesContext(connection) as three:
        timeline = build_timeline(*course_rows(personas.patient, course))
    assert len(timeline.rows[0].cells) == 28
    assert sum(1 for c in timeline.rows[0].cells if c) == 3

    give_and_report(personas, course, range(4, 11))
    with CaptureQueriesContext(connection) as ten:
        timeline = build_timeline(*course_rows(personas.patient, course))
    assert sum(1 for c in timeline.rows[0].cells if c) == 10
    assert len(three) == len(ten) == 3


@pytest.mark.now(NOW)
def test_the_course_timeline_shows_staff_grades_and_reviews_per_dose(db, personas, course):
    give_and_report(personas, course, [1, 2])
    (row,) = course_timeline(personas.patient, course).rows
    assert row.label == "Chills"
    assert [(c.level, c.source) for c in row.cells[:3] if c] == [(1, STAFF), (2, REVIEWED)]


@pytest.mark.now(NOW)
def test_column_times_are_on_the_patients_clock(db, personas, course):
    doses, _, _ = course_rows(personas.patient, course)
    first = next(d for d in doses if d["dose_in_course"] == 1)
    assert first["local_time"].strftime("%d %H:%M %Z") == "10 08:00 EST"


@pytest.mark.now(NOW)
def test_another_course_and_entered_in_error_entries_are_not_counted(db, personas, course):
    give_and_report(personas, course, [1])
    from tracker.symptoms.models import AdverseEvent

    AdverseEvent.objects.update(state="entered_in_error", error_reason="wrong patient")
    other = make_course(personas.patient, slug="sc-5on2off", start="2027-06-01 09:00")
    assert course_timeline(personas.patient, other).is_empty
    (row,) = course_timeline(personas.patient, course).rows
    assert (row.cells[0].level, row.cells[0].source) == (2, PRO)

"""Side effects entered in error: staff entries marked, patient reports withdrawn, never deleted.

What is marked stays in the database with its reason and a history row, and leaves
the timeline's cells and the dose's side-by-side rows; the alerts it raised stay.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, record_given
from tracker.alerts.models import Alert
from tracker.clinic.side_by_side import rows_for_dose
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import (
    EntryRefused,
    mark_event_in_error,
    record_event,
    report_symptom,
    withdraw_report,
)
from tracker.symptoms.timeline import course_timeline

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-12 12:00Z")]

ERROR = SymptomReport.State.ENTERED_IN_ERROR


@pytest.fixture
def dose(personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    return dose


def grade(personas, dose, name="Chills", grade=3):
    return record_event(
        personas.patient,
        CtcaeTerm.objects.get(term=name, version="5.0"),
        by=personas.nurse_on_team,
        grade=grade,
        onset_at=dose.planned_at + timedelta(minutes=30),
        attribution="probable",
        dose=dose,
    )


def report(personas, dose, slug="chills", **answers):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug=slug),
        by=personas.the_patient,
        answers=answers or {"frequency": 3, "severity": 3},
        onset_at=dose.planned_at + timedelta(minutes=30),
    )


# Marking a staff entry entered in error.


def test_a_staff_entry_is_kept_marked_with_its_reason_and_a_history_row(personas, dose):
    event = grade(personas, dose)
    marked = mark_event_in_error(
        event, by=personas.clinician_on_team, reason="  Graded on the wrong patient "
    )
    assert marked.state == event.state == ERROR
    stored = AdverseEvent.objects.get()
    assert (stored.state, stored.error_reason) == (ERROR, "Graded on the wrong patient")
    assert stored.grade == 3  # what was graded is kept as it was
    latest = stored.history.first()
    assert latest.history_user == personas.clinician_on_team
    assert latest.history_change_reason == "Entered in error: Graded on the wrong patient"
    assert stored.history.count() == 2


def test_a_staff_entry_is_marked_once(personas, dose):
    event = grade(personas, dose)
    mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
    again = AdverseEvent.objects.get()  # as a second nurse would have read it
    with pytest.raises(EntryRefused) as refusal:
        mark_event_in_error(again, by=personas.clinician_on_team, reason="wrong term")
    assert refusal.value.message == "This entry is already marked entered in error."
    stored = AdverseEvent.objects.get()
    assert stored.error_reason == "wrong patient"
    assert stored.history.count() == 2


def test_a_stale_copy_is_refused_too_because_the_row_is_read_again(personas, dose):
    event = grade(personas, dose)
    stale = AdverseEvent.objects.get()
    mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
    assert stale.state == SymptomReport.State.ACTIVE
    with pytest.raises(EntryRefused, match="already marked"):
        mark_event_in_error(stale, by=personas.clinician_on_team, reason="wrong term")
    assert AdverseEvent.objects.get().error_reason == "wrong patient"


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Say why it is wrong."),
        ("   ", "Say why it is wrong."),
        ("x" * 201, "Keep the reason to 200 characters or fewer."),
    ],
)
def test_a_blank_or_over_long_reason_is_refused_and_nothing_written(
    personas, dose, reason, message
):
    event = grade(personas, dose)
    with pytest.raises(EntryRefused) as refusal:
        mark_event_in_error(event, by=personas.nurse_on_team, reason=reason)
    assert refusal.value.message == message
    stored = AdverseEvent.objects.get()
    assert (stored.state, stored.error_reason) == (SymptomReport.State.ACTIVE, "")
    assert stored.history.count() == 1


def test_a_reason_of_200_characters_is_kept_whole(personas, dose):
    event = grade(personas, dose)
    mark_event_in_error(event, by=personas.nurse_on_team, reason="x" * 200)
    assert AdverseEvent.objects.get().error_reason == "x" * 200


def test_marking_locks_the_row_first(personas, dose):
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite admits one writer at a time and has no row locks.")
    event = grade(personas, dose)
    with CaptureQueriesContext(connection) as queries:
        mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert "FOR UPDATE" in reads[0]


# The patient withdrawing a report.


def test_a_withdrawn_report_is_kept_with_its_reason_and_a_history_row(personas, dose):
    mistaken = report(personas, dose)
    withdraw_report(mistaken, by=personas.the_patient, reason=" I tapped the wrong symptom ")
    assert mistaken.state == ERROR
    stored = SymptomReport.objects.get()
    assert (stored.state, stored.error_reason) == (ERROR, "I tapped the wrong symptom")
    assert (stored.frequency, stored.severity) == (3, 3)
    latest = stored.history.first()
    assert latest.history_user == personas.the_patient
    assert latest.history_change_reason == (
        "Withdrawn by the patient, entered in error: I tapped the wrong symptom"
    )


def test_a_report_is_withdrawn_once(personas, dose):
    mistaken = report(personas, dose)
    withdraw_report(mistaken, by=personas.the_patient, reason="reported twice")
    with pytest.raises(EntryRefused) as refusal:
        withdraw_report(mistaken, by=personas.the_patient, reason="again")
    assert refusal.value.message == "This report is already withdrawn."
    stored = SymptomReport.objects.get()
    assert stored.error_reason == "reported twice"
    assert stored.history.count() == 2


@pytest.mark.parametrize("reason", ["", " \n "])
def test_a_report_is_not_withdrawn_without_a_reason(personas, dose, reason):
    mistaken = report(personas, dose)
    with pytest.raises(EntryRefused, match="Say why"):
        withdraw_report(mistaken, by=personas.the_patient, reason=reason)
    stored = SymptomReport.objects.get()
    assert stored.state == SymptomReport.State.ACTIVE
    assert stored.history.count() == 1


# What drops out, and what stays.


def test_the_alerts_they_raised_stay_open(personas, dose):
    event, mistaken = grade(personas, dose, grade=3), report(personas, dose)
    assert Alert.objects.open().count() == 2
    mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
    withdraw_report(mistaken, by=personas.the_patient, reason="reported twice")
    assert Alert.objects.open().count() == 2
    assert set(Alert.objects.values_list("adverse_event", flat=True)) == {event.pk, None}
    assert set(Alert.objects.values_list("symptom_report", flat=True)) == {mistaken.pk, None}


def test_the_timeline_cells_leave_out_what_was_marked(personas, dose):
    event = grade(personas, dose, grade=3)
    mistaken = report(personas, dose, frequency=2, severity=1)
    (row,) = course_timeline(personas.patient, dose.course).rows
    assert (row.cells[0].level, row.cells[0].source) == (3, "staff")

    mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
    (row,) = course_timeline(personas.patient, dose.course).rows
    assert (row.cells[0].level, row.cells[0].source) == (2, "pro")

    withdraw_report(mistaken, by=personas.the_patient, reason="reported twice")
    assert course_timeline(personas.patient, dose.course).is_empty


def test_the_side_by_side_rows_leave_out_what_was_marked(personas, dose):
    event = grade(personas, dose, "Fever", 1)
    kept = grade(personas, dose, "Chills", 2)
    mistaken = report(personas, dose)
    assert {row.label for row in rows_for_dose(dose)} == {"Chills", "Fever"}

    mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
    withdraw_report(mistaken, by=personas.the_patient, reason="reported twice")
    (row,) = rows_for_dose(dose)
    assert (row.label, row.reports, row.events) == ("Chills", [], [kept])

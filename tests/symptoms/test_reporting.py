"""Saving a patient's report: the dose it links to, the answers it keeps, its history."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import PatientFactory, make_course, record_given
from tracker.symptoms.models import Attribute, ProSymptom, SymptomReport
from tracker.symptoms.reporting import (
    EntryRefused,
    change_report,
    clean_answers,
    dose_given_before,
    report_symptom,
)
from tracker.ward.recording import mark_entered_in_error, record_dose

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-11 12:00Z")]

# The default course: dose 1 at 13:00 UTC on 10 March 2027 (08:00 EST), then every 8 hours.
DOSE_1 = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def nurse(personas):
    return personas.nurse_on_team


def dose(course, number):
    return course.doses.get(dose_in_course=number)


def symptom(slug):
    return ProSymptom.objects.get(slug=slug)


# The dose a report links to: the one given most recently before it started.


def test_the_dose_given_most_recently_before_the_onset_links(personas, course, nurse):
    first, second = dose(course, 1), dose(course, 2)
    record_given(first, nurse)
    record_given(second, nurse)
    onset = second.planned_at + timedelta(hours=1)
    assert dose_given_before(personas.patient, onset) == second


def test_a_held_dose_is_skipped(personas, course, nurse):
    first, second = dose(course, 1), dose(course, 2)
    record_given(first, nurse)
    record_dose(second, by=nurse, outcome="held", hold_reason="hypotension", now=second.planned_at)
    assert dose_given_before(personas.patient, second.planned_at + timedelta(hours=1)) == first


def test_a_dose_not_given_is_skipped(personas, course, nurse):
    first, second = dose(course, 1), dose(course, 2)
    record_given(first, nurse)
    record_dose(
        second, by=nurse, outcome="not_given", not_given_reason="refused", now=second.planned_at
    )
    assert dose_given_before(personas.patient, second.planned_at + timedelta(hours=1)) == first


def test_a_record_entered_in_error_is_skipped(personas, course, nurse):
    first, second = dose(course, 1), dose(course, 2)
    record_given(first, nurse)
    wrong = record_given(second, nurse)
    mark_entered_in_error(wrong, by=nurse, reason="Wrong patient's chart", now=second.planned_at)
    assert dose_given_before(personas.patient, second.planned_at + timedelta(hours=1)) == first


def test_a_dose_given_after_the_onset_is_not_used(personas, course, nurse):
    first, second = dose(course, 1), dose(course, 2)
    record_given(first, nurse)
    record_given(second, nurse)
    assert dose_given_before(personas.patient, second.planned_at - timedelta(minutes=1)) == first


def test_a_dose_given_late_links_by_its_given_time_not_its_planned_time(personas, course, nurse):
    first = dose(course, 1)
    record_given(first, nurse, given_at=DOSE_1 + timedelta(hours=2))
    assert dose_given_before(personas.patient, DOSE_1 + timedelta(hours=1)) is None
    assert dose_given_before(personas.patient, DOSE_1 + timedelta(hours=2)) == first


def test_an_onset_exactly_at_the_given_time_links(personas, course, nurse):
    first = dose(course, 1)
    record_given(first, nurse)
    assert dose_given_before(personas.patient, DOSE_1) == first


def test_another_patients_dose_never_links(personas, course, nurse):
    other = PatientFactory(care_team=[nurse])
    other_dose = dose(make_course(other, by=personas.clinician_on_team), 1)
    record_given(other_dose, nurse)
    assert dose_given_before(personas.patient, DOSE_1 + timedelta(hours=1)) is None
    assert dose_given_before(other, DOSE_1 + timedelta(hours=1)) == other_dose


def test_no_given_dose_links_nothing(personas, course):
    assert dose_given_before(personas.patient, DOSE_1 + timedelta(hours=1)) is None


# The answers kept.


def test_every_attribute_the_item_asks_is_required():
    swelling = symptom("swelling")
    with pytest.raises(EntryRefused) as refusal:
        clean_answers(swelling, {"frequency": 2, "severity": 1})
    assert refusal.value.message == (
        "Answer: How much did swelling in your arms or legs interfere "
        "with your usual or daily activities?"
    )


def test_all_answers_are_kept_in_their_attributes():
    answers = {"frequency": 2, "severity": 1, "interference": 0}
    assert clean_answers(symptom("swelling"), answers) == answers


def test_attributes_the_item_does_not_ask_are_dropped():
    assert clean_answers(symptom("diarrhoea"), {"frequency": 3, "severity": 4}) == {"frequency": 3}


@pytest.mark.parametrize("value", [-1, 5, "2", None, 2.5])
def test_answers_outside_0_to_4_are_refused(value):
    with pytest.raises(EntryRefused):
        clean_answers(symptom("nausea"), {"frequency": 2, "severity": value})


def test_frequency_never_scores_the_other_attributes_0():
    assert clean_answers(symptom("swelling"), {"frequency": 0}) == {
        "frequency": 0,
        "severity": 0,
        "interference": 0,
    }


def test_frequency_never_overrides_other_answers_given():
    answers = {"frequency": 0, "severity": 3, "interference": 4}
    assert clean_answers(symptom("swelling"), answers) == {
        "frequency": 0,
        "severity": 0,
        "interference": 0,
    }


@pytest.mark.parametrize("present", [True, False])
def test_a_presence_item_keeps_yes_or_no(present):
    assert clean_answers(symptom("rash"), {"presence": present}) == {"present": present}


@pytest.mark.parametrize("value", [None, "yes", "no"])
def test_a_presence_item_needs_yes_or_no(value):
    with pytest.raises(EntryRefused):
        clean_answers(symptom("rash"), {"presence": value})


# Saving and changing a report.


def test_a_report_is_saved_with_its_dose_and_a_history_row_with_the_user(personas, course, nurse):
    record_given(dose(course, 1), nurse)
    report = report_symptom(
        personas.patient,
        symptom("nausea"),
        by=personas.the_patient,
        answers={"frequency": 2, "severity": 1},
        note="  after breakfast ",
    )
    report.refresh_from_db()
    assert (report.frequency, report.severity, report.interference) == (2, 1, None)
    assert report.onset_at == datetime(2027, 3, 11, 12, 0, tzinfo=UTC)
    assert report.dose == dose(course, 1)
    assert report.linked_automatically is True
    assert report.note == "after breakfast"
    assert report.reported_by == personas.the_patient
    history = report.history.get()
    assert history.history_user == personas.the_patient
    assert history.history_change_reason == "Reported"


def test_an_onset_in_the_future_is_refused(personas):
    with pytest.raises(EntryRefused, match="in the future"):
        report_symptom(
            personas.patient,
            symptom("rash"),
            by=personas.the_patient,
            answers={"presence": True},
            onset_at=datetime(2027, 3, 11, 12, 6, tzinfo=UTC),
        )
    assert SymptomReport.objects.count() == 0


def test_a_refused_answer_writes_nothing(personas):
    with pytest.raises(EntryRefused):
        report_symptom(
            personas.patient, symptom("nausea"), by=personas.the_patient, answers={"frequency": 2}
        )
    assert SymptomReport.objects.count() == 0


@pytest.fixture
def report(personas, course, nurse):
    """Nausea that started after dose 2, which was given; dose 1 was given too."""
    record_given(dose(course, 1), nurse)
    record_given(dose(course, 2), nurse)
    return report_symptom(
        personas.patient,
        symptom("nausea"),
        by=personas.the_patient,
        answers={"frequency": 2, "severity": 1},
        onset_at=dose(course, 2).planned_at + timedelta(hours=1),
    )


def test_changing_the_onset_links_again_by_the_rule(personas, course, report):
    assert report.dose == dose(course, 2)
    change_report(
        report, by=personas.the_patient, onset_at=DOSE_1 + timedelta(hours=1), note="earlier"
    )
    report.refresh_from_db()
    assert report.dose == dose(course, 1)
    assert report.linked_automatically is True
    assert report.note == "earlier"


def test_a_report_can_be_unlinked(personas, report):
    change_report(report, by=personas.the_patient, onset_at=report.onset_at, note="", dose=None)
    report.refresh_from_db()
    assert report.dose is None
    assert report.linked_automatically is False


def test_a_report_can_be_linked_to_a_chosen_dose(personas, course, report):
    change_report(
        report, by=personas.the_patient, onset_at=report.onset_at, note="", dose=dose(course, 1)
    )
    report.refresh_from_db()
    assert report.dose == dose(course, 1)
    assert report.linked_automatically is False


def test_a_change_keeps_the_earlier_values_in_history(personas, course, report):
    change_report(report, by=personas.the_patient, onset_at=DOSE_1, note="new note", dose=None)
    latest, earlier = report.history.order_by("-history_id")[:2]
    assert latest.history_change_reason == "Changed by the patient"
    assert latest.history_user == personas.the_patient
    assert (latest.dose_id, latest.onset_at, latest.note) == (None, DOSE_1, "new note")
    assert (earlier.dose_id, earlier.note) == (dose(course, 2).pk, "")
    assert earlier.onset_at == dose(course, 2).planned_at + timedelta(hours=1)


def test_a_change_to_a_future_onset_is_refused(personas, report):
    before = report.onset_at
    with pytest.raises(EntryRefused):
        change_report(
            report,
            by=personas.the_patient,
            onset_at=datetime(2027, 3, 12, tzinfo=UTC),
            note="",
        )
    report.refresh_from_db()
    assert report.onset_at == before
    assert report.history.count() == 1


def test_a_presence_report_reads_back_its_answer(personas):
    report = report_symptom(
        personas.patient, symptom("rash"), by=personas.the_patient, answers={"presence": True}
    )
    assert report.answers() == [(Attribute.PRESENCE, 1, "Yes")]


@pytest.mark.parametrize("value", [True, 1.0, "2"])
def test_scale_answers_must_be_whole_numbers(value):
    with pytest.raises(EntryRefused):
        clean_answers(symptom("nausea"), {"frequency": value, "severity": 1})


def test_presence_answers_must_be_yes_or_no():
    with pytest.raises(EntryRefused):
        clean_answers(symptom("rash"), {"presence": 1})


def test_a_report_cannot_be_linked_to_another_patients_dose(personas, course):
    report = report_symptom(
        personas.patient,
        symptom("nausea"),
        by=personas.the_patient,
        answers={"frequency": 1, "severity": 1},
    )
    other = make_course(PatientFactory(), by=personas.clinician_on_team)
    with pytest.raises(EntryRefused):
        change_report(
            report,
            by=personas.the_patient,
            onset_at=report.onset_at,
            note="",
            dose=other.doses.first(),
        )
    report.refresh_from_db()
    assert report.dose is None

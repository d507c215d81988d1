"""Ending a cycle early while keeping the next, hepatic failure, and discharge between cycles."""

from datetime import date

import pytest
import time_machine

from regimens.courses import (
    CourseRefused,
    discontinue_course,
    end_cycle,
    record_discharge,
    record_discharge_between_cycles,
)
from regimens.models import Course, CycleEnd, Discharge, Dose
from tests.factories import PatientFactory, make_course, make_user, record_given
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db

# The label course: 2 cycles of 14 doses, every 8 h from 13:00 UTC on 10 March 2027
# (doses 1-14, to 14 March), then cycle 2 from day 15 (24 March).
AFTER_DOSE_3 = "2027-03-11 06:00Z"
BETWEEN_CYCLES = "2027-03-16 12:00Z"
IN_CYCLE_2 = "2027-03-25 12:00Z"


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN)


@pytest.fixture
def nurse():
    return make_user(Role.NURSE)


@pytest.fixture
def course(clinician):
    return make_course(PatientFactory(), by=clinician)


def statuses(course, cycle):
    return list(course.doses.filter(cycle=cycle).values_list("status", flat=True))


def record_cycle_1(course, nurse):
    for dose in course.doses.filter(cycle=1, status=Dose.Status.SCHEDULED):
        record_given(dose, nurse)


# Ending a cycle early -------------------------------------------------------------------


def test_ending_a_cycle_early_cancels_its_doses_to_come_and_keeps_the_next(
    course, clinician, nurse
):
    record_given(course.doses.get(dose_in_course=1), nurse)
    with time_machine.travel(AFTER_DOSE_3, tick=False):
        ended = end_cycle(course, 1, by=clinician, reason="toxicity", note="Grade 3 diarrhoea")
    cycle_1 = statuses(course, 1)
    assert cycle_1[0] == Dose.Status.GIVEN
    # Doses 2 and 3 are past with no record: they wait for a nurse.
    assert cycle_1[1:3] == [Dose.Status.SCHEDULED] * 2
    assert cycle_1[3:] == [Dose.Status.CANCELLED] * 11
    assert statuses(course, 2) == [Dose.Status.SCHEDULED] * 14
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert (ended.cycle, ended.doses_cancelled, ended.ended_by) == (1, 11, clinician)
    dose_4 = course.doses.get(dose_in_course=4)
    latest = dose_4.history.first()
    assert latest.history_change_reason == "Cycle 1 ended early: Toxicity. Grade 3 diarrhoea"
    assert latest.history_user == clinician
    assert ended.history.get().history_user == clinician


def test_a_cycle_ended_early_counts_as_ended(course, clinician, nurse):
    with time_machine.travel(AFTER_DOSE_3, tick=False):
        end_cycle(course, 1, by=clinician, reason="condition")
    for dose in course.doses.filter(cycle=1, status=Dose.Status.SCHEDULED):
        record_given(dose, nurse)
    counts = course.counts()
    assert counts.cycles[0].end_reason == "every dose recorded or cancelled"
    assert counts.cycles[1].remaining == 14


def test_the_last_cycle_cannot_be_ended_early(course, clinician):
    with time_machine.travel(IN_CYCLE_2, tick=False), pytest.raises(CourseRefused) as error:
        end_cycle(course, 2, by=clinician, reason="toxicity")
    assert "Cycle 2 is the course's last" in error.value.message
    assert "discontinue the course instead, or record the discharge" in error.value.message
    assert Dose.Status.CANCELLED not in statuses(course, 2)


def test_a_cycle_with_no_dose_to_come_cannot_be_ended(course, clinician):
    with time_machine.travel(AFTER_DOSE_3, tick=False):
        end_cycle(course, 1, by=clinician, reason="toxicity")
        with pytest.raises(CourseRefused) as error:
            end_cycle(course, 1, by=clinician, reason="toxicity")
    assert error.value.message == "Cycle 1 has no dose still to come."
    assert CycleEnd.objects.count() == 1


def test_a_cycle_of_a_stopped_course_cannot_be_ended(course, clinician):
    with time_machine.travel(AFTER_DOSE_3, tick=False):
        discontinue_course(course, by=clinician, code="progression")
        with pytest.raises(CourseRefused) as error:
            end_cycle(course, 1, by=clinician, reason="toxicity")
    assert "This course is discontinued" in error.value.message
    assert not CycleEnd.objects.exists()


def test_a_cycle_the_course_does_not_have_is_refused(course, clinician):
    with time_machine.travel(AFTER_DOSE_3, tick=False), pytest.raises(CourseRefused) as error:
        end_cycle(course, 3, by=clinician, reason="toxicity")
    assert error.value.message == "This course has no cycle 3."


@pytest.mark.parametrize(
    "reason, note, message",
    [
        ("", "", "Choose a reason from the list."),
        ("hepatic", "", "Choose a reason from the list."),
        ("other", "  ", "Say why the cycle ends early."),
    ],
)
def test_ending_a_cycle_needs_a_coded_reason(course, clinician, reason, note, message):
    with time_machine.travel(AFTER_DOSE_3, tick=False), pytest.raises(CourseRefused) as error:
        end_cycle(course, 1, by=clinician, reason=reason, note=note)
    assert error.value.message == message
    assert Dose.Status.CANCELLED not in statuses(course, 1)


def test_for_another_reason_the_note_is_the_reason(course, clinician):
    with time_machine.travel(AFTER_DOSE_3, tick=False):
        ended = end_cycle(course, 1, by=clinician, reason="other", note="Bed needed for ICU")
    assert ended.reason_text == "Bed needed for ICU"
    assert str(ended) == "Cycle 1 ended early: Bed needed for ICU"


# Hepatic failure stops the course, not a dose --------------------------------------------


def test_hepatic_failure_cancels_every_remaining_dose_of_the_course(course, clinician, nurse):
    record_given(course.doses.get(dose_in_course=1), nurse)
    with time_machine.travel(AFTER_DOSE_3, tick=False):
        discontinue_course(course, by=clinician, code="hepatic", note="Rising bilirubin")
    course.refresh_from_db()
    assert course.status == Course.Status.DISCONTINUED
    assert course.status_reason.startswith(
        "Discontinued: Signs of hepatic failure: no further doses this course"
    )
    assert statuses(course, 1)[3:] == [Dose.Status.CANCELLED] * 11
    assert statuses(course, 2) == [Dose.Status.CANCELLED] * 14
    # The label stops the course, not aldesleukin for good.
    assert not course.patient.retreatment_flags.exists()


# Discharge between cycles ---------------------------------------------------------------


def test_a_discharge_between_cycles_keeps_the_next_cycle(course, clinician, nurse):
    record_cycle_1(course, nurse)
    with time_machine.travel(BETWEEN_CYCLES, tick=False):
        discharge = record_discharge_between_cycles(
            course, by=clinician, on=date(2027, 3, 15), note="Home with family"
        )
    assert (discharge.after_cycle, discharge.on, discharge.note) == (
        1,
        date(2027, 3, 15),
        "Home with family",
    )
    assert discharge.history.get().history_change_reason == (
        "Discharged after cycle 1 on 15 Mar 2027. Home with family"
    )
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert course.discharged_on is None
    assert statuses(course, 2) == [Dose.Status.SCHEDULED] * 14


def test_the_discharge_after_the_last_cycle_still_completes_the_course(course, clinician, nurse):
    record_cycle_1(course, nurse)
    with time_machine.travel(BETWEEN_CYCLES, tick=False):
        record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 15))
    for dose in course.doses.filter(cycle=2):
        record_given(dose, nurse)
    with time_machine.travel("2027-03-30 12:00Z", tick=False):
        record_discharge(course, by=clinician, on=date(2027, 3, 29))
    course.refresh_from_db()
    assert (course.status, course.discharged_on) == (Course.Status.COMPLETED, date(2027, 3, 29))
    assert course.earliest_next_course() == date(2027, 5, 17)


def test_a_discharge_between_cycles_is_refused_while_the_cycle_has_doses_to_come(
    course, clinician, nurse
):
    record_given(course.doses.get(dose_in_course=1), nurse)
    with time_machine.travel("2027-03-10 14:00Z", tick=False):
        with pytest.raises(CourseRefused) as error:
            record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 10))
        assert "Cycle 1 still has 13 doses to come" in error.value.message
        assert "End the cycle early first" in error.value.message
        # Once the cycle is ended early, the patient can go home until cycle 2.
        end_cycle(course, 1, by=clinician, reason="toxicity", note="Grade 3 creatinine")
        discharge = record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 10))
    assert discharge.after_cycle == 1
    assert statuses(course, 2) == [Dose.Status.SCHEDULED] * 14


def test_a_discharge_between_cycles_is_refused_in_the_last_cycle(course, clinician, nurse):
    record_cycle_1(course, nurse)
    for dose in course.doses.filter(cycle=2):
        record_given(dose, nurse)
    with time_machine.travel("2027-03-30 12:00Z", tick=False), pytest.raises(CourseRefused) as e:
        record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 29))
    assert "No cycle is planned after cycle 2" in e.value.message
    assert not Discharge.objects.exists()


def test_a_discharge_between_cycles_is_refused_while_past_doses_have_no_record(course, clinician):
    with time_machine.travel(BETWEEN_CYCLES, tick=False), pytest.raises(CourseRefused) as error:
        record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 15))
    assert error.value.message.startswith("Record doses 1, 2, 3")
    assert not Discharge.objects.exists()


def test_a_discharge_between_cycles_is_recorded_once(course, clinician, nurse):
    record_cycle_1(course, nurse)
    with time_machine.travel(BETWEEN_CYCLES, tick=False):
        record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 15))
        with pytest.raises(CourseRefused) as error:
            record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 16))
    assert error.value.message == "The discharge after cycle 1 is already recorded: 15 Mar 2027."


def test_a_discharge_between_cycles_does_not_start_the_retreatment_gap(course, clinician, nurse):
    record_cycle_1(course, nurse)
    with time_machine.travel(BETWEEN_CYCLES, tick=False):
        record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 15))
        with pytest.raises(CourseRefused) as error:
            make_course(course.patient, by=clinician, start="2027-06-01 08:00")
    assert "has no discharge date" in error.value.message

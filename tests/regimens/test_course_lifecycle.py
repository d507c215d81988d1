from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from regimens.courses import (
    CourseRefused,
    cancel_course,
    discontinue_course,
    move_start,
    record_discharge,
    start_course,
)
from regimens.models import Course, Dose, RegimenTemplate
from tests.factories import PatientFactory, make_course, make_user, record_given
from tracker.accounts.roles import Role
from tracker.ward.recording import record_dose

pytestmark = pytest.mark.django_db

# The default course starts 2027-03-10 08:00 in New York (13:00 UTC), every 8 h:
# dose 1 at 13:00 UTC, dose 2 at 21:00 UTC, dose 3 at 05:00 UTC on 11 March.
START = date(2027, 3, 10)
BEFORE_START = "2027-03-10 12:00Z"
AFTER_DOSE_3 = "2027-03-11 06:00Z"  # 01:00 on 11 March in New York


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN)


@pytest.fixture
def nurse():
    return make_user(Role.NURSE)


@pytest.fixture
def patient():
    return PatientFactory()


@pytest.fixture
def course(patient, clinician):
    return make_course(patient, by=clinician)


def dose_number(course, number):
    return course.doses.get(dose_in_course=number)


def statuses(course):
    return dict(course.doses.values_list("dose_in_course", "status"))


def discharged_course(patient, clinician, on=START):
    """A label course discharged on `on`, before any dose fell due."""
    course = make_course(patient, by=clinician, start=f"{on} 08:00")
    with time_machine.travel(datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=12)):
        record_discharge(course, by=clinician, on=on)
    return course


# Cancel ---------------------------------------------------------------------------------


def test_a_course_with_a_recorded_dose_cannot_be_cancelled(course, clinician, nurse):
    record_given(dose_number(course, 1), nurse)
    with time_machine.travel(AFTER_DOSE_3), pytest.raises(CourseRefused) as error:
        cancel_course(course, by=clinician, reason="mistake")
    assert "cannot be cancelled" in error.value.message
    assert "Discontinue it instead" in error.value.message
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert Dose.Status.CANCELLED not in statuses(course).values()


# Discontinue ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["", "bored"])
def test_discontinuing_needs_a_known_code(course, clinician, code):
    with time_machine.travel(BEFORE_START), pytest.raises(CourseRefused):
        discontinue_course(course, by=clinician, code=code)
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert set(statuses(course).values()) == {Dose.Status.SCHEDULED}


@pytest.mark.parametrize("note", ["", "   "])
def test_discontinuing_for_another_reason_needs_a_note(course, clinician, note):
    with time_machine.travel(BEFORE_START), pytest.raises(CourseRefused) as error:
        discontinue_course(course, by=clinician, code="other", note=note)
    assert "Say why" in error.value.message
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN


def test_discontinuing_for_another_reason_keeps_the_note(course, clinician):
    with time_machine.travel(BEFORE_START):
        discontinue_course(course, by=clinician, code="other", note="moved to another centre")
    course.refresh_from_db()
    assert course.status == Course.Status.DISCONTINUED
    assert course.discontinue_reason == "other"
    assert course.status_reason == "Discontinued: Other (see note). moved to another centre"
    assert course.history.first().history_user == clinician


def test_discontinuing_cancels_only_future_unrecorded_doses(course, clinician, nurse):
    record_given(dose_number(course, 1), nurse)
    with time_machine.travel(AFTER_DOSE_3):
        cancelled = discontinue_course(course, by=clinician, code="intolerance")
    now = statuses(course)
    assert cancelled == 25
    assert now[1] == Dose.Status.GIVEN
    assert now[2] == now[3] == Dose.Status.SCHEDULED
    assert {now[n] for n in range(4, 29)} == {Dose.Status.CANCELLED}


def test_past_unrecorded_doses_of_a_discontinued_course_are_still_listed_as_overdue(
    course, clinician
):
    with time_machine.travel(AFTER_DOSE_3):
        discontinue_course(course, by=clinician, code="intolerance")
    now = datetime(2027, 3, 11, 6, 0, tzinfo=UTC)
    assert set(course.doses.overdue(now).values_list("dose_in_course", flat=True)) == {1, 2, 3}


def test_a_course_cannot_be_discontinued_twice(course, clinician):
    with time_machine.travel(BEFORE_START):
        discontinue_course(course, by=clinician, code="progression")
        with pytest.raises(CourseRefused) as error:
            discontinue_course(course, by=clinician, code="death")
    assert "course is discontinued" in error.value.message
    course.refresh_from_db()
    assert course.discontinue_reason == "progression"


def test_a_cancelled_course_cannot_be_discontinued(course, clinician):
    with time_machine.travel(BEFORE_START):
        cancel_course(course, by=clinician, reason="wrong patient")
        with pytest.raises(CourseRefused) as error:
            discontinue_course(course, by=clinician, code="progression")
    assert "course is cancelled" in error.value.message


# Discharge ------------------------------------------------------------------------------


def test_discharge_is_refused_while_past_doses_have_no_record(course, clinician, nurse):
    record_given(dose_number(course, 1), nurse)
    with time_machine.travel(AFTER_DOSE_3), pytest.raises(CourseRefused) as error:
        record_discharge(course, by=clinician, on=date(2027, 3, 11))
    assert "Record doses 2, 3 first" in error.value.message
    course.refresh_from_db()
    assert (course.status, course.discharged_on) == (Course.Status.OPEN, None)


def test_discharge_names_a_single_unrecorded_dose(course, clinician):
    with time_machine.travel("2027-03-10 14:00Z"), pytest.raises(CourseRefused) as error:
        record_discharge(course, by=clinician, on=START)
    assert "Record dose 1 first" in error.value.message


def test_discharge_cannot_be_in_the_future(course, clinician):
    # At 01:00 on 11 March in New York, 12 March is tomorrow.
    with time_machine.travel(AFTER_DOSE_3), pytest.raises(CourseRefused) as error:
        record_discharge(course, by=clinician, on=date(2027, 3, 12))
    assert "in the future" in error.value.message


def test_discharge_cannot_be_before_the_course_started(course, clinician):
    with time_machine.travel(AFTER_DOSE_3), pytest.raises(CourseRefused) as error:
        record_discharge(course, by=clinician, on=date(2027, 3, 9))
    assert "before the course started" in error.value.message


def test_discharge_completes_the_course_and_cancels_future_doses(course, clinician, nurse):
    for number in (1, 2):
        record_given(dose_number(course, number), nurse)
    record_dose(
        dose_number(course, 3),
        by=nurse,
        now=datetime(2027, 3, 11, 5, 0, tzinfo=UTC),
        outcome="held",
        hold_reason="hypotension",
    )
    with time_machine.travel(AFTER_DOSE_3):
        lapsed = record_discharge(course, by=clinician, on=date(2027, 3, 11), note="home")
    course.refresh_from_db()
    assert lapsed == 25
    assert course.status == Course.Status.COMPLETED
    assert course.discharged_on == date(2027, 3, 11)
    assert course.status_reason == "Discharged on 11 Mar 2027. home"
    assert {statuses(course)[n] for n in range(4, 29)} == {Dose.Status.CANCELLED}


def test_discharge_after_discontinuing_keeps_the_course_discontinued(course, clinician):
    nurse = make_user(Role.NURSE)
    with time_machine.travel(AFTER_DOSE_3):
        discontinue_course(course, by=clinician, code="intolerance")
        for dose in course.doses.scheduled():
            record_dose(dose, by=nurse, outcome="held", hold_reason="hypotension")
        record_discharge(course, by=clinician, on=date(2027, 3, 11))
    course.refresh_from_db()
    assert course.status == Course.Status.DISCONTINUED
    assert course.discharged_on == date(2027, 3, 11)


def test_a_cancelled_course_has_no_discharge(course, clinician):
    with time_machine.travel(BEFORE_START):
        cancel_course(course, by=clinician, reason="mistake")
        with pytest.raises(CourseRefused) as error:
            record_discharge(course, by=clinician, on=START)
    assert "cancelled" in error.value.message


def test_the_database_refuses_a_completed_course_without_a_discharge(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(status=Course.Status.COMPLETED)


def test_the_database_refuses_a_discontinued_course_without_a_reason(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DISCONTINUED)


# Retreatment ----------------------------------------------------------------------------


def test_a_second_label_course_before_the_first_discharge_is_refused(patient, clinician):
    make_course(patient, by=clinician)
    with pytest.raises(CourseRefused) as error:
        make_course(patient, by=clinician, start="2027-05-10 08:00")
    assert "started on 10 Mar 2027 has no discharge date" in str(error.value)
    assert "Record the discharge first" in str(error.value)
    assert Course.objects.for_patient(patient).count() == 1


def test_the_next_label_course_48_days_after_discharge_is_refused(patient, clinician):
    discharged_course(patient, clinician, on=START)
    with pytest.raises(CourseRefused) as error:
        make_course(patient, by=clinician, start="2027-04-27 08:00")
    assert "discharged 10 Mar 2027" in str(error.value)
    assert "may start on 28 Apr 2027 at the earliest (49 days)" in str(error.value)


def test_the_next_label_course_49_days_after_discharge_is_allowed(patient, clinician):
    first = discharged_course(patient, clinician, on=START)
    assert first.earliest_next_course() == date(2027, 4, 28)
    second = make_course(patient, by=clinician, start="2027-04-28 08:00")
    assert second.retreatment_override == ""


def test_an_override_reason_lets_a_course_start_early_and_is_kept(patient, clinician):
    discharged_course(patient, clinician, on=START)
    course = make_course(
        patient, by=clinician, start="2027-04-20 08:00", override_reason="  trial protocol  "
    )
    assert course.retreatment_override == "trial protocol"
    assert course.history.first().history_change_reason == (
        "Course started; retreatment gap overridden: trial protocol"
    )


def test_a_blank_override_reason_does_not_override(patient, clinician):
    discharged_course(patient, clinician, on=START)
    with pytest.raises(CourseRefused):
        make_course(patient, by=clinician, start="2027-04-20 08:00", override_reason="   ")


def test_subcutaneous_courses_have_no_retreatment_gap(patient, clinician):
    make_course(patient, slug="sc-low-dose", treatment_days=2, by=clinician)
    make_course(
        patient, slug="sc-low-dose", treatment_days=2, by=clinician, start="2027-03-12 09:00"
    )
    make_course(patient, slug="sc-5on2off", by=clinician, start="2027-03-14 09:00")
    assert Course.objects.for_patient(patient).count() == 3


def test_a_course_in_the_days_of_an_open_course_is_refused_even_with_a_reason(patient, clinician):
    make_course(patient, by=clinician)
    with pytest.raises(CourseRefused, match="is still open"):
        make_course(
            patient,
            slug="sc-5on2off",
            by=clinician,
            start="2027-03-12 09:00",
            override_reason="Wants both",
        )
    assert Course.objects.for_patient(patient).count() == 1


def test_a_subcutaneous_course_does_not_hold_back_a_label_course(patient, clinician):
    make_course(patient, slug="sc-low-dose", treatment_days=3, by=clinician)
    course = make_course(patient, by=clinician, start="2027-03-20 08:00")
    assert course.retreatment_override == ""


def test_a_cancelled_earlier_course_does_not_count(patient, clinician):
    first = make_course(patient, by=clinician)
    with time_machine.travel(BEFORE_START):
        cancel_course(first, by=clinician, reason="entered twice")
    second = make_course(patient, by=clinician, start="2027-03-11 08:00")
    assert second.retreatment_override == ""


# Counts ---------------------------------------------------------------------------------


def test_a_fresh_label_course_counts_two_cycles_of_14(course):
    counts = course.counts(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))
    assert [(c.cycle, c.cap, c.remaining) for c in counts.cycles] == [(1, 14, 14), (2, 14, 14)]
    assert (counts.course.cap, counts.course.remaining, counts.course.given) == (28, 28, 0)
    assert not counts.course.ended


def test_records_move_the_counts(course, nurse):
    record_given(dose_number(course, 1), nurse)
    second, third = dose_number(course, 2), dose_number(course, 3)
    record_dose(second, by=nurse, now=second.planned_at, outcome="held", hold_reason="hypoxia")
    record_dose(
        third, by=nurse, now=third.planned_at, outcome="not_given", not_given_reason="refused"
    )
    counts = course.counts(third.planned_at)
    first_cycle = counts.cycles[0]
    assert (first_cycle.given, first_cycle.held, first_cycle.not_given) == (1, 1, 1)
    assert (first_cycle.recorded, first_cycle.remaining) == (3, 11)
    assert (counts.course.given, counts.course.recorded, counts.course.remaining) == (1, 3, 25)
    assert counts.cycles[1].remaining == 14


def test_a_cycle_ends_when_its_window_closes_with_doses_unrecorded(course):
    window_end = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # 5 days after dose 1
    just_before = course.counts(window_end - timedelta(seconds=1)).cycles[0]
    assert (just_before.ended, just_before.end_reason) == (False, "")
    at_end = course.counts(window_end).cycles[0]
    assert (at_end.ended, at_end.end_reason) == (True, "window closed")
    assert at_end.remaining == 14


def test_a_cycle_ends_once_every_dose_is_recorded_or_cancelled(course, clinician, nurse):
    first = dose_number(course, 1)
    record_given(first, nurse)
    with time_machine.travel(first.planned_at + timedelta(minutes=30)):
        discontinue_course(course, by=clinician, code="intolerance")
    counts = course.counts(first.planned_at + timedelta(hours=1))
    assert (counts.cycles[0].given, counts.cycles[0].cancelled) == (1, 13)
    assert counts.cycles[0].end_reason == "every dose recorded or cancelled"
    assert counts.course.end_reason == "every dose recorded or cancelled"


def test_a_cycle_ends_when_its_cap_is_given(course, nurse):
    for dose in course.doses.filter(cycle=1):
        record_given(dose, nurse)
    first_cycle = course.counts(datetime(2027, 3, 14, 22, 0, tzinfo=UTC)).cycles[0]
    assert (first_cycle.given, first_cycle.end_reason) == (14, "cap reached")


# Overdue --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "due_at", "overdue_at"),
    [
        ("hd-iv-label", datetime(2027, 3, 10, 13, 0, tzinfo=UTC), datetime(2027, 3, 10, 14, 0)),
        ("sc-5on2off", datetime(2027, 3, 10, 13, 0, tzinfo=UTC), datetime(2027, 3, 10, 17, 0)),
    ],
)
def test_a_dose_becomes_overdue_exactly_at_its_courses_window(
    patient, clinician, slug, due_at, overdue_at
):
    course = make_course(patient, slug=slug, by=clinician)
    dose = dose_number(course, 1)
    assert dose.planned_at == due_at
    overdue_at = overdue_at.replace(tzinfo=UTC)
    just_before = overdue_at - timedelta(microseconds=1)
    assert not dose.is_overdue(just_before)
    assert dose not in course.doses.overdue(just_before)
    assert dose.is_overdue(overdue_at)
    assert list(course.doses.overdue(overdue_at)) == [dose]


@pytest.mark.parametrize(
    "at",
    [
        datetime(2027, 3, 10, 13, 0, tzinfo=UTC),
        datetime(2027, 3, 10, 14, 0, tzinfo=UTC) - timedelta(microseconds=1),
        datetime(2027, 3, 10, 14, 0, tzinfo=UTC),
        datetime(2027, 3, 12, 6, 0, tzinfo=UTC),
    ],
)
def test_every_recordable_dose_is_either_overdue_or_not_overdue(course, nurse, at):
    record_given(dose_number(course, 1), nurse)
    overdue = set(course.doses.overdue(at))
    not_overdue = set(course.doses.not_overdue(at))
    assert overdue.isdisjoint(not_overdue)
    assert overdue | not_overdue == set(course.doses.recordable())
    assert overdue == {dose for dose in course.doses.recordable() if dose.is_overdue(at)}


@pytest.mark.parametrize("hours", [8, 24])
@pytest.mark.parametrize(
    "at",
    [
        datetime(2027, 3, 10, 14, 0, tzinfo=UTC) - timedelta(microseconds=1),
        datetime(2027, 3, 10, 14, 0, tzinfo=UTC),
        datetime(2027, 3, 12, 6, 0, tzinfo=UTC),
    ],
)
def test_the_waiting_counts_are_those_of_the_overdue_and_due_lists(
    course, nurse, at, hours, django_assert_num_queries
):
    record_given(dose_number(course, 1), nurse)
    due = course.doses.not_overdue(at).filter(planned_at__lt=at + timedelta(hours=hours))
    expected = {"overdue": course.doses.overdue(at).count(), "due": due.count()}
    assert expected["overdue"] + expected["due"] > 0
    with django_assert_num_queries(1):
        assert course.doses.waiting_counts(at, hours) == expected


def test_a_recorded_dose_is_never_overdue(course, nurse):
    dose = dose_number(course, 1)
    record_given(dose, nurse)
    dose.refresh_from_db()
    later = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
    assert not dose.is_overdue(later)
    assert not Dose.objects.overdue(later).filter(pk=dose.pk).exists()


def test_a_dose_cancelled_by_discontinuing_is_never_overdue(course, clinician):
    # Past unrecorded doses are another matter: see the test above.
    with time_machine.travel(BEFORE_START):
        discontinue_course(course, by=clinician, code="patient_choice")
    later = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
    assert not course.doses.overdue(later).exists()
    assert not any(dose.is_overdue(later) for dose in course.doses.all())


# Found in review: a stopped course stays as it was, and discharge dates must fit the record.


def record_first_three(course, nurse):
    for dose in course.doses.filter(dose_in_course__lte=3):
        record_given(dose, nurse)


def test_a_completed_course_cannot_be_moved(course, clinician, nurse):
    with time_machine.travel(AFTER_DOSE_3):
        record_first_three(course, nurse)
        record_discharge(course, by=clinician, on=date(2027, 3, 11))
        with pytest.raises(CourseRefused, match="completed, so it cannot be moved"):
            move_start(course, datetime(2027, 4, 1, 8, 0), by=clinician, reason="typo")
    course.refresh_from_db()
    assert course.start_date == START


def test_a_discharge_before_the_last_dose_given_is_refused(course, clinician, nurse):
    with time_machine.travel(AFTER_DOSE_3):
        record_first_three(course, nurse)
        with pytest.raises(CourseRefused, match="Dose 3 was given after that date"):
            record_discharge(course, by=clinician, on=START)
    course.refresh_from_db()
    assert course.discharged_on is None


def test_discontinuing_with_a_discharge_needs_every_past_dose_recorded(course, clinician):
    with (
        time_machine.travel(AFTER_DOSE_3),
        pytest.raises(CourseRefused, match="Record doses 1, 2, 3 first"),
    ):
        discontinue_course(
            course, by=clinician, code="progression", discharged_on=date(2027, 3, 11)
        )
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN


def test_a_retreatment_gap_of_zero_days_is_no_gap(patient, clinician, nurse):
    first = make_course(patient, by=clinician)
    Course.objects.filter(pk=first.pk).update(retreatment_gap_days=0)
    with time_machine.travel(AFTER_DOSE_3):
        record_first_three(first, nurse)
        first.refresh_from_db()
        record_discharge(first, by=clinician, on=date(2027, 3, 11))
    second = make_course(patient, start="2027-03-20 08:00", by=clinician)
    assert second.retreatment_override == ""


def test_an_open_course_says_whether_it_has_started(course, clinician):
    with time_machine.travel(BEFORE_START):
        assert course.state_label == "Not started"
    with time_machine.travel(AFTER_DOSE_3):
        assert course.state_label == "In progress"
        discontinue_course(course, by=clinician, code="progression")
        assert course.state_label == "Discontinued"


def test_starting_more_cycles_than_the_regimen_allows_is_refused(patient, clinician):
    with pytest.raises(CourseRefused, match="This regimen has at most 2 cycles") as error:
        start_course(
            patient=patient,
            created_by=clinician,
            template=RegimenTemplate.objects.get(slug="hd-iv-label"),
            start=datetime(2027, 3, 10, 8, 0),
            time_zone=patient.time_zone,
            cycles=3,
            weight_kg=patient.weight_kg,
            height_cm=patient.height_cm,
        )
    assert error.value.field == "cycles"
    assert not Course.objects.exists()


def test_a_pattern_length_for_a_fixed_length_regimen_is_refused(patient, clinician):
    with pytest.raises(CourseRefused, match="This regimen has a fixed length") as error:
        make_course(patient, by=clinician, treatment_days=10)
    assert error.value.field == "treatment_days"
    assert not Course.objects.exists()


def test_only_a_clinician_may_override_the_retreatment_gap(patient, clinician):
    discharged_course(patient, clinician, on=START)
    with pytest.raises(CourseRefused, match="Only a clinician can override") as error:
        make_course(
            patient, by=make_user(Role.ADMIN), start="2027-04-20 08:00", override_reason="urgent"
        )
    assert error.value.field == "override_reason"
    assert Course.objects.for_patient(patient).count() == 1

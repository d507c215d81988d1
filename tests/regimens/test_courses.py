"""Moving the start of a course, and delaying the doses still to come once it has started."""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import F

from regimens.courses import (
    OUTSIDE_WINDOW,
    STALE_PREVIEW,
    CourseRefused,
    delay_remaining_doses,
    discontinue_course,
    move_start,
    plan_delay,
    record_discharge,
)
from regimens.models import Course, Dose
from tests.factories import PatientFactory, make_course, make_user, record_given
from tracker.accounts.roles import Role
from tracker.ward.recording import record_dose

pytestmark = pytest.mark.django_db

# The label course from 2027-03-10 08:00 in New York (13:00 UTC), every 8 hours:
# dose 1 at 13:00Z, dose 2 at 21:00Z, dose 3 at 05:00Z on 11 March.  Cycle 1's
# window is 5 days from dose 1: it closes at 13:00Z on 15 March.
BEFORE_START = "2027-03-10 12:00Z"
AFTER_DOSE_2 = datetime(2027, 3, 10, 22, 0, tzinfo=UTC)  # 17:00 in New York
WINDOW_CLOSES = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
# The walkthrough's delay: the next dose to the next day, 16:00 in New York (21:00Z),
# sixteen hours after it was planned.
NEXT_DAY = datetime(2027, 3, 11, 16, 0)
HOURS_8 = timedelta(hours=8)


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN)


@pytest.fixture
def nurse():
    return make_user(Role.NURSE)


@pytest.fixture
def course(clinician):
    return make_course(PatientFactory(), by=clinician)


def dose(course, number) -> Dose:
    return course.doses.get(dose_in_course=number)


@pytest.fixture
def given_and_held(course, nurse):
    """The walkthrough: dose 1 given, dose 2 held, and the clock just after dose 2."""
    record_given(dose(course, 1), nurse)
    second = dose(course, 2)
    record_dose(second, by=nurse, now=second.planned_at, outcome="held", hold_reason="hypotension")
    return course


@pytest.fixture
def delayed(given_and_held, clinician):
    with time_machine.travel(AFTER_DOSE_2, tick=False):
        delay_remaining_doses(given_and_held, NEXT_DAY, by=clinician, reason="capillary leak")
    return given_and_held


# Moving the start.


@time_machine.travel(BEFORE_START, tick=False)
def test_moving_before_any_dose_replans_the_whole_course(course, clinician):
    moved = move_start(course, datetime(2027, 3, 11, 10, 0), by=clinician, reason="bed not free")
    course.refresh_from_db()
    assert (course.start_date, course.start_time.hour) == (date(2027, 3, 11), 10)
    assert moved.moved == 28
    first = dose(course, 1)
    assert first.planned_at == datetime(2027, 3, 11, 15, 0, tzinfo=UTC)
    assert first.history.first().history_change_reason == "bed not free"
    assert first.history.first().history_user == clinician


def test_moving_the_start_once_a_dose_is_given_is_refused_and_offers_a_delay(
    given_and_held, clinician
):
    with (
        time_machine.travel(AFTER_DOSE_2, tick=False),
        pytest.raises(CourseRefused) as refused,
    ):
        move_start(given_and_held, datetime(2027, 3, 11, 8, 0), by=clinician, reason="bed")
    assert refused.value.message == (
        "Dose 1 is already recorded as given, so the start of the course cannot move. "
        "Delay the remaining doses instead: give the new time of the next dose."
    )
    given_and_held.refresh_from_db()
    assert given_and_held.start_date == date(2027, 3, 10)
    assert not given_and_held.doses.exclude(planned_at=F("original_planned_at")).exists()


def test_moving_the_start_once_a_dose_is_past_is_refused(course, clinician):
    with (
        time_machine.travel("2027-03-10 14:00Z", tick=False),
        pytest.raises(CourseRefused, match="Dose 1 is already past"),
    ):
        move_start(course, datetime(2027, 3, 11, 8, 0), by=clinician, reason="bed")


@time_machine.travel(BEFORE_START, tick=False)
def test_moving_into_the_past_is_refused(course, clinician):
    with pytest.raises(CourseRefused, match="Choose a later start"):
        move_start(course, datetime(2027, 3, 1, 8, 0), by=clinician, reason="typo")


@time_machine.travel(BEFORE_START, tick=False)
def test_a_move_needs_a_reason(course, clinician):
    with pytest.raises(CourseRefused, match="Say why"):
        move_start(course, datetime(2027, 3, 11, 8, 0), by=clinician, reason="  ")


# Delaying the remaining doses: the walkthrough's sequence.


def test_a_delay_replans_the_rest_of_the_cycle_eight_elapsed_hours_apart(delayed, clinician):
    third = dose(delayed, 3)
    assert third.planned_at == datetime(2027, 3, 11, 21, 0, tzinfo=UTC)
    moved = [dose(delayed, n) for n in range(3, 14)]
    assert [b.planned_at - a.planned_at for a, b in itertools.pairwise(moved)] == [HOURS_8] * 10
    # Numbers and places in the cycle stay; no dose is added, so the cap of 14 holds.
    assert [(d.cycle, d.dose_in_cycle) for d in moved] == [(1, n) for n in range(3, 14)]
    assert delayed.doses.filter(cycle=1).count() == 14
    assert third.history.first().history_change_reason == "Delayed: capillary leak"
    assert third.history.first().history_user == clinician
    # Day numbers count from the real first dose: 11 March is day 2.
    assert third.day == 2


def test_a_delay_cancels_the_doses_it_pushes_to_the_windows_close(delayed, clinician):
    last = dose(delayed, 14)
    assert last.status == Dose.Status.CANCELLED
    assert last.planned_at == last.original_planned_at
    assert last.history.first().history_change_reason == f"{OUTSIDE_WINDOW}. capillary leak"
    assert last.history.first().history_user == clinician
    planned = delayed.doses.filter(cycle=1, status=Dose.Status.SCHEDULED)
    assert max(planned.values_list("planned_at", flat=True)) < WINDOW_CLOSES


def test_a_delay_keeps_the_start_the_window_and_later_cycles(delayed):
    delayed.refresh_from_db()
    assert (delayed.start_date, delayed.start_time.hour) == (date(2027, 3, 10), 8)
    counts = delayed.counts(AFTER_DOSE_2)
    assert counts.cycles[0].window_end == WINDOW_CLOSES
    assert (counts.cycles[0].given, counts.cycles[0].held, counts.cycles[0].remaining) == (
        1,
        1,
        11,
    )
    assert not delayed.doses.filter(cycle=2).exclude(planned_at=F("original_planned_at")).exists()


def test_after_a_delay_the_discharge_on_the_real_date_is_recorded(delayed, clinician):
    with time_machine.travel(AFTER_DOSE_2, tick=False):
        lapsed = record_discharge(delayed, by=clinician, on=date(2027, 3, 10))
    delayed.refresh_from_db()
    assert delayed.status == Course.Status.COMPLETED
    assert lapsed == 11 + 14


def test_after_a_delay_the_course_can_be_discontinued(delayed, clinician):
    with time_machine.travel(AFTER_DOSE_2, tick=False):
        cancelled = discontinue_course(
            delayed, by=clinician, code="intolerance", discharged_on=date(2027, 3, 10)
        )
    assert cancelled == 11 + 14
    assert delayed.status == Course.Status.DISCONTINUED


def test_after_a_delay_the_next_dose_is_recorded_at_its_new_time(delayed, nurse):
    third = dose(delayed, 3)
    record_given(third, nurse)
    third.refresh_from_db()
    assert third.status == Dose.Status.GIVEN


def test_the_discharge_counts_from_the_first_doses_date_not_a_moved_start(
    course, clinician, nurse
):
    # A course moved before this rule existed: its start date is a day after dose 1.
    record_given(dose(course, 1), nurse)
    Course.objects.filter(pk=course.pk).update(start_date=date(2027, 3, 11))
    course.refresh_from_db()
    with time_machine.travel("2027-03-10 20:00Z", tick=False):
        record_discharge(course, by=clinician, on=date(2027, 3, 10))
    assert course.discharged_on == date(2027, 3, 10)


# Delays that are refused.


@pytest.mark.parametrize(
    "next_at, message",
    [
        pytest.param(datetime(2027, 3, 10, 12, 0), "in the past", id="past"),
        pytest.param(datetime(2027, 3, 10, 23, 0), "A delay moves doses later", id="earlier"),
        pytest.param(datetime(2027, 3, 15, 9, 0), "window closes", id="at-the-close"),
        pytest.param(datetime(2027, 3, 30, 8, 0), "window closes", id="into-cycle-2"),
    ],
)
def test_an_impossible_delay_is_refused_and_changes_nothing(
    given_and_held, clinician, next_at, message
):
    with (
        time_machine.travel(AFTER_DOSE_2, tick=False),
        pytest.raises(CourseRefused, match=message),
    ):
        delay_remaining_doses(given_and_held, next_at, by=clinician, reason="x")
    assert not given_and_held.doses.exclude(planned_at=F("original_planned_at")).exists()
    assert not given_and_held.doses.filter(status=Dose.Status.CANCELLED).exists()


@time_machine.travel(BEFORE_START, tick=False)
def test_a_delay_before_anything_has_happened_is_refused(course, clinician):
    with pytest.raises(CourseRefused, match="move the start instead"):
        delay_remaining_doses(course, datetime(2027, 3, 11, 8, 0), by=clinician, reason="x")


def test_a_delay_that_no_longer_matches_its_preview_is_refused(given_and_held, clinician, nurse):
    with time_machine.travel(AFTER_DOSE_2, tick=False):
        preview = plan_delay(given_and_held, NEXT_DAY, AFTER_DOSE_2)
    # Meanwhile dose 3 is recorded, so the delay would start from dose 4.
    record_given(dose(given_and_held, 3), nurse)
    with (
        time_machine.travel("2027-03-11 06:00Z", tick=False),
        pytest.raises(CourseRefused, match=STALE_PREVIEW),
    ):
        delay_remaining_doses(
            given_and_held, NEXT_DAY, by=clinician, reason="x", expected=preview.fingerprint
        )
    assert dose(given_and_held, 4).planned_at == dose(given_and_held, 4).original_planned_at


def test_a_delayed_day_pattern_keeps_its_days_apart_within_the_window(nurse):
    # Five days on, two off, for 28 days: doses on days 1-5, 8-12, 15-19 and 22-26.
    course = make_course(PatientFactory(), slug="sc-5on2off", start="2027-03-10 09:00")
    record_given(dose(course, 1), nurse)
    preview = plan_delay(course, datetime(2027, 3, 14, 9, 0), AFTER_DOSE_2)
    # Three days later: day 26 (dose 20) would be day 29, past the 28 days; it is cancelled.
    assert [c.number for c in preview.changes if c.cancelled] == [20]
    moved = {c.number: c.new for c in preview.changes if not c.cancelled}
    assert moved[2].start_utc == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert (moved[3].day, moved[6].day, moved[19].day) == (6, 11, 28)


# Confirmations the operation itself asks for.


def test_it_refuses_a_height_or_weight_outside_the_plausible_adult_range(clinician):
    patient = PatientFactory()
    with pytest.raises(CourseRefused, match="plausible adult range") as refused:
        make_course(
            patient, by=clinician, height_cm=Decimal("72.0"), weight_kg=Decimal("175"),
            confirmed={"body_size"},
        )  # fmt: skip
    assert refused.value.field == "height_cm"
    with pytest.raises(CourseRefused, match="Weight 260 kg") as refused:
        make_course(patient, by=clinician, weight_kg=Decimal("260"), confirmed={"body_size"})
    assert refused.value.field == "weight_kg"
    assert not Course.objects.exists()


def test_starting_a_course_with_an_implausible_bmi_needs_a_confirmation(clinician):
    from regimens.courses import NeedsConfirmation

    patient = PatientFactory()
    with pytest.raises(NeedsConfirmation, match="may be swapped"):
        make_course(patient, by=clinician, height_cm=Decimal("230"), weight_kg=Decimal("31"))
    assert not Course.objects.exists()
    make_course(
        patient, by=clinician, height_cm=Decimal("230"), weight_kg=Decimal("31"),
        confirmed={"body_size"},
    )  # fmt: skip


# The dosing weight: when it was measured, and what the prescriber should see.


def preview(**choices):
    from regimens.courses import preview_course
    from regimens.models import RegimenTemplate

    values = {
        "template": RegimenTemplate.objects.get(slug="hd-iv-label"),
        "start": datetime(2027, 3, 10, 8, 0),
        "time_zone": "America/New_York",
        "cycles": 2,
        "weight_kg": Decimal("80.0"),
        "height_cm": Decimal("175.0"),
        **choices,
    }
    return preview_course(**values)


def test_it_refuses_a_dosing_weight_measured_after_the_first_dose():
    with pytest.raises(CourseRefused, match="on or before the first dose") as refused:
        preview(weight_measured_on=date(2027, 3, 11))
    assert refused.value.field == "weight_measured_on"


def test_it_refuses_an_implausible_admission_weight():
    with pytest.raises(CourseRefused, match="Weight 900 kg") as refused:
        preview(baseline_weight_kg=Decimal("900"))
    assert refused.value.field == "baseline_weight_kg"


def test_it_warns_of_a_dosing_weight_more_than_7_days_old():
    from regimens.courses import dosing_warnings

    course, _ = preview(weight_measured_on=date(2027, 3, 3))
    assert dosing_warnings(course) == []
    course, _ = preview(weight_measured_on=date(2027, 3, 2))
    [warning] = dosing_warnings(course)
    assert "measured on 02 Mar 2027, 8 days before the first dose" in warning


def test_it_warns_of_a_bmi_of_35_or_more():
    from regimens.courses import dosing_warnings

    course, _ = preview(weight_kg=Decimal("110.0"), height_cm=Decimal("175.0"))  # 35.9
    [warning] = dosing_warnings(course)
    assert "BMI 35.9" in warning and "actual, ideal or adjusted" in warning


def test_the_preview_counts_vials_per_cycle_both_ways():
    course, plan = preview()
    counts = course.vial_counts(plan)
    assert [(c.cycle, c.doses, c.per_dose, c.pooled) for c in counts] == [
        (1, 14, 42, 34),
        (2, 14, 42, 34),
    ]

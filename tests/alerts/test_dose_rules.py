"""Alerts about doses: a withhold overridden, doses held in a cycle, a dose overdue."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regimens.courses import cancel_course, discontinue_course
from tests.factories import (
    NORMAL_OBSERVATIONS,
    PatientFactory,
    make_course,
    make_user,
    record_given,
    ship_dose_alert_rules,
)
from tracker.accounts.roles import Role
from tracker.alerts.dose_rules import alert_overdue_doses, alert_overdue_doses_task
from tracker.alerts.models import Alert, AlertRule
from tracker.ward.recording import (
    authorise_override,
    correct_record,
    record_check,
    record_dose,
    withdraw_override,
)

# An hour before the default course's first dose.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 12:00Z")]

Trigger = Alert.Trigger
H = timedelta(hours=1)
# The default course starts 2027-03-10 08:00 in New York: dose 1 at 13:00 UTC, then
# every 8 hours; each dose is overdue 1 h after its time, with a 2 h recording window.
FIRST_DOSE_AT = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
PAST_WINDOW = 3 * H


@pytest.fixture(autouse=True)
def rules(db):
    return ship_dose_alert_rules()


@pytest.fixture
def nurse():
    return make_user(Role.NURSE, first_name="Nora", last_name="Ward")


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN, first_name="Carl", last_name="Quinn")


@pytest.fixture
def patient(nurse, clinician):
    return PatientFactory(given_name="Ada", family_name="Lovelace", care_team=[nurse, clinician])


@pytest.fixture
def course(patient, clinician):
    return make_course(patient, by=clinician)


def dose_number(course, number):
    return course.doses.get(dose_in_course=number)


def switch_off(trigger):
    AlertRule.objects.filter(trigger=trigger).update(active=False)


def alerts_of(trigger):
    return list(Alert.objects.filter(trigger=trigger).order_by("pk"))


# A clinician's override of a withhold ---------------------------------------------------


def check_with_low_pressure(dose, by, decision, **fields):
    values = {**NORMAL_OBSERVATIONS, "systolic_bp": 85}
    return record_check(dose, by=by, decision=decision, now=dose.planned_at, **values, **fields)


def test_a_clinician_giving_past_a_fired_rule_raises_one_high_alert_saying_why(
    course, clinician, rules
):
    dose = dose_number(course, 1)
    reason = "Baseline SBP 85 on every admission, asymptomatic"
    check_with_low_pressure(dose, clinician, "give", override_reason=reason)

    [alert] = alerts_of(Trigger.WITHHOLD_OVERRIDE)
    assert (alert.severity, alert.rule, alert.dose, alert.patient) == (
        "high",
        rules["withhold_override"],
        dose,
        course.patient,
    )
    assert alert.created_at == dose.planned_at
    assert alert.text == (
        "Ada Lovelace: dose 1 to be given despite the pre-dose check's withhold rules "
        f"(Systolic BP < 90 mmHg), authorised by Carl Quinn: {reason}"
    )


def test_an_override_without_a_check_says_there_was_none(course, clinician):
    dose = dose_number(course, 1)
    record_dose(
        dose,
        by=clinician,
        now=dose.planned_at,
        outcome="given",
        given_at=dose.planned_at,
        amount_iu=dose.prescribed_iu,
        given_by=clinician,
        override_reason="Observations done on the ICU chart at 07:50",
    )
    [alert] = alerts_of(Trigger.WITHHOLD_OVERRIDE)
    assert "dose 1 to be given despite no pre-dose check in the 3 hours before it" in alert.text
    assert alert.text.endswith("Carl Quinn: Observations done on the ICU chart at 07:50")


def test_a_dose_authorised_again_after_a_withdrawal_raises_no_second_alert(
    course, nurse, clinician
):
    dose = dose_number(course, 1)
    check_with_low_pressure(dose, nurse, "ask")
    first = authorise_override(
        dose, by=clinician, reason="Baseline SBP 85, asymptomatic", now=dose.planned_at
    )
    withdraw_override(first, by=clinician, reason="Authorised for the wrong patient")
    authorise_override(
        dose, by=clinician, reason="Baseline SBP 85 confirmed, warm", now=dose.planned_at
    )
    assert len(alerts_of(Trigger.WITHHOLD_OVERRIDE)) == 1


def test_an_override_with_its_rule_switched_off_raises_nothing(course, clinician):
    switch_off(Trigger.WITHHOLD_OVERRIDE)
    dose = dose_number(course, 1)
    check_with_low_pressure(dose, clinician, "give", override_reason="Baseline SBP 85, well")
    assert dose.withhold_overrides.exists()
    assert alerts_of(Trigger.WITHHOLD_OVERRIDE) == []


# Doses held in one cycle ----------------------------------------------------------------


def hold(dose, nurse, reason="hypotension"):
    return record_dose(dose, by=nurse, now=dose.planned_at, outcome="held", hold_reason=reason)


def test_the_third_dose_held_in_a_cycle_raises_one_high_alert_naming_the_doses(
    course, nurse, rules
):
    hold(dose_number(course, 1), nurse)
    record_given(dose_number(course, 2), nurse)
    hold(dose_number(course, 3), nurse)
    assert alerts_of(Trigger.DOSES_HELD) == []

    third = dose_number(course, 4)
    hold(third, nurse, reason="hypoxia")
    [alert] = alerts_of(Trigger.DOSES_HELD)
    assert (alert.severity, alert.rule, alert.dose) == ("high", rules["doses_held"], third)
    assert alert.created_at == third.planned_at
    assert alert.text == (
        "Ada Lovelace: 3 doses of cycle 1 held (doses 1, 3 and 4); the latest, dose 4."
    )

    hold(dose_number(course, 5), nurse)
    assert len(alerts_of(Trigger.DOSES_HELD)) == 1


def test_holds_in_another_cycle_count_on_their_own(course, nurse):
    for number in (1, 2):
        hold(dose_number(course, number), nurse)
    second_cycle = list(course.doses.filter(cycle=2).order_by("dose_in_course")[:3])
    for dose in second_cycle[:2]:
        hold(dose, nurse)
    assert alerts_of(Trigger.DOSES_HELD) == []

    hold(second_cycle[2], nurse)
    [alert] = alerts_of(Trigger.DOSES_HELD)
    assert alert.dose == second_cycle[2]
    assert "3 doses of cycle 2 held" in alert.text

    hold(dose_number(course, 3), nurse)
    assert [a.dose.cycle for a in alerts_of(Trigger.DOSES_HELD)] == [2, 1]


def test_the_count_is_the_rules(course, nurse, rules):
    rules["doses_held"].at_least = 2
    rules["doses_held"].save()
    hold(dose_number(course, 1), nurse)
    hold(dose_number(course, 2), nurse)
    assert "2 doses of cycle 1 held (doses 1 and 2)" in alerts_of(Trigger.DOSES_HELD)[0].text


def test_a_hold_check_counts_like_a_held_record(course, nurse):
    for number in (1, 2):
        hold(dose_number(course, number), nurse)
    dose = dose_number(course, 3)
    check_with_low_pressure(dose, nurse, "hold")
    assert alerts_of(Trigger.DOSES_HELD)[0].dose == dose


def test_a_correction_that_un_holds_a_dose_raises_nothing_and_no_longer_counts(course, nurse):
    first, second = hold(dose_number(course, 1), nurse), hold(dose_number(course, 2), nurse)
    correct_record(
        second,
        by=nurse,
        reason="Patient refused; not held",
        now=second.dose.planned_at + H,
        outcome="not_given",
        not_given_reason="refused",
    )
    hold(dose_number(course, 3), nurse)
    assert alerts_of(Trigger.DOSES_HELD) == []

    correct_record(
        first,
        by=nurse,
        reason="Held for hypoxia, not hypotension",
        now=first.dose.planned_at + H,
        outcome="held",
        hold_reason="hypoxia",
    )
    assert alerts_of(Trigger.DOSES_HELD) == []
    hold(dose_number(course, 4), nurse)
    assert len(alerts_of(Trigger.DOSES_HELD)) == 1


def test_held_doses_with_their_rule_switched_off_raise_nothing(course, nurse):
    switch_off(Trigger.DOSES_HELD)
    for number in (1, 2, 3, 4):
        hold(dose_number(course, number), nurse)
    assert alerts_of(Trigger.DOSES_HELD) == []


# A dose overdue by more than its recording window ---------------------------------------


def test_a_dose_alerts_once_its_window_has_passed_after_it_fell_overdue(course, rules):
    assert alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW - timedelta(seconds=1)) == 0
    assert alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW) == 1

    [alert] = alerts_of(Trigger.DOSE_OVERDUE)
    assert (alert.severity, alert.rule, alert.dose) == (
        "high",
        rules["dose_overdue"],
        dose_number(course, 1),
    )
    assert alert.created_at == FIRST_DOSE_AT + PAST_WINDOW
    assert alert.text == (
        "Ada Lovelace: dose 1 (planned 08:00 on 10 Mar, patient's clock) has no record "
        "3 h after its time."
    )


def test_a_later_sweep_alerts_no_dose_twice(course):
    assert alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW) == 1
    assert alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW + 5 * timedelta(minutes=1)) == 0
    # Dose 2 is at 21:00 UTC; its window passes at midnight.
    assert alert_overdue_doses(FIRST_DOSE_AT + 11 * H) == 1
    assert [a.dose.dose_in_course for a in alerts_of(Trigger.DOSE_OVERDUE)] == [1, 2]
    assert "has no record 3 h after its time" in alerts_of(Trigger.DOSE_OVERDUE)[1].text


def test_the_time_past_the_dose_is_said_in_hours_and_minutes(course):
    alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW + 4 * timedelta(minutes=1))
    assert "has no record 3 h 4 min after its time" in alerts_of(Trigger.DOSE_OVERDUE)[0].text


def test_a_recorded_dose_raises_nothing(course, nurse):
    record_given(dose_number(course, 1), nurse)
    assert alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW) == 0


def test_a_cancelled_course_raises_nothing_for_its_doses_left_without_a_record(
    course, clinician, clock
):
    clock.move_to(FIRST_DOSE_AT + H)
    cancel_course(course, by=clinician, reason="Entered for the wrong patient")
    assert dose_number(course, 1).status == "scheduled"
    assert alert_overdue_doses(FIRST_DOSE_AT + 2 * PAST_WINDOW) == 0


def test_a_cancelled_dose_raises_nothing_but_a_past_dose_of_a_stopped_course_does(
    course, clinician, clock
):
    clock.move_to(FIRST_DOSE_AT + H)
    discontinue_course(course, by=clinician, code="patient_choice")
    assert dose_number(course, 2).status == "cancelled"

    # Dose 1 happened before the stop: only a nurse can say what became of it.
    assert alert_overdue_doses(FIRST_DOSE_AT + 11 * H) == 1
    assert alerts_of(Trigger.DOSE_OVERDUE)[0].dose == dose_number(course, 1)


def test_a_dose_from_before_the_sweeps_lookback_is_left_to_the_shift_list(course):
    assert alert_overdue_doses(FIRST_DOSE_AT + 49 * H) == 5
    assert 1 not in [a.dose.dose_in_course for a in alerts_of(Trigger.DOSE_OVERDUE)]


def test_overdue_doses_with_their_rule_switched_off_raise_nothing(course):
    switch_off(Trigger.DOSE_OVERDUE)
    assert alert_overdue_doses(FIRST_DOSE_AT + PAST_WINDOW) == 0


def test_a_dose_another_sweep_alerted_a_moment_ago_is_skipped(course, rules):
    """Two sweeps at once read the same dose: the constraint stops the second alert."""
    from tracker.alerts.dose_rules import _alert_overdue
    from tracker.alerts.rules import raise_alert

    dose = dose_number(course, 1)
    raise_alert(
        patient=course.patient,
        trigger=Trigger.DOSE_OVERDUE,
        severity="high",
        dose=dose,
        text="Raised by the other sweep.",
    )
    assert _alert_overdue(dose, rules["dose_overdue"], FIRST_DOSE_AT + PAST_WINDOW) is None
    # The failed insert was rolled back alone: the transaction goes on.
    assert [a.text for a in alerts_of(Trigger.DOSE_OVERDUE)] == ["Raised by the other sweep."]


def test_the_sweep_reads_in_two_queries_however_many_doses(clinician):
    # Ten patients on the same course: doses 1–5 of each (50 in all) are past their window
    # at midnight UTC on the 12th; dose 6 (05:00) not until 08:00.  Each alike (no care
    # team), so each alert costs the same to raise and to queue for the team.
    for _ in range(10):
        make_course(PatientFactory(), by=clinician)
    with CaptureQueriesContext(connection) as fifty:
        assert alert_overdue_doses(datetime(2027, 3, 12, 0, 0, tzinfo=UTC)) == 50

    # One more patient, whose first dose (22:00 UTC on the 11th) is past its window at 01:00.
    make_course(PatientFactory(), start="2027-03-11 17:00", by=clinician)
    at_one = datetime(2027, 3, 12, 1, 0, tzinfo=UTC)
    with CaptureQueriesContext(connection) as one:
        assert alert_overdue_doses(at_one) == 1
    with CaptureQueriesContext(connection) as none:
        assert alert_overdue_doses(at_one) == 0

    # The alert rule and the doses with their patients; then each alert costs the same.
    assert len(none) == 2
    per_alert = len(one) - len(none)
    assert len(fifty) == len(none) + 50 * per_alert


def test_the_periodic_task_sweeps_at_the_current_time(course, clock):
    clock.move_to(FIRST_DOSE_AT + PAST_WINDOW)
    assert alert_overdue_doses_task.delay().get() == 1
    assert alert_overdue_doses_task.delay().get() == 0
    assert alerts_of(Trigger.DOSE_OVERDUE)[0].created_at == FIRST_DOSE_AT + PAST_WINDOW


def test_celery_finds_the_task_in_the_alerts_apps_tasks_module():
    # A fresh interpreter, so nothing else has imported the task's own module first.
    code = (
        "import django; django.setup(); import tracker.alerts.tasks; "
        "from tracker.celery import app; print('alerts.alert_overdue_doses' in app.tasks)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    found = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "True"

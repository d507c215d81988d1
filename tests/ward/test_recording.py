from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from regimens.courses import cancel_course, discontinue_course, record_discharge
from regimens.models import Dose
from tests.factories import (
    NORMAL_OBSERVATIONS,
    PatientFactory,
    make_course,
    make_user,
    record_given,
    record_normal_check,
)
from tracker.accounts.roles import Role
from tracker.ward.models import DoseRecord, HoldRule, PreDoseCheck, WithholdOverride
from tracker.ward.recording import (
    ACKNOWLEDGE,
    DIFFERENT_TIME,
    PROCEED,
    URGENT_ALERTS,
    RecordRefused,
    correct_record,
    latest_valid_check,
    mark_entered_in_error,
    record_check,
    record_dose,
)

pytestmark = pytest.mark.django_db

# The default course starts 2027-03-10 08:00 in New York: dose 1 is at 13:00 UTC,
# dose 2 at 21:00 UTC, dose 3 at 05:00 UTC the next day.
FIRST_DOSE_AT = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
BEFORE_START = "2027-03-10 12:00Z"

NORMAL = NORMAL_OBSERVATIONS


@pytest.fixture
def nurse():
    return make_user(Role.NURSE, first_name="Nora", last_name="Ward")


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN)


@pytest.fixture
def course(nurse, clinician):
    return make_course(PatientFactory(care_team=[nurse, clinician]), by=clinician)


@pytest.fixture
def dose(course):
    return course.doses.get(dose_in_course=1)


def dose_number(course, number):
    return course.doses.get(dose_in_course=number)


def given(dose, nurse, checked=True, **fields):
    """The fields of a dose given at its planned time, in full.

    `checked`: a high-dose IV dose first gets a normal pre-dose check, just before
    it, as the ward records one; False leaves the dose without one.
    """
    fields = {
        "outcome": "given",
        "given_at": dose.planned_at,
        "amount_iu": dose.course.dose_iu,
        "given_by": nurse,
        "notes": "Uneventful.",
        **fields,
    }
    given_at = fields["given_at"]
    if checked and given_at and dose.course.needs_pre_dose_check:
        dose.refresh_from_db()
        recordable = not dose.is_recorded and not dose.refusal_to_record()
        if recordable and not latest_valid_check(dose, given_at):
            record_normal_check(dose, nurse, taken_at=given_at - timedelta(minutes=5))
    return fields


def assert_refused(dose, nurse, now=None, **fields):
    """Call record_dose expecting a refusal; check nothing was written; return the message."""
    before = (DoseRecord.objects.count(), Dose.objects.get(pk=dose.pk).status)
    with pytest.raises(RecordRefused) as error:
        record_dose(dose, by=nurse, now=now or dose.planned_at, **fields)
    after = (DoseRecord.objects.count(), Dose.objects.get(pk=dose.pk).status)
    assert after == before
    return error.value.message


def status_of(dose):
    return Dose.objects.get(pk=dose.pk).status


# Allowed changes -----------------------------------------------------------------------


def test_recording_a_dose_as_given_stores_its_fields_and_marks_the_dose_given(dose, nurse):
    now = dose.planned_at + timedelta(minutes=20)
    record = record_dose(dose, by=nurse, now=now, **given(dose, nurse, notes="uneventful"))
    record.refresh_from_db()
    assert record.outcome == "given"
    assert record.given_at == FIRST_DOSE_AT
    assert record.amount_iu == Decimal("42000000")
    assert record.given_by == nurse
    assert record.recorded_by == nurse
    assert record.recorded_at == now
    assert record.notes == "uneventful"
    assert record.state == DoseRecord.State.ACTIVE
    assert status_of(dose) == Dose.Status.GIVEN


def test_recording_a_dose_as_held_stores_the_coded_reason(dose, nurse):
    record = record_dose(
        dose, by=nurse, now=dose.planned_at, outcome="held", hold_reason="hypotension"
    )
    record.refresh_from_db()
    assert record.outcome == "held"
    assert record.hold_reason == "hypotension"
    assert record.given_at is None
    assert record.reason_text == "Systolic BP below 90 mmHg"
    assert status_of(dose) == Dose.Status.HELD


def test_a_held_record_never_keeps_a_stray_amount_or_time(dose, nurse):
    record = record_dose(
        dose,
        by=nurse,
        now=dose.planned_at,
        outcome="held",
        hold_reason="hypoxia",
        given_at=dose.planned_at,
        amount_iu=dose.course.dose_iu,
        given_by=nurse,
        not_given_reason="refused",
    )
    record.refresh_from_db()
    assert (record.given_at, record.amount_iu, record.given_by) == (None, None, None)
    assert record.not_given_reason == ""


@pytest.mark.parametrize("reason", ["refused", "unavailable"])
def test_recording_a_dose_as_not_given_stores_the_coded_reason(dose, nurse, reason):
    record = record_dose(
        dose, by=nurse, now=dose.planned_at, outcome="not_given", not_given_reason=reason
    )
    record.refresh_from_db()
    assert record.not_given_reason == reason
    assert status_of(dose) == Dose.Status.NOT_GIVEN


def test_not_given_for_another_reason_is_recorded_with_its_note(dose, nurse):
    record = record_dose(
        dose,
        by=nurse,
        now=dose.planned_at,
        outcome="not_given",
        not_given_reason="other",
        reason_note="line came out",
    )
    assert record.reason_text == "Other (see note) — line came out"
    assert status_of(dose) == Dose.Status.NOT_GIVEN


def test_marking_a_given_record_in_error_puts_the_dose_back_to_scheduled(dose, nurse):
    record = record_given(dose, nurse)
    later = dose.planned_at + timedelta(hours=2)
    marked = mark_entered_in_error(record, by=nurse, reason="  wrong patient  ", now=later)
    marked.refresh_from_db()
    assert marked.state == DoseRecord.State.ENTERED_IN_ERROR
    assert marked.error_reason == "wrong patient"
    assert marked.marked_in_error_by == nurse
    assert marked.marked_in_error_at == later
    assert status_of(dose) == Dose.Status.SCHEDULED
    assert not DoseRecord.objects.active().filter(dose=dose).exists()


def test_a_dose_marked_in_error_can_be_recorded_again(dose, nurse):
    mark_entered_in_error(record_given(dose, nurse), by=nurse, reason="wrong bag")
    record = record_dose(
        dose, by=nurse, now=dose.planned_at, outcome="held", hold_reason="hypoxia"
    )
    assert record.is_active
    assert dose.records.count() == 2
    assert status_of(dose) == Dose.Status.HELD


def test_correcting_a_record_replaces_it_with_a_new_one(dose, nurse):
    old = record_given(dose, nurse)
    new = correct_record(
        old,
        by=nurse,
        reason="was held, not given",
        now=dose.planned_at + timedelta(hours=1),
        outcome="held",
        hold_reason="hypotension",
    )
    old.refresh_from_db()
    assert old.state == DoseRecord.State.ENTERED_IN_ERROR
    assert old.error_reason == "was held, not given"
    assert old.marked_in_error_by == nurse
    assert new.replaces == old
    assert old.replaced_by == new
    assert new.is_active
    assert new.outcome == "held"
    assert status_of(dose) == Dose.Status.HELD
    assert list(DoseRecord.objects.active().filter(dose=dose)) == [new]


def test_a_record_on_a_discontinued_course_can_still_be_corrected(dose, nurse, clinician):
    old = record_given(dose, nurse)
    with time_machine.travel(dose.planned_at + timedelta(minutes=30)):
        discontinue_course(dose.course, by=clinician, code="intolerance")
    new = correct_record(
        old,
        by=nurse,
        reason="wrong amount",
        now=dose.planned_at + timedelta(hours=1),
        **given(
            dose, nurse, outcome="partial", amount_iu=Decimal("40000000"), partial_reason="line"
        ),
    )
    assert new.amount_iu == Decimal("40000000")
    assert new.replaces == old
    assert status_of(dose) == Dose.Status.PARTIAL


def test_a_record_on_a_completed_course_can_still_be_corrected(dose, nurse, clinician):
    old = record_given(dose, nurse)
    with time_machine.travel(dose.planned_at + timedelta(minutes=30)):
        record_discharge(dose.course, by=clinician, on=dose.planned_at.date())
    assert dose.course.status == "completed"
    new = correct_record(
        old,
        by=nurse,
        reason="patient refused",
        now=dose.planned_at + timedelta(hours=1),
        outcome="not_given",
        not_given_reason="refused",
    )
    assert new.replaces == old
    assert status_of(dose) == Dose.Status.NOT_GIVEN


# Refused changes -----------------------------------------------------------------------


def test_a_dose_of_a_course_cancelled_before_any_record_cannot_be_recorded(
    course, nurse, clinician
):
    dose = dose_number(course, 1)
    # Cancelled after dose 1's time: dose 1 stays scheduled, but its course is cancelled.
    with time_machine.travel(dose.planned_at + timedelta(minutes=30)):
        cancel_course(course, by=clinician, reason="entered for the wrong patient")
    message = assert_refused(dose, nurse, **given(dose, nurse))
    assert "course was cancelled" in message
    assert "cannot be recorded" in message


def test_a_past_dose_of_a_discontinued_course_can_still_be_recorded(course, nurse, clinician):
    dose = dose_number(course, 1)
    with time_machine.travel(dose.planned_at + timedelta(minutes=30)):
        discontinue_course(course, by=clinician, code="progression")
    record_given(dose, nurse)
    assert status_of(dose) == Dose.Status.GIVEN


def test_a_future_dose_of_a_discontinued_course_cannot_be_recorded(course, nurse, clinician):
    dose = dose_number(course, 2)
    with time_machine.travel(dose_number(course, 1).planned_at + timedelta(minutes=30)):
        discontinue_course(course, by=clinician, code="progression")
    message = assert_refused(dose, nurse, **given(dose, nurse))
    assert "cancelled" in message
    assert status_of(dose) == Dose.Status.CANCELLED


def test_a_cancelled_dose_cannot_be_recorded(course, nurse, clinician):
    with time_machine.travel(BEFORE_START):
        cancel_course(course, by=clinician, reason="mistake")
    dose = dose_number(course, 1)
    assert dose.status == Dose.Status.CANCELLED
    message = assert_refused(dose, nurse, **given(dose, nurse))
    assert "dose was cancelled" in message


def test_recording_a_dose_twice_is_refused_naming_the_first_record(dose, nurse):
    record_dose(dose, by=nurse, now=dose.planned_at, outcome="held", hold_reason="hypoxia")
    message = assert_refused(dose, make_user(Role.NURSE), **given(dose, nurse))
    assert "already recorded as held" in message
    assert "Nora Ward" in message
    # Recorded at 13:00 UTC, shown in the patient's zone: 08:00 EST.
    assert "08:00 EST" in message
    assert "correct that record" in message


def test_recording_a_stale_copy_of_an_already_recorded_dose_is_refused(dose, nurse):
    stale = Dose.objects.get(pk=dose.pk)
    record_given(dose, nurse)
    message = assert_refused(stale, nurse, outcome="not_given", not_given_reason="refused")
    assert "already recorded as given" in message
    assert DoseRecord.objects.filter(dose=dose).count() == 1


def test_a_given_time_more_than_five_minutes_ahead_is_refused(dose, nurse):
    now = dose.planned_at
    message = assert_refused(
        dose, nurse, now=now, **given(dose, nurse, given_at=now + timedelta(minutes=5, seconds=1))
    )
    assert "in the future" in message


@pytest.mark.parametrize("ahead", [timedelta(minutes=4), timedelta(minutes=5)])
def test_a_given_time_up_to_five_minutes_ahead_is_accepted(dose, nurse, ahead):
    now = dose.planned_at
    record = record_dose(dose, by=nurse, now=now, **given(dose, nurse, given_at=now + ahead))
    assert record.given_at == now + ahead


@pytest.mark.parametrize(
    "offset", [timedelta(hours=24, minutes=1), -timedelta(hours=24, minutes=1)]
)
def test_a_given_time_more_than_24_hours_from_the_planned_time_is_refused(dose, nurse, offset):
    given_at = dose.planned_at + offset
    message = assert_refused(
        dose,
        nurse,
        now=dose.planned_at + timedelta(days=3),
        **given(dose, nurse, given_at=given_at),
    )
    assert "more than 24 hours from the planned time" in message


def test_a_given_time_24_hours_after_the_planned_time_is_accepted_once_confirmed(nurse):
    # 5 days on, 2 off: Friday's dose given on Saturday falls in no other dose's slot.
    patient = PatientFactory(care_team=[nurse])
    course = make_course(patient, slug="sc-5on2off", start="2027-03-08 09:00")
    friday = dose_number(course, 5)
    given_at = friday.planned_at + timedelta(hours=24)
    record = record_dose(
        friday,
        by=nurse,
        now=given_at,
        **given(friday, nurse, given_at=given_at, different_time_reason="at home, a day late"),
    )
    assert record.given_at == given_at


def test_an_amount_above_the_prescribed_dose_by_more_than_the_rounding_is_refused(dose, nurse):
    too_much = dose.course.dose_iu + Decimal(900_001)
    message = assert_refused(dose, nurse, **given(dose, nurse, amount_iu=too_much))
    assert "more than the prescribed dose of 42 MIU" in message


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-1), None])
def test_a_given_dose_without_a_positive_amount_is_refused(dose, nurse, amount):
    message = assert_refused(dose, nurse, **given(dose, nurse, amount_iu=amount))
    assert "Enter the amount given" in message


@pytest.mark.parametrize("missing", ["given_at", "given_by"])
def test_a_given_dose_needs_its_time_and_who_gave_it(dose, nurse, missing):
    message = assert_refused(dose, nurse, **given(dose, nurse, **{missing: None}))
    assert "needs the time it started and who gave it" in message


@pytest.mark.parametrize("reason", ["", "not-a-reason", None])
def test_a_held_dose_without_a_coded_reason_is_refused(dose, nurse, reason):
    message = assert_refused(dose, nurse, outcome="held", hold_reason=reason)
    assert "Choose why the dose was held" in message


def test_a_not_given_dose_without_a_coded_reason_is_refused(dose, nurse):
    message = assert_refused(dose, nurse, outcome="not_given")
    assert "Choose why the dose was not given" in message


@pytest.mark.parametrize(
    "fields",
    [
        {"outcome": "held", "hold_reason": "other"},
        {"outcome": "held", "hold_reason": "institutional"},
        {"outcome": "not_given", "not_given_reason": "other"},
        {"outcome": "not_given", "not_given_reason": "other", "reason_note": "   "},
    ],
)
def test_an_other_reason_without_a_note_is_refused(dose, nurse, fields):
    message = assert_refused(dose, nurse, **fields)
    assert "Add a note" in message


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"outcome": "held"}, "hold_reason"),
        ({"outcome": "not_given"}, "not_given_reason"),
        ({"outcome": "held", "hold_reason": "other"}, "reason_note"),
    ],
)
def test_a_missing_reason_is_refused_beside_its_field(dose, nurse, fields, field):
    with pytest.raises(RecordRefused) as error:
        record_dose(dose, by=nurse, now=dose.planned_at, **fields)
    assert error.value.field == field


def test_marking_a_record_in_error_twice_is_refused(dose, nurse):
    record = record_given(dose, nurse)
    mark_entered_in_error(record, by=nurse, reason="wrong patient")
    with pytest.raises(RecordRefused) as error:
        mark_entered_in_error(record, by=nurse, reason="again")
    assert "already marked as entered in error" in error.value.message
    record.refresh_from_db()
    assert record.error_reason == "wrong patient"


@pytest.mark.parametrize("reason", ["", "   "])
def test_marking_a_record_in_error_needs_a_reason(dose, nurse, reason):
    record = record_given(dose, nurse)
    with pytest.raises(RecordRefused) as error:
        mark_entered_in_error(record, by=nurse, reason=reason)
    assert "Say why" in error.value.message
    record.refresh_from_db()
    assert record.is_active
    assert status_of(dose) == Dose.Status.GIVEN


def test_withdrawing_a_record_on_a_closed_course_leaves_the_dose_overdue(dose, nurse, clinician):
    record = record_given(dose, nurse)
    with time_machine.travel(dose.planned_at + timedelta(minutes=30)):
        discontinue_course(dose.course, by=clinician, code="patient_choice")
    later = dose.planned_at + timedelta(hours=2)
    mark_entered_in_error(record, by=nurse, reason="wrong patient", now=later)
    assert status_of(dose) == Dose.Status.SCHEDULED
    assert Dose.objects.overdue(later).filter(pk=dose.pk).exists()


def test_a_refused_correction_leaves_the_old_record_active(dose, nurse):
    old = record_given(dose, nurse)
    with pytest.raises(RecordRefused) as error:
        correct_record(
            old, by=nurse, reason="was held", now=dose.planned_at, outcome="held", hold_reason=""
        )
    assert "Choose why the dose was held" in error.value.message
    old.refresh_from_db()
    assert old.is_active
    assert DoseRecord.objects.filter(dose=dose).count() == 1
    assert status_of(dose) == Dose.Status.GIVEN


def test_correcting_a_record_already_in_error_is_refused(dose, nurse):
    old = record_given(dose, nurse)
    correct_record(
        old,
        by=nurse,
        reason="was held",
        outcome="held",
        hold_reason="hypoxia",
        now=dose.planned_at,
    )
    with pytest.raises(RecordRefused) as error:
        correct_record(
            old,
            by=nurse,
            reason="again",
            outcome="held",
            hold_reason="hypotension",
            now=dose.planned_at,
        )
    assert "already marked as entered in error" in error.value.message
    assert DoseRecord.objects.filter(dose=dose).count() == 2


# The database's own constraints ---------------------------------------------------------


def test_the_database_refuses_a_second_active_record_for_a_dose(dose, nurse):
    record_given(dose, nurse)
    with pytest.raises(IntegrityError), transaction.atomic():
        DoseRecord.objects.create(
            dose=dose, outcome="held", hold_reason="hypoxia", recorded_by=nurse
        )


def test_the_database_accepts_a_new_record_beside_one_entered_in_error(dose, nurse):
    DoseRecord.objects.create(
        dose=dose,
        outcome="held",
        hold_reason="hypoxia",
        recorded_by=nurse,
        state="entered_in_error",
        error_reason="wrong dose",
    )
    DoseRecord.objects.create(
        dose=dose, outcome="held", hold_reason="hypotension", recorded_by=nurse
    )
    assert dose.records.active().count() == 1


def test_the_database_refuses_a_given_record_without_its_time(dose, nurse):
    with pytest.raises(IntegrityError), transaction.atomic():
        DoseRecord.objects.create(
            dose=dose, outcome="given", amount_iu=1, given_by=nurse, recorded_by=nurse
        )


def test_the_database_refuses_a_held_record_without_a_reason(dose, nurse):
    with pytest.raises(IntegrityError), transaction.atomic():
        DoseRecord.objects.create(dose=dose, outcome="held", recorded_by=nurse)


def test_the_database_refuses_a_record_in_error_without_a_reason(dose, nurse):
    with pytest.raises(IntegrityError), transaction.atomic():
        DoseRecord.objects.create(
            dose=dose,
            outcome="held",
            hold_reason="hypoxia",
            recorded_by=nurse,
            state="entered_in_error",
        )


# History --------------------------------------------------------------------------------


def latest_history(obj):
    return obj.history.order_by("-history_id").first()


def test_recording_writes_history_with_the_nurse_and_a_reason(dose, nurse):
    record = record_given(dose, nurse)
    for row in (latest_history(record), latest_history(Dose.objects.get(pk=dose.pk))):
        assert row.history_user == nurse
        assert row.history_change_reason == "Recorded as Given"


def test_marking_in_error_writes_history_with_the_nurse_and_the_reason(dose, nurse):
    record = record_given(dose, nurse)
    other = make_user(Role.NURSE)
    mark_entered_in_error(record, by=other, reason="wrong patient")
    record_row = latest_history(record)
    dose_row = latest_history(Dose.objects.get(pk=dose.pk))
    assert (record_row.history_user, dose_row.history_user) == (other, other)
    assert record_row.history_change_reason == "Entered in error: wrong patient"
    assert record_row.state == "entered_in_error"
    assert dose_row.history_change_reason == "Record entered in error: wrong patient"
    assert dose_row.status == "scheduled"


def test_a_correction_writes_history_on_both_records_and_the_dose(dose, nurse):
    old = record_given(dose, nurse)
    other = make_user(Role.NURSE)
    new = correct_record(
        old,
        by=other,
        reason="was held",
        outcome="held",
        hold_reason="hypoxia",
        now=dose.planned_at,
    )
    old_row, new_row = latest_history(old), latest_history(new)
    dose_row = latest_history(Dose.objects.get(pk=dose.pk))
    assert {old_row.history_user, new_row.history_user, dose_row.history_user} == {other}
    assert old_row.history_change_reason == "Entered in error: was held"
    assert new_row.history_change_reason == "Correction: was held"
    assert dose_row.history_change_reason == "Correction: was held"
    assert dose_row.status == "held"


# Pre-dose checks --------------------------------------------------------------------------


def check(dose, nurse, decision, now=None, **values):
    return record_check(
        dose, by=nurse, decision=decision, now=now or dose.planned_at, **{**NORMAL, **values}
    )


def test_a_low_systolic_bp_fires_the_label_rule_and_suggests_holding(dose, nurse):
    saved, _ = check(dose, nurse, "hold", systolic_bp=85)
    assert [rule["text"] for rule in saved.fired_rules] == ["Systolic BP < 90 mmHg"]
    assert saved.suggestion == "hold"
    assert not saved.went_against_suggestion


def test_normal_observations_fire_nothing_and_suggest_giving(dose, nurse):
    saved, held = check(dose, nurse, "give")
    assert saved.fired_rules == []
    assert saved.suggestion == "give"
    assert held is None
    assert status_of(dose) == Dose.Status.SCHEDULED


def test_deciding_to_hold_records_the_held_dose_with_the_check(dose, nurse):
    saved, held = check(dose, nurse, "hold", systolic_bp=85)
    held.refresh_from_db()
    assert held.outcome == "held"
    assert held.hold_reason == "hypotension"
    assert held.pre_dose_check == saved
    assert held.reason_note == "Pre-dose check: Systolic BP < 90 mmHg (measured 85)"
    assert status_of(dose) == Dose.Status.HELD
    assert latest_history(held).history_change_reason == "Held after the pre-dose check"
    assert latest_history(saved).history_user == nurse


def test_a_dose_held_after_the_check_counts_as_held_in_its_cycle_and_course(dose, nurse):
    now = dose.planned_at
    before = dose.course.counts(now)
    check(dose, nurse, "hold", systolic_bp=85)
    after = dose.course.counts(now)
    assert (after.cycles[0].held, after.course.held) == (1, 1)
    assert after.cycles[0].remaining == before.cycles[0].remaining - 1 == 13
    assert after.course.remaining == before.course.remaining - 1 == 27
    assert after.cycles[1].remaining == 14


def test_a_nurse_cannot_decide_to_give_despite_a_fired_rule_even_with_a_note(dose, nurse):
    with pytest.raises(RecordRefused) as error:
        check(dose, nurse, "give", systolic_bp=85, decision_note="baseline BP 85")
    assert "withhold rules: Systolic BP < 90 mmHg" in error.value.message
    assert "only a clinician can authorise" in error.value.message
    assert not PreDoseCheck.objects.exists()
    assert not DoseRecord.objects.exists()


def test_a_nurse_may_ask_the_prescriber_and_the_dose_stays_scheduled(dose, nurse):
    saved, held = check(dose, nurse, "ask", systolic_bp=85)
    assert saved.decision == "ask"
    assert held is None
    assert status_of(dose) == Dose.Status.SCHEDULED
    assert not WithholdOverride.objects.exists()


def test_a_clinician_deciding_to_give_despite_a_fired_rule_authorises_it(dose, clinician):
    saved, held = check(
        dose, clinician, "give", systolic_bp=85, override_reason="Baseline BP 85, asymptomatic"
    )
    override = WithholdOverride.objects.get()
    assert (override.pre_dose_check, override.kind) == (saved, "fired_rules")
    assert override.authorised_by == clinician
    assert held is None


@pytest.mark.parametrize("reason", ["", ".", "ok", "...............", "12345678901234567"])
def test_a_clinician_giving_despite_a_fired_rule_needs_a_real_reason(dose, clinician, reason):
    with pytest.raises(RecordRefused) as error:
        check(dose, clinician, "give", systolic_bp=85, override_reason=reason)
    assert error.value.field == "override_reason"
    assert not PreDoseCheck.objects.exists()
    assert not WithholdOverride.objects.exists()


def test_holding_when_no_rule_fired_needs_a_note(dose, nurse):
    with pytest.raises(RecordRefused) as error:
        check(dose, nurse, "hold", hold_reason="institutional")
    assert "No rule suggests holding" in error.value.message
    assert not PreDoseCheck.objects.exists()
    assert status_of(dose) == Dose.Status.SCHEDULED


def test_holding_when_no_rule_fired_with_a_note_records_the_held_dose(dose, nurse):
    _, held = check(
        dose, nurse, "hold", hold_reason="institutional", decision_note="rigors, team aware"
    )
    assert held.hold_reason == "institutional"
    assert held.reason_note == "rigors, team aware"
    assert status_of(dose) == Dose.Status.HELD


def test_inactive_rules_never_fire(dose, nurse):
    # Heart rate > 130 and weight gain > 15% ship inactive.
    saved, _ = check(dose, nurse, "give", heart_rate=150, weight_kg=Decimal("90.0"))
    assert saved.fired_rules == []


def test_editing_a_rule_after_a_check_leaves_the_check_as_it_was(dose, nurse):
    saved, _ = check(dose, nurse, "hold", systolic_bp=85)
    rule = HoldRule.objects.get(measure="systolic_bp")
    rule.threshold, rule.hold_reason = Decimal("80"), "other"
    rule.save()
    saved.refresh_from_db()
    assert saved.fired_rules == [
        {
            "rule": rule.pk,
            "measure": "systolic_bp",
            "text": "Systolic BP < 90 mmHg",
            "hold_reason": "hypotension",
        }
    ]


def test_a_check_on_an_already_recorded_dose_is_refused(dose, nurse):
    record_given(dose, nurse)
    checks = PreDoseCheck.objects.count()
    with pytest.raises(RecordRefused) as error:
        check(dose, nurse, "hold", systolic_bp=85)
    assert "already recorded as given" in error.value.message
    assert PreDoseCheck.objects.count() == checks


def test_holding_a_dose_more_than_a_day_ahead_is_refused(course, nurse):
    dose = course.doses.get(dose_in_course=10)
    message = assert_refused(
        dose,
        nurse,
        outcome="held",
        hold_reason="hypoxia",
        now=datetime.fromisoformat(BEFORE_START),
    )
    assert "more than 24 hours away" in message


def test_withdrawing_a_future_record_of_a_stopped_course_cancels_the_dose(
    course, nurse, clinician
):
    dose = course.doses.get(dose_in_course=2)
    first_planned = course.doses.get(dose_in_course=1).planned_at
    record = record_dose(dose, by=nurse, outcome="held", hold_reason="hypoxia", now=first_planned)
    with time_machine.travel(first_planned + timedelta(minutes=30)):
        discontinue_course(course, by=clinician, code="progression")
        mark_entered_in_error(record, by=nurse, reason="wrong dose")
    assert status_of(dose) == Dose.Status.CANCELLED


# Found in review: guards against a double dose, a slipped decimal point and an unchecked IV dose.


def test_a_second_dose_given_too_soon_after_the_first_is_refused(course, nurse):
    first, second = course.doses.get(dose_in_course=1), course.doses.get(dose_in_course=2)
    record_dose(first, by=nurse, now=first.planned_at, **given(first, nurse))
    too_soon = first.planned_at + timedelta(hours=5, minutes=59)
    message = assert_refused(
        second, nurse, now=too_soon, **given(second, nurse, given_at=too_soon)
    )
    assert "less than 6 hours from this time" in message


def test_a_second_dose_six_hours_after_the_first_is_accepted(course, nurse):
    first, second = course.doses.get(dose_in_course=1), course.doses.get(dose_in_course=2)
    record_dose(first, by=nurse, now=first.planned_at, **given(first, nurse))
    at = first.planned_at + timedelta(hours=6)
    record_dose(second, by=nurse, now=at, **given(second, nurse, given_at=at))
    assert status_of(second) == Dose.Status.GIVEN


def test_less_than_the_prescribed_dose_cannot_be_recorded_as_given_even_with_a_note(dose, nurse):
    tenth = dose.course.dose_iu / 10
    fields = given(dose, nurse, amount_iu=tenth, notes="Infusion stopped: rigors")
    message = assert_refused(dose, nurse, **fields)
    assert "less than the prescribed 42 MIU" in message
    assert "partial dose" in message


def test_a_partial_dose_is_recorded_with_its_amount_and_reason(dose, nurse):
    tenth = dose.course.dose_iu / 10
    fields = given(dose, nurse, outcome="partial", amount_iu=tenth, partial_reason="reaction")
    record = record_dose(dose, by=nurse, now=dose.planned_at, **fields)
    assert (record.outcome, record.amount_iu) == ("partial", tenth)
    assert record.reason_text == "Infusion stopped for a reaction"
    assert status_of(dose) == Dose.Status.PARTIAL


def test_a_partial_dose_needs_its_reason(dose, nurse):
    tenth = dose.course.dose_iu / 10
    message = assert_refused(dose, nurse, **given(dose, nurse, outcome="partial", amount_iu=tenth))
    assert "Choose why less than the prescribed dose" in message
    other = given(dose, nurse, outcome="partial", amount_iu=tenth, partial_reason="other")
    assert "Add a note" in assert_refused(dose, nurse, **other)


def test_a_partial_dose_is_counted_apart_from_given_doses_and_toward_the_cap(course, nurse):
    first, second = dose_number(course, 1), dose_number(course, 2)
    record_given(first, nurse)
    tenth = course.dose_iu / 10
    at = second.planned_at
    fields = given(second, nurse, outcome="partial", amount_iu=tenth, partial_reason="line")
    record_dose(second, by=nurse, now=at, **fields)
    counts = course.counts(at)
    assert (counts.cycles[0].given, counts.cycles[0].partial) == (1, 1)
    assert counts.cycles[0].received == 2
    assert (counts.course.given, counts.course.partial) == (1, 1)


@pytest.mark.parametrize("off", [Decimal(-900_000), Decimal(-1), Decimal(1), Decimal(900_000)])
def test_an_amount_within_the_rounding_of_the_volume_is_recorded_as_prescribed(dose, nurse, off):
    entered = dose.course.dose_iu + off
    record = record_dose(
        dose, by=nurse, now=dose.planned_at, **given(dose, nurse, amount_iu=entered)
    )
    assert (record.outcome, record.amount_iu) == ("given", dose.course.dose_iu)
    assert "within the 0.1 mL rounding" in latest_history(record).history_change_reason


def test_an_amount_within_the_rounding_is_not_a_partial_dose(dose, nurse):
    entered = dose.course.dose_iu - Decimal(500_000)
    fields = given(dose, nurse, outcome="partial", amount_iu=entered, partial_reason="line")
    assert "record it as given" in assert_refused(dose, nurse, **fields)


def test_a_high_dose_iv_dose_without_a_check_is_refused_even_with_a_note(dose, nurse):
    fields = given(dose, nurse, checked=False, notes="Checks on the observation chart.")
    message = assert_refused(dose, nurse, **fields)
    assert "No pre-dose check is recorded" in message
    assert "A clinician (the prescriber) must authorise" in message
    record_check(
        dose, by=nurse, decision="give", now=dose.planned_at - timedelta(hours=1), **NORMAL
    )
    record_dose(dose, by=nurse, now=dose.planned_at, **given(dose, nurse, notes=""))
    assert status_of(dose) == Dose.Status.GIVEN


def test_a_clinician_may_give_without_a_check_with_a_reason_kept_on_the_record(dose, clinician):
    fields = given(dose, clinician, checked=False)
    with pytest.raises(RecordRefused):
        record_dose(dose, by=clinician, now=dose.planned_at, override_reason=".", **fields)
    record = record_dose(
        dose,
        by=clinician,
        now=dose.planned_at,
        override_reason="Observations done on the ICU chart at 12:50",
        **fields,
    )
    assert record.withhold_override.kind == "no_check"
    assert record.withhold_override.authorised_by == clinician
    assert "authorised by" in latest_history(record).history_change_reason


def test_a_check_more_than_three_hours_old_does_not_count(dose, nurse):
    record_check(
        dose,
        by=nurse,
        decision="give",
        now=dose.planned_at - timedelta(hours=3, minutes=1),
        **NORMAL,
    )
    message = assert_refused(dose, nurse, **given(dose, nurse, checked=False))
    assert "No pre-dose check" in message


def test_the_latest_check_decides_a_later_normal_check_needs_no_override(dose, nurse):
    check(dose, nurse, "ask", now=dose.planned_at - timedelta(minutes=40), systolic_bp=85)
    assert "withhold rules" in assert_refused(dose, nurse, **given(dose, nurse))
    check(dose, nurse, "give", now=dose.planned_at - timedelta(minutes=10))
    record = record_dose(dose, by=nurse, now=dose.planned_at, **given(dose, nurse))
    assert record.withhold_override is None
    assert record.pre_dose_check.systolic_bp == 120


def test_a_subcutaneous_dose_needs_no_pre_dose_check(nurse, clinician):
    course = make_course(
        PatientFactory(care_team=[nurse]),
        slug="sc-5on2off",
        start="2027-03-10 09:00",
        by=clinician,
    )
    dose = course.doses.get(dose_in_course=1)
    record_dose(dose, by=nurse, now=dose.planned_at, **given(dose, nurse, notes=""))
    assert status_of(dose) == Dose.Status.GIVEN
    assert not PreDoseCheck.objects.exists()


# The right dose slot ---------------------------------------------------------------------


def assert_asked(dose, nurse, now=None, **fields):
    """Call record_dose expecting a question; nothing written; return (message, what it asks)."""
    before = (DoseRecord.objects.count(), Dose.objects.get(pk=dose.pk).status)
    with pytest.raises(RecordRefused) as error:
        record_dose(dose, by=nurse, now=now or dose.planned_at, **fields)
    assert (DoseRecord.objects.count(), Dose.objects.get(pk=dose.pk).status) == before
    return error.value.message, error.value.asks


def test_a_time_in_another_doses_slot_is_refused_naming_the_nearest_dose(course, nurse):
    record_given(dose_number(course, 1), nurse)
    dose_3 = dose_number(course, 3)
    # Dose 2 is at 16:00 on Wednesday; a nurse charting it on dose 3's row at 16:10.
    at = dose_number(course, 2).planned_at + timedelta(minutes=10)
    message = assert_refused(dose_3, nurse, now=at, **given(dose_3, nurse, given_at=at))
    assert message == (
        "16:10 Wednesday is nearest dose 2, planned 16:00 Wednesday; this is dose 3, "
        "planned 00:00 Thursday. Record it against dose 2."
    )


def test_a_time_in_another_doses_slot_is_refused_even_when_confirmed(course, nurse):
    record_given(dose_number(course, 1), nurse)
    dose_3 = dose_number(course, 3)
    at = dose_number(course, 2).planned_at
    message = assert_refused(
        dose_3, nurse, now=at, **given(dose_3, nurse, given_at=at, different_time_reason="late")
    )
    assert "is nearest dose 2" in message


def test_a_time_outside_the_window_asks_to_confirm_a_different_time(dose, nurse):
    at = dose.planned_at + timedelta(hours=3)
    message, asks = assert_asked(dose, nurse, now=at, **given(dose, nurse, given_at=at))
    assert asks == {DIFFERENT_TIME}
    assert message == (
        "Check the dose: 11:00 Wednesday is 3 h after dose 1, planned 08:00 Wednesday; "
        "this course's doses are recorded within 2 h of their time. If it was given then, "
        "confirm it was given at a different time and say why."
    )


def test_a_time_at_the_edge_of_the_window_needs_no_confirmation(dose, nurse):
    at = dose.planned_at + timedelta(hours=2)
    record = record_dose(dose, by=nurse, now=at, **given(dose, nurse, given_at=at))
    assert record.different_time_reason == ""


def test_a_confirmed_different_time_is_kept_on_the_record_and_in_its_history(dose, nurse):
    at = dose.planned_at + timedelta(hours=3)
    fields = given(dose, nurse, given_at=at, different_time_reason=" line re-sited first ")
    record = record_dose(dose, by=nurse, now=at, **fields)
    record.refresh_from_db()
    assert record.different_time_reason == "line re-sited first"
    assert record.history.get().history_change_reason == (
        "Recorded as Given; given at a different time: line re-sited first"
    )


def test_a_reason_with_nothing_to_confirm_is_not_kept(dose, nurse):
    fields = given(dose, nurse, different_time_reason="no need")
    record = record_dose(dose, by=nurse, now=dose.planned_at, **fields)
    assert record.different_time_reason == ""


def test_a_daily_injection_charted_17_hours_early_is_questioned(nurse):
    # The walkthrough's D5: planned Monday 09:00, charted as given on Sunday at 16:03.
    patient = PatientFactory(care_team=[nurse], time_zone="Europe/London")
    course = make_course(patient, slug="sc-5on2off", start="2026-11-30 09:00")
    dose = dose_number(course, 1)
    at = datetime(2026, 11, 29, 16, 3, tzinfo=UTC)
    message, asks = assert_asked(dose, nurse, now=at, **given(dose, nurse, given_at=at))
    assert asks == {DIFFERENT_TIME}
    assert "16:03 Sunday is 16 h 57 min before dose 1, planned 09:00 Monday" in message
    assert "recorded within 12 h of their time" in message
    assert "The course has not started: its first dose, dose 1, is planned 09:00 Monday." in (
        message
    )


def test_a_daily_injection_within_12_hours_is_accepted(nurse):
    patient = PatientFactory(care_team=[nurse], time_zone="Europe/London")
    course = make_course(patient, slug="sc-5on2off", start="2026-11-30 09:00")
    dose = dose_number(course, 1)
    at = dose.planned_at + timedelta(hours=11)
    record = record_dose(dose, by=nurse, now=at, **given(dose, nurse, given_at=at))
    assert record.given_at == at


def test_a_first_dose_charted_before_the_course_starts_is_questioned(dose, nurse):
    at = dose.planned_at - timedelta(hours=1)
    message, asks = assert_asked(dose, nurse, now=at, **given(dose, nurse, given_at=at))
    assert asks == {DIFFERENT_TIME}
    assert "The course has not started: its first dose, dose 1, is planned 08:00 Wednesday." in (
        message
    )


def test_a_dose_given_while_an_earlier_dose_has_no_record_is_questioned(course, nurse):
    dose_2 = dose_number(course, 2)
    message, asks = assert_asked(dose_2, nurse, **given(dose_2, nurse))
    assert asks == {DIFFERENT_TIME}
    assert "Dose 1, planned 08:00 Wednesday, has no record yet." in message
    fields = given(dose_2, nurse, different_time_reason="dose 1 charted on paper")
    assert record_dose(dose_2, by=nurse, now=dose_2.planned_at, **fields).outcome == "given"


def test_holding_a_dose_while_an_earlier_dose_has_no_record_is_not_questioned(course, nurse):
    dose_2 = dose_number(course, 2)
    record = record_dose(
        dose_2, by=nurse, now=dose_2.planned_at, outcome="held", hold_reason="hypotension"
    )
    assert record.outcome == "held"


def test_a_correction_goes_through_the_same_window(dose, nurse):
    record = record_given(dose, nurse)
    at = dose.planned_at + timedelta(hours=2, minutes=30)
    with pytest.raises(RecordRefused) as error:
        correct_record(
            record, by=nurse, reason="wrong time", now=at, **given(dose, nurse, given_at=at)
        )
    assert error.value.asks == {DIFFERENT_TIME}
    record.refresh_from_db()
    assert record.state == DoseRecord.State.ACTIVE
    fields = given(dose, nurse, given_at=at, different_time_reason="started late")
    new = correct_record(record, by=nurse, reason="wrong time", now=at, **fields)
    assert new.different_time_reason == "started late"


def test_a_courses_window_comes_from_its_template_at_start(nurse):
    patient = PatientFactory(care_team=[nurse])
    iv = make_course(patient)
    sc = make_course(PatientFactory(), slug="sc-low-dose", start="2027-03-10 09:00")
    assert (iv.recording_window, sc.recording_window) == (timedelta(hours=2), timedelta(hours=12))


# Pre-dose checks: the time they were taken -------------------------------------------------


def checked(dose, nurse, **fields):
    return record_check(dose, by=nurse, decision="give", **NORMAL, **fields)


def test_a_check_keeps_the_time_it_was_taken(dose, nurse):
    taken = dose.planned_at - timedelta(minutes=10)
    saved, _ = checked(dose, nurse, taken_at=taken, now=dose.planned_at)
    saved.refresh_from_db()
    assert saved.taken_at == taken
    assert saved.recorded_at is not None


def test_a_check_without_a_time_taken_is_taken_now(dose, nurse):
    saved, _ = checked(dose, nurse, now=dose.planned_at)
    assert saved.taken_at == dose.planned_at


@pytest.mark.parametrize(
    "taken, message",
    [
        (timedelta(minutes=6), "The time taken is in the future."),
        (-timedelta(hours=12, minutes=1), "The time taken is more than 12 hours ago."),
    ],
)
def test_a_check_taken_in_the_future_or_too_long_ago_is_refused(dose, nurse, taken, message):
    now = dose.planned_at
    with pytest.raises(RecordRefused, match=message):
        checked(dose, nurse, taken_at=now + taken, now=now)
    assert not PreDoseCheck.objects.exists()


def test_a_check_charted_late_counts_from_when_it_was_taken(dose, nurse):
    # The walkthrough's D9: check taken 07:45, charted 07:53; the dose, given at 07:45,
    # is charted at 08:00 and corrected to 07:45 without a note.
    taken = dose.planned_at - timedelta(minutes=15)
    checked(dose, nurse, taken_at=taken, now=taken + timedelta(minutes=8))
    first = record_dose(dose, by=nurse, now=dose.planned_at, **given(dose, nurse, notes=""))
    corrected = correct_record(
        first,
        by=nurse,
        reason="started earlier",
        now=dose.planned_at + timedelta(minutes=10),
        **given(dose, nurse, given_at=taken, notes=""),
    )
    assert corrected.given_at == taken


# Urgent open alerts where a dose is given --------------------------------------------------


@pytest.fixture
def urgent(raise_alert, dose, nurse):
    return raise_alert(dose.course.patient, nurse, at=dose.planned_at - timedelta(hours=1))


def test_giving_a_dose_with_an_urgent_open_alert_unanswered_is_refused(dose, nurse, urgent):
    message, asks = assert_asked(dose, nurse, **given(dose, nurse))
    assert asks == {URGENT_ALERTS}
    assert message == (
        f"Patient has an urgent open alert: {urgent.text.rstrip('.')}. Acknowledge it or say why you proceed."
    )
    urgent.refresh_from_db()
    assert urgent.is_open


def test_acknowledging_the_urgent_alert_saves_the_dose_and_closes_the_alert(dose, nurse, urgent):
    record = record_dose(
        dose,
        by=nurse,
        now=dose.planned_at,
        urgent_alerts={urgent.pk: ACKNOWLEDGE},
        **given(dose, nurse),
    )
    urgent.refresh_from_db()
    assert (urgent.acknowledged_by, record.proceeded_past_alerts) == (nurse, [])
    assert urgent.acknowledgement_note == (
        "Acknowledged on recording Dose 1 (cycle 1, dose 1) as given."
    )


def test_proceeding_past_the_urgent_alert_needs_a_reason(dose, nurse, urgent):
    message, asks = assert_asked(
        dose, nurse, urgent_alerts={urgent.pk: PROCEED}, **given(dose, nurse)
    )
    assert asks == {URGENT_ALERTS}
    assert "Say why you proceed past the urgent alert" in message


def test_proceeding_past_the_urgent_alert_is_kept_on_the_record_and_in_its_history(
    dose, nurse, urgent
):
    record = record_dose(
        dose,
        by=nurse,
        now=dose.planned_at,
        urgent_alerts={urgent.pk: PROCEED},
        proceed_reason="BP recovered to 110 after fluids",
        **given(dose, nurse),
    )
    record.refresh_from_db()
    assert record.proceeded_past_alerts == [
        {"alert": urgent.pk, "text": urgent.text, "reason": "BP recovered to 110 after fluids"}
    ]
    assert record.history.get().history_change_reason == (
        f"Recorded as Given; given despite urgent alert {urgent.pk} ({urgent.text}): "
        "BP recovered to 110 after fluids"
    )
    urgent.refresh_from_db()
    assert urgent.is_open


def test_an_urgent_alert_raised_after_the_form_was_filled_is_asked_about(
    dose, nurse, urgent, raise_alert
):
    later = raise_alert(
        dose.course.patient, nurse, at=dose.planned_at, term="Capillary leak syndrome"
    )
    message, _ = assert_asked(
        dose, nurse, urgent_alerts={urgent.pk: ACKNOWLEDGE}, **given(dose, nurse)
    )
    assert message == (
        f"Patient has an urgent open alert: {later.text.rstrip('.')}. Acknowledge it or say why you proceed."
    )


def test_holding_a_dose_needs_no_answer_to_an_urgent_alert(dose, nurse, urgent):
    record = record_dose(
        dose, by=nurse, now=dose.planned_at, outcome="held", hold_reason="hypotension"
    )
    assert record.outcome == "held"


def test_a_high_alert_needs_no_answer(dose, nurse, raise_alert):
    raise_alert(dose.course.patient, nurse, grade=3, at=dose.planned_at)
    assert record_dose(dose, by=nurse, now=dose.planned_at, **given(dose, nurse)).pk


# Hepatic failure stops the course (docs/clinical-sources.md §1) ----------------------------


def test_a_new_hold_for_hepatic_failure_is_refused_the_course_stops_instead(dose, nurse):
    message = assert_refused(dose, nurse, outcome="held", hold_reason="hepatic")
    assert "stop the course rather than hold one dose" in message


def test_a_check_with_signs_of_hepatic_failure_needs_the_prescriber_to_give(dose, nurse):
    with pytest.raises(RecordRefused) as error:
        check(dose, nurse, "give", hepatic_failure="yes")
    assert "signs of hepatic failure (the label stops the course)" in error.value.message
    check(dose, nurse, "ask", now=dose.planned_at - timedelta(minutes=10), hepatic_failure="yes")
    message = assert_refused(dose, nurse, **given(dose, nurse))
    assert "the label stops the course" in message


def test_holding_after_signs_of_hepatic_failure_alone_says_so_in_the_note(dose, nurse):
    _, held = check(dose, nurse, "hold", hepatic_failure="yes")
    assert held.hold_reason == "other"
    assert "signs of hepatic failure (the label stops the course)" in held.reason_note


def test_an_override_is_written_only_when_the_record_is_saved(dose, clinician):
    check(dose, clinician, "ask", now=dose.planned_at - timedelta(minutes=10), systolic_bp=85)
    fields = given(dose, clinician, amount_iu=dose.course.dose_iu * 2)
    with pytest.raises(RecordRefused):
        record_dose(
            dose,
            by=clinician,
            now=dose.planned_at,
            override_reason="Baseline SBP 85, asymptomatic",
            **fields,
        )
    assert not WithholdOverride.objects.exists()


# Stepped doses and the admission weight (docs/dosing.md).


@pytest.fixture
def stepped_dose(nurse, clinician):
    """Dose 8 of the subcutaneous course: 9 MIU, where the first week's doses are 18."""
    patient = PatientFactory(care_team=[nurse, clinician])
    course = make_course(patient, slug="sc-5on2off", by=clinician, start="2027-03-08 09:00")
    for number in range(1, 8):
        record_given(dose_number(course, number), nurse)
    return dose_number(course, 8)


def test_a_stepped_dose_given_at_its_own_amount_is_given_not_partial(stepped_dose, nurse):
    assert stepped_dose.prescribed_iu == Decimal(9_000_000)
    fields = given(stepped_dose, nurse, amount_iu=Decimal(9_000_000))
    record = record_dose(stepped_dose, by=nurse, now=stepped_dose.planned_at, **fields)
    assert (record.outcome, record.amount_iu) == ("given", Decimal(9_000_000))


def test_the_first_weeks_amount_on_a_stepped_down_day_is_refused(stepped_dose, nurse):
    fields = given(stepped_dose, nurse, amount_iu=stepped_dose.course.dose_iu)
    assert "more than the prescribed dose of 9 MIU" in assert_refused(
        stepped_dose, nurse, **fields
    )


def test_weight_gain_counts_from_the_admission_weight_not_the_dosing_weight(nurse, clinician):
    HoldRule.objects.filter(measure="weight_gain_percent").update(is_active=True)
    patient = PatientFactory(care_team=[nurse, clinician], weight_kg=Decimal("130.0"))
    course = make_course(
        patient,
        by=clinician,
        weight_kg=Decimal("95.0"),
        weight_basis="adjusted",
        baseline_weight_kg=Decimal("130.0"),
    )
    first = dose_number(course, 1)
    with time_machine.travel(first.planned_at - timedelta(minutes=5), tick=False):
        check, _ = record_check(
            first, by=nurse, decision="give", weight_kg=Decimal("131.0"), **NORMAL
        )
    assert check.fired_rules == []
    second = dose_number(course, 2)
    with time_machine.travel(second.planned_at - timedelta(minutes=5), tick=False):
        check, _ = record_check(
            second,
            by=nurse,
            decision="hold",
            weight_kg=Decimal("151.0"),
            **NORMAL,
        )
    assert [rule["measure"] for rule in check.fired_rules] == ["weight_gain_percent"]

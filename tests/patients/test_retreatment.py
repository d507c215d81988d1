"""The "retreatment contraindicated" flag: set by a label stop, lifted by two clinicians."""

import pytest
import time_machine
from django.db import IntegrityError, transaction

from regimens.courses import CourseRefused, discontinue_course, start_refusals
from regimens.models import Course
from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.patients.models import RetreatmentContraindication as Flag
from tracker.patients.retreatment import FlagRefused, confirm_lift, request_lift

pytestmark = pytest.mark.django_db

BEFORE_START = "2027-03-10 12:00Z"
REASON = "Reviewed by cardiology: the chest pain was reflux, with a normal troponin."


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN)


@pytest.fixture
def second_clinician():
    return make_user(Role.CLINICIAN)


@pytest.fixture
def patient(clinician, second_clinician):
    return PatientFactory(care_team=[clinician, second_clinician])


def stopped(patient, clinician, code="ecg_ischaemia", note="ST elevation on day 2"):
    course = make_course(patient, by=clinician)
    with time_machine.travel(BEFORE_START, tick=False):
        discontinue_course(course, by=clinician, code=code, note=note)
    return course


@pytest.fixture
def flag(patient, clinician):
    stopped(patient, clinician)
    return patient.retreatment_flags.get()


# Setting the flag -----------------------------------------------------------------------


@pytest.mark.parametrize("code", Flag.Criterion.values[:-1])
def test_each_label_criterion_flags_the_patient(patient, clinician, code):
    course = stopped(patient, clinician, code=code)
    flag = patient.retreatment_flags.get()
    assert (flag.criterion, flag.course, flag.set_by) == (code, course, clinician)
    assert flag.status == Flag.Status.ACTIVE
    assert flag.note == "ST elevation on day 2"
    assert course.discontinue_reason == code


@pytest.mark.parametrize("code", ["hepatic", "intolerance", "progression", "patient_choice"])
def test_other_reasons_to_stop_do_not_flag_the_patient(patient, clinician, code):
    stopped(patient, clinician, code=code)
    assert not patient.retreatment_flags.exists()


def test_the_unspecified_label_toxicity_is_no_longer_a_choice(patient, clinician):
    course = make_course(patient, by=clinician)
    with time_machine.travel(BEFORE_START), pytest.raises(CourseRefused) as error:
        discontinue_course(course, by=clinician, code="toxicity")
    assert "which of the label's criteria" in error.value.message
    assert error.value.field == "code"
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert not patient.retreatment_flags.exists()


def test_the_label_criteria_come_first_in_the_reasons_to_stop():
    reasons = Course.DiscontinueReason.values
    criteria = Flag.Criterion.values[:-1]  # all but "not recorded"
    assert reasons[: len(criteria)] == criteria
    assert Course.DiscontinueReason.INTUBATION.label == "Intubation for more than 72 hours"


def test_the_flag_is_set_in_the_stops_history(flag, clinician):
    [row] = flag.history.all()
    assert row.history_user == clinician
    assert row.history_change_reason == (
        "Retreatment contraindicated: ECG changes of ischaemia or infarction, angina or chest pain"
    )


# A flagged patient starts no course ---------------------------------------------------


def test_a_flagged_patient_cannot_start_any_course(flag, patient, clinician):
    with pytest.raises(CourseRefused) as error:
        make_course(patient, by=clinician, slug="sc-5on2off", start="2027-09-01 09:00")
    assert error.value.message.startswith("Retreatment is contraindicated")
    assert "ECG changes of ischaemia or infarction, angina or chest pain, 10 Mar 2027" in (
        error.value.message
    )
    assert Course.objects.for_patient(patient).count() == 1


def test_no_override_reason_starts_a_course_for_a_flagged_patient(flag, patient, clinician):
    with pytest.raises(CourseRefused):
        make_course(
            patient, by=clinician, start="2027-09-01 08:00", override_reason="Trial protocol"
        )


def test_the_flag_is_the_only_refusal_shown(flag, patient, clinician):
    course = make_course(PatientFactory(), by=clinician, start="2027-09-01 08:00")
    [refusal] = start_refusals(patient, course, [], by=clinician, override_reason="x")
    assert "Retreatment is contraindicated" in refusal.message


# Lifting it: two different clinicians -------------------------------------------------


def test_asking_to_lift_keeps_the_flag_until_confirmed(flag, patient, clinician):
    request_lift(flag, by=clinician, reason=REASON)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.LIFT_REQUESTED
    assert (flag.lift_requested_by, flag.lift_reason) == (clinician, REASON)
    assert Flag.objects.for_patient(patient).active().count() == 1


def test_the_clinician_who_asked_cannot_confirm(flag, clinician):
    request_lift(flag, by=clinician, reason=REASON)
    with pytest.raises(FlagRefused) as error:
        confirm_lift(flag, by=clinician)
    assert "You asked to lift this flag, so you cannot confirm it" in error.value.message
    flag.refresh_from_db()
    assert flag.status == Flag.Status.LIFT_REQUESTED


def test_a_second_clinician_confirms_and_the_patient_may_start_again(
    flag, patient, clinician, second_clinician
):
    request_lift(flag, by=clinician, reason=REASON)
    confirm_lift(flag, by=second_clinician, note="Agreed")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.LIFTED
    assert (flag.lift_confirmed_by, flag.lift_confirm_note) == (second_clinician, "Agreed")
    assert not Flag.objects.for_patient(patient).active().exists()
    make_course(patient, by=second_clinician, slug="sc-5on2off", start="2027-09-01 09:00")


def test_a_lift_cannot_be_confirmed_before_it_is_asked_for(flag, second_clinician):
    with pytest.raises(FlagRefused) as error:
        confirm_lift(flag, by=second_clinician)
    assert "No clinician has asked to lift this flag yet" in error.value.message


@pytest.mark.parametrize("role", [Role.NURSE, Role.ADMIN, Role.PATIENT])
def test_only_a_clinician_can_ask_to_lift(flag, role):
    with pytest.raises(FlagRefused) as error:
        request_lift(flag, by=make_user(role), reason=REASON)
    assert "Only a clinician" in error.value.message
    flag.refresh_from_db()
    assert flag.status == Flag.Status.ACTIVE


@pytest.mark.parametrize("reason", ["", "ok", "   fine now     "])
def test_a_lift_needs_a_real_reason(flag, clinician, reason):
    with pytest.raises(FlagRefused) as error:
        request_lift(flag, by=clinician, reason=reason)
    assert "full sentence" in error.value.message
    assert error.value.field == "reason"


def test_a_lift_cannot_be_asked_for_twice(flag, clinician, second_clinician):
    request_lift(flag, by=clinician, reason=REASON)
    with pytest.raises(FlagRefused) as error:
        request_lift(flag, by=second_clinician, reason=REASON)
    assert "has already asked to lift this flag" in error.value.message


def test_the_database_refuses_the_same_clinician_asking_and_confirming(flag, clinician):
    request_lift(flag, by=clinician, reason=REASON)
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.filter(pk=flag.pk).update(
            status="lifted", lift_confirmed_by=clinician, lift_confirmed_at=flag.set_at
        )


def test_the_database_refuses_a_lift_with_no_one_asking(flag, clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.filter(pk=flag.pk).update(
            status="lifted", lift_confirmed_by=clinician, lift_confirmed_at=flag.set_at
        )


def test_the_database_refuses_a_lift_asked_for_without_a_reason(flag, clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.filter(pk=flag.pk).update(
            status="lift_requested", lift_requested_by=clinician, lift_requested_at=flag.set_at
        )


# Declining a lift -----------------------------------------------------------------------


def test_a_declined_lift_leaves_the_flag_barring_and_a_new_request_possible(
    flag, patient, clinician, second_clinician
):
    from tracker.patients.retreatment import decline_lift

    request_lift(flag, by=clinician, reason=REASON)
    decline_lift(flag, by=second_clinician, reason="Troponin rose on day 2: a real infarct.")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.ACTIVE
    assert (flag.lift_requested_by, flag.lift_reason) == (None, "")
    latest = flag.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Lift declined: Troponin rose on day 2: a real infarct."
    assert latest.history_user == second_clinician
    # The request itself stays in the history.
    assert flag.history.filter(lift_reason=REASON).exists()
    with pytest.raises(CourseRefused):
        make_course(patient, by=clinician, slug="sc-5on2off", start="2027-09-01 09:00")
    request_lift(flag, by=second_clinician, reason=REASON)


def test_only_a_waiting_lift_can_be_declined(flag, second_clinician):
    from tracker.patients.retreatment import decline_lift

    with pytest.raises(FlagRefused) as error:
        decline_lift(flag, by=second_clinician, reason="No")
    assert error.value.message == "No lift of this flag is waiting for a decision."


def test_a_nurse_cannot_decline_a_lift(flag, clinician):
    from tracker.patients.retreatment import decline_lift

    request_lift(flag, by=clinician, reason=REASON)
    with pytest.raises(FlagRefused):
        decline_lift(flag, by=make_user(Role.NURSE), reason="No")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.LIFT_REQUESTED

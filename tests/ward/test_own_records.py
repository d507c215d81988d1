"""The patient records their own home injection; a nurse verifies it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from regimens.models import Dose
from tests.factories import make_course, make_home_course, record_given, ship_dose_alert_rules
from tracker.alerts.dose_rules import alert_overdue_doses
from tracker.alerts.models import Alert, AlertRule
from tracker.ward.models import DoseRecord
from tracker.ward.recording import (
    RecordRefused,
    mark_entered_in_error,
    record_own_dose,
    verify_record,
)

# Dose 1 of the home course: Wed 3 Feb 2027 09:00 EST (14:00 UTC); overdue 4 h after,
# recorded unquestioned within 12 h of its time.
DOSE_1_AT = datetime(2027, 2, 3, 14, 0, tzinfo=UTC)
H = timedelta(hours=1)
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-02-03 14:20Z")]


@pytest.fixture
def course(personas):
    return make_home_course(personas.patient, start="2027-02-03 09:00")


@pytest.fixture
def dose(course):
    return course.doses.get(dose_in_course=1)


def inject(dose, by, *, at=None, site="abdomen_upper_left", **fields):
    return record_own_dose(
        dose, by=by, outcome="given", given_at=at or DOSE_1_AT, injection_site=site, **fields
    )


def test_an_injection_is_the_prescribed_dose_given_by_the_patient(personas, dose):
    record = inject(dose, personas.the_patient)
    assert record.outcome == "given"
    assert record.amount_iu == dose.prescribed_iu
    assert record.given_by == record.recorded_by == personas.the_patient
    assert record.source == DoseRecord.Source.PATIENT
    assert record.injection_site == "abdomen_upper_left"
    assert record.verified_at is None and record.awaits_verification
    dose.refresh_from_db()
    assert dose.status == Dose.Status.GIVEN
    assert record.history.first().history_change_reason == "Recorded by the patient as given"


def test_a_nurses_record_stays_from_the_staff_with_no_site(personas, dose):
    record = record_given(dose, personas.nurse_on_team)
    assert record.source == DoseRecord.Source.STAFF
    assert record.injection_site == ""


def test_it_refuses_a_dose_the_nurse_recorded_first_in_plain_words(personas, dose):
    record_given(dose, personas.nurse_on_team, now=DOSE_1_AT + timedelta(minutes=5))
    with pytest.raises(RecordRefused) as refused:
        inject(dose, personas.the_patient)
    assert refused.value.message == "Your nurse already recorded this dose at 09:05."
    assert DoseRecord.objects.filter(dose=dose).count() == 1


def test_it_refuses_a_ward_iv_dose(personas):
    iv = make_course(personas.patient, start="2027-02-03 08:00").doses.first()
    with pytest.raises(RecordRefused, match="Your nurse gives and records this dose"):
        inject(iv, personas.the_patient, at=iv.planned_at)
    assert not DoseRecord.objects.exists()


def test_it_refuses_a_time_in_the_future(personas, dose):
    with pytest.raises(RecordRefused, match="in the future"):
        inject(dose, personas.the_patient, at=DOSE_1_AT + 2 * H)


def test_it_refuses_a_time_longer_before_the_dose_than_its_window(personas, dose):
    with pytest.raises(RecordRefused, match="too long before") as refused:
        inject(dose, personas.the_patient, at=DOSE_1_AT - 13 * H)
    assert refused.value.field == "given_time"
    assert not DoseRecord.objects.exists()


@pytest.mark.now("2027-02-08 06:00Z")
def test_a_time_past_the_window_needs_the_patient_to_say_why(personas, course):
    # Dose 5, Sunday 09:00 EST: the next is on Wednesday, so 22:00 is still dose 5's.
    dose = course.doses.get(dose_in_course=5)
    late = dose.planned_at + 13 * H
    with pytest.raises(RecordRefused) as refused:
        inject(dose, personas.the_patient, at=late)
    assert refused.value.field == "different_time_reason"
    assert "say why below" in refused.value.message
    assert not DoseRecord.objects.exists()
    record = inject(dose, personas.the_patient, at=late, different_time_reason="Working late")
    assert record.different_time_reason == "Working late"


def test_it_needs_a_known_site(personas, dose):
    with pytest.raises(RecordRefused, match="Choose where you injected"):
        inject(dose, personas.the_patient, site="elbow")


def test_a_site_is_refused_by_the_database_on_a_dose_not_given(personas, dose):
    record = record_own_dose(
        dose, by=personas.the_patient, outcome="not_given", not_given_reason="unwell"
    )
    record.injection_site = "left_thigh"
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


def test_another_reason_needs_words(personas, dose):
    with pytest.raises(RecordRefused, match="Add a note"):
        record_own_dose(
            dose, by=personas.the_patient, outcome="not_given", not_given_reason="other"
        )


def test_a_staff_only_reason_is_refused(personas, dose):
    with pytest.raises(RecordRefused, match="Choose why you did not take it"):
        record_own_dose(
            dose, by=personas.the_patient, outcome="not_given", not_given_reason="unavailable"
        )


# Missed: the team is told once.


@pytest.fixture
def rules(db):
    return ship_dose_alert_rules()


@pytest.mark.now("2027-02-04 07:00Z")
def test_a_missed_dose_raises_one_alert_at_the_overdue_rules_severity(personas, dose, rules):
    record = record_own_dose(
        dose, by=personas.the_patient, outcome="not_given", not_given_reason="missed"
    )
    [alert] = Alert.objects.filter(dose=dose)
    assert alert.trigger == Alert.Trigger.DOSE_OVERDUE
    assert alert.severity == rules[Alert.Trigger.DOSE_OVERDUE].severity
    assert alert.text.endswith("the patient says dose 1 was missed.")
    assert alert.created_at == record.recorded_at
    # The overdue sweep has nothing more to say: the dose is recorded.
    assert alert_overdue_doses() == 0
    assert Alert.objects.filter(dose=dose).count() == 1


@pytest.mark.now("2027-02-04 07:00Z")
def test_a_dose_already_alerted_as_overdue_raises_nothing_more(personas, dose, rules):
    assert alert_overdue_doses() == 1
    record_own_dose(dose, by=personas.the_patient, outcome="not_given", not_given_reason="missed")
    assert Alert.objects.filter(dose=dose).count() == 1


def test_too_unwell_says_so_in_the_alert(personas, dose, rules):
    record_own_dose(dose, by=personas.the_patient, outcome="not_given", not_given_reason="unwell")
    assert Alert.objects.get(dose=dose).text.endswith(
        "the patient says dose 1 was not taken (felt too unwell)."
    )


def test_with_no_overdue_rule_active_nothing_is_raised(personas, dose):
    AlertRule.objects.filter(trigger=Alert.Trigger.DOSE_OVERDUE).update(active=False)
    record_own_dose(dose, by=personas.the_patient, outcome="not_given", not_given_reason="missed")
    assert not Alert.objects.exists()


# Verifying.


def test_a_nurse_verifies_the_patients_record_with_a_history_row(personas, dose):
    record = inject(dose, personas.the_patient)
    verify_record(record, by=personas.nurse_on_team)
    record.refresh_from_db()
    assert record.verified_by == personas.nurse_on_team
    assert record.verified_at is not None and not record.awaits_verification
    latest = record.history.first()
    assert latest.history_change_reason == "Verified the patient's record"
    assert latest.history_user == personas.nurse_on_team


def test_it_verifies_a_record_once(personas, dose):
    record = inject(dose, personas.the_patient)
    verify_record(record, by=personas.nurse_on_team)
    with pytest.raises(RecordRefused, match="already verified"):
        verify_record(record, by=personas.clinician_on_team)


def test_a_staff_record_needs_no_verifying(personas, dose):
    record = record_given(dose, personas.nurse_on_team)
    with pytest.raises(RecordRefused, match="Only a record the patient made"):
        verify_record(record, by=personas.clinician_on_team)


def test_a_record_entered_in_error_is_not_verified(personas, dose):
    record = inject(dose, personas.the_patient)
    mark_entered_in_error(record, by=personas.nurse_on_team, reason="Wrong day, she says")
    with pytest.raises(RecordRefused, match="entered in error"):
        verify_record(record, by=personas.nurse_on_team)


def test_the_database_refuses_a_verified_staff_record(personas, dose):
    record = record_given(dose, personas.nurse_on_team)
    record.verified_by, record.verified_at = personas.nurse_on_team, DOSE_1_AT
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


def test_recent_sites_are_the_patients_own_most_recent_first(personas, course):
    first, second = course.doses.order_by("dose_in_course")[:2]
    inject(first, personas.the_patient, site="left_thigh")
    record_given(second, personas.nurse_on_team, now=second.planned_at)
    assert DoseRecord.objects.recent_sites(personas.patient) == ["left_thigh"]

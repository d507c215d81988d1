"""Saving a thyroid result: its range, its flag, the alert it raises, and every refusal."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.thyroid.models import ThyroidResult
from tracker.thyroid.recording import ResultRefused, mark_entered_in_error, record_result

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal


@pytest.fixture
def nurse():
    return make_user(Role.NURSE)


@pytest.fixture
def patient(nurse):
    return PatientFactory(care_team=[nurse])


def record(patient, nurse, **fields):
    fields = {
        "test": "tsh",
        "value": D("2.1"),
        "unit": "mIU/L",
        "collected_at": NOW - timedelta(hours=2),
        **fields,
    }
    return record_result(patient, by=nurse, **fields)


def assert_nothing_written():
    assert ThyroidResult.objects.count() == 0
    assert Alert.objects.count() == 0


def test_an_empty_range_takes_the_default_for_the_test_and_unit(patient, nurse):
    result = record(patient, nurse, test="ft4", value=D("15"), unit="pmol/L")
    # 0.8–1.8 ng/dL × 12.87: the same range as in ng/dL.
    assert (result.range_low, result.range_high) == (D("10.296"), D("23.166"))


def test_the_labs_own_range_is_kept(patient, nurse):
    result = record(patient, nurse, range_low=D("0.27"), range_high=D("4.2"))
    result.refresh_from_db()
    assert (result.range_low, result.range_high) == (D("0.27"), D("4.2"))


def test_a_one_sided_range_is_kept_as_given(patient, nurse):
    result = record(patient, nurse, test="tpo", value=D("50"), unit="IU/mL", range_high=D("60"))
    assert (result.range_low, result.range_high, result.flag) == (None, D("60"), "normal")


@pytest.mark.parametrize(
    "value, flag", [(D("0.4"), "normal"), (D("0.399"), "low"), (D("4.501"), "high")]
)
def test_the_flag_is_stored_against_the_range(patient, nurse, value, flag):
    result = record(patient, nurse, value=value)
    assert ThyroidResult.objects.get(pk=result.pk).flag == flag


def test_the_flag_is_read_against_the_labs_range_not_the_default(patient, nurse):
    result = record(patient, nurse, value=D("4.4"), range_low=D("0.5"), range_high=D("4.0"))
    assert result.flag == "high"


def test_an_abnormal_result_alerts_the_care_team(patient, nurse):
    result = record(patient, nurse, value=D("8.2"))
    alert = Alert.objects.get()
    assert alert.thyroid_result == result
    assert alert.patient == patient
    assert alert.trigger == Alert.Trigger.THYROID
    assert alert.text == f"{patient.full_name}: TSH 8.2 mIU/L is high."


def test_a_normal_result_raises_no_alert(patient, nurse):
    record(patient, nurse, value=D("2.1"))
    assert Alert.objects.count() == 0


def test_a_collection_time_in_the_future_is_refused(patient, nurse):
    with pytest.raises(ResultRefused, match="in the future"):
        record(patient, nurse, collected_at=NOW + timedelta(minutes=6))
    assert_nothing_written()


def test_a_collection_before_the_patient_was_born_is_refused(patient, nurse):
    # 14 June 1970, 23:00 in New York is already the 15th, the birthday, in UTC.
    before_birth = datetime(1970, 6, 15, 3, 0, tzinfo=UTC)
    with pytest.raises(ResultRefused, match="before the patient's date of birth"):
        record(patient, nurse, collected_at=before_birth)
    assert_nothing_written()


def test_a_clock_a_little_fast_is_allowed(patient, nurse):
    result = record(patient, nurse, collected_at=NOW + timedelta(minutes=4))
    assert result.collected_at == NOW + timedelta(minutes=4)


def test_another_patients_course_is_refused(patient, nurse):
    other = PatientFactory()
    course = make_course(other, slug="hd-iv-label", start="2027-03-10 08:00")
    with pytest.raises(ResultRefused, match="another patient's"):
        record(patient, nurse, value=D("9"), course=course)
    assert_nothing_written()


def test_another_patients_dose_is_refused(patient, nurse):
    course = make_course(PatientFactory(), slug="hd-iv-label", start="2027-03-10 08:00")
    with pytest.raises(ResultRefused, match="another patient's"):
        record(patient, nurse, dose=course.doses.first())
    assert_nothing_written()


def test_a_dose_links_its_course(patient, nurse):
    course = make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    dose = course.doses.get(dose_in_course=1)
    result = record(patient, nurse, dose=dose)
    assert (result.course, result.dose) == (course, dose)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"unit": "ng/dL"}, "ng/dL is not a unit for TSH: use mIU/L."),
        ({"test": "t7"}, "t7 is not a thyroid test this app knows."),
        ({"range_low": D("5"), "range_high": D("1")}, "lower limit is above its upper limit"),
        ({"value": D("-1")}, "The value must be a number from 0"),
        ({"value": D("10000000")}, "The value must be a number from 0"),
        ({"value": D("1.2345")}, "at most 3 decimal places"),
        ({"value": "abc"}, "The value is not a number."),
        ({"value": D("NaN")}, "The value must be a number"),
        ({"range_high": D("-0.5")}, "The upper limit must be a number"),
    ],
)
def test_bad_values_are_refused_with_a_message(patient, nurse, fields, message):
    with pytest.raises(ResultRefused, match=message):
        record(patient, nurse, **fields)
    assert_nothing_written()


def test_the_history_row_names_who_recorded_it(patient, nurse):
    result = record(patient, nurse, note="  drawn before dose 1  ")
    (row,) = result.history.all()
    assert row.history_user == nurse
    assert row.history_change_reason == "Recorded"
    assert row.history_type == "+"
    assert result.note == "drawn before dose 1"
    assert result.recorded_by == nurse


def test_a_result_entered_in_error_is_kept_with_its_reason(patient, nurse):
    result = record(patient, nurse, value=D("8.2"))
    mark_entered_in_error(result, by=nurse, reason=" Another patient's sample ")
    result.refresh_from_db()
    assert result.state == ThyroidResult.State.ENTERED_IN_ERROR
    assert result.error_reason == "Another patient's sample"
    latest = result.history.first()
    assert latest.history_user == nurse
    assert latest.history_change_reason == "Entered in error: Another patient's sample"
    assert ThyroidResult.objects.count() == 1
    assert Alert.objects.count() == 1  # the care team still acknowledges it


def test_marking_in_error_needs_a_reason_and_happens_once(patient, nurse):
    result = record(patient, nurse)
    with pytest.raises(ResultRefused, match="Say why"):
        mark_entered_in_error(result, by=nurse, reason="  ")
    mark_entered_in_error(result, by=nurse, reason="wrong tube")
    with pytest.raises(ResultRefused, match="already"):
        mark_entered_in_error(result, by=nurse, reason="again")
    assert ThyroidResult.objects.get().error_reason == "wrong tube"


# Results beyond the assay's limit.


def test_a_tsh_below_the_assays_limit_is_stored_as_the_limit_and_flagged_low(patient, nurse):
    result = record(patient, nurse, value=D("0.01"), qualifier="<")
    result.refresh_from_db()
    assert (result.value, result.qualifier, result.flag) == (D("0.01"), "<", "low")
    assert str(result) == "TSH <0.01 mIU/L"
    assert Alert.objects.get().text.endswith("TSH <0.01 mIU/L is low.")


def test_a_limit_the_range_cannot_flag_is_refused_and_nothing_written(patient, nurse):
    with pytest.raises(ResultRefused, match="could be inside or outside the range"):
        record(patient, nurse, value=D("0.5"), qualifier="<")
    assert_nothing_written()


def test_an_unknown_qualifier_is_refused(patient, nurse):
    with pytest.raises(ResultRefused, match='starts with "<" or ">" only'):
        record(patient, nurse, value=D("0.5"), qualifier="~")
    assert_nothing_written()

"""Readings a patient records at home: charted as the ward's entries, marked as the patient's,
and read against the home-reading alert rules (docs/observations.md, "Readings at home")."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import make_home_course
from tracker.alerts.models import Alert
from tracker.observations import home
from tracker.observations.charting import ChartRefused
from tracker.observations.fluids import chart_weight
from tracker.observations.models import VitalSigns, WeightEntry
from tracker.observations.vitals import chart_vitals

# 10:00 in New York (EST) on 12 March 2027.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal


@pytest.fixture
def record(personas):
    def record_it(*, minutes_ago=5, **values):
        return home.record_readings(
            personas.patient,
            by=personas.the_patient,
            taken_at=NOW - timedelta(minutes=minutes_ago),
            **values,
        )

    return record_it


def reading_alerts():
    return Alert.objects.filter(trigger=Alert.Trigger.READING)


def test_a_temperature_and_a_weight_are_charted_as_the_patients_own(record, personas):
    vitals, weight = record(temperature_c=D("37.1"), weight_kg=D("70.4"))

    assert isinstance(vitals, VitalSigns) and isinstance(weight, WeightEntry)
    for entry in (vitals, weight):
        entry.refresh_from_db()
        assert entry.source == "patient" and entry.is_patient_reported
        assert entry.recorded_by == personas.the_patient
        assert entry.history.count() == 1
    assert vitals.temperature_c == D("37.1") and vitals.systolic_bp is None
    assert str(weight) == "Weight 70.4 kg (patient at home)"
    assert not reading_alerts().exists()


def test_a_ward_entry_is_the_care_teams(personas, course):
    entry = chart_vitals(
        personas.patient, by=personas.nurse_on_team, taken_at=NOW, temperature_c=D("37.0")
    )
    assert entry.source == "staff" and not entry.is_patient_reported


@pytest.mark.parametrize(
    ("temperature", "alerted"), [(D("37.9"), False), (D("38.0"), True), (D("38.1"), True)]
)
def test_a_temperature_alerts_from_38_0(record, temperature, alerted):
    record(temperature_c=temperature)
    assert reading_alerts().count() == (1 if alerted else 0)


def test_a_fever_raises_one_high_alert_pointing_to_the_reading(record, personas):
    (vitals,) = record(temperature_c=D("38.4"), systolic_bp=120, diastolic_bp=80)

    alert = reading_alerts().get()
    assert alert.severity == "high"
    assert alert.vital_signs == vitals and alert.weight_entry is None
    assert alert.rule.name == "Temperature of 38.0 °C or more at home"
    assert alert.patient == personas.patient
    assert "recorded at home: temperature 38.4 °C, at or above 38 °C" in alert.text
    assert home.alert_severity([vitals]) == "high"


def test_above_40_0_the_urgent_rule_wins_and_the_alert_is_still_one(record):
    record(temperature_c=D("40.1"))
    alert = reading_alerts().get()
    assert alert.severity == "urgent"


def test_a_low_systolic_bp_alerts_below_90_and_not_at_it(record):
    record(systolic_bp=90, diastolic_bp=60)
    assert not reading_alerts().exists()
    record(systolic_bp=89, diastolic_bp=60)
    assert reading_alerts().get().text.endswith("systolic BP 89 mmHg, below 90 mmHg.")


@pytest.mark.parametrize(("weight", "alerted"), [(D("73.4"), False), (D("73.5"), True)])
def test_with_no_course_a_weight_gain_counts_from_the_registered_weight(
    record, personas, weight, alerted
):
    assert personas.patient.weight_kg == D("70.0")
    record(weight_kg=weight)
    assert reading_alerts().filter(weight_entry__isnull=False).count() == (1 if alerted else 0)


@pytest.mark.parametrize(("weight", "alerted"), [(D("83.9"), False), (D("84.0"), True)])
def test_on_a_course_a_weight_gain_counts_from_its_admission_weight(
    record, personas, weight, alerted
):
    course = make_home_course(personas.patient)
    type(course).objects.filter(pk=course.pk).update(baseline_weight_kg=D("80.0"))
    (entry,) = record(weight_kg=weight)
    assert entry.course == course
    assert reading_alerts().count() == (1 if alerted else 0)
    if alerted:
        assert "weight gain 5.0 %, at or above 5 %" in reading_alerts().get().text


def test_a_staff_entry_does_not_raise_the_home_rules(personas):
    chart_vitals(
        personas.patient, by=personas.nurse_on_team, taken_at=NOW, temperature_c=D("39.0")
    )
    chart_weight(personas.patient, by=personas.nurse_on_team, taken_at=NOW, weight_kg=D("90.0"))
    assert not reading_alerts().exists()


def test_a_switched_off_rule_raises_nothing(record):
    from tracker.alerts.models import AlertRule

    AlertRule.objects.filter(trigger="reading", measure="temperature_c").update(active=False)
    record(temperature_c=D("39.0"))
    assert not reading_alerts().exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"temperature_c": D("45.1")}, "temperature_c"),
        ({"weight_kg": D("900.0")}, "weight_kg"),
        ({"systolic_bp": 120}, "diastolic_bp"),
        ({"systolic_bp": 80, "diastolic_bp": 90}, "diastolic_bp"),
        ({}, None),
    ],
)
def test_an_implausible_reading_is_refused_and_nothing_is_written(record, values, field):
    with pytest.raises(ChartRefused) as refused:
        record(**values)
    assert refused.value.field == field
    assert not VitalSigns.objects.exists() and not WeightEntry.objects.exists()


def test_a_refused_weight_takes_the_temperature_with_it(record):
    with pytest.raises(ChartRefused):
        record(temperature_c=D("38.5"), weight_kg=D("5.0"))
    assert not VitalSigns.objects.exists() and not reading_alerts().exists()


def test_a_time_still_to_come_is_refused(record):
    with pytest.raises(ChartRefused, match="still to come"):
        record(minutes_ago=-30, temperature_c=D("37.0"))


def test_a_time_before_today_on_the_patients_clock_is_refused(record):
    # 10:00 in New York: 05:00 UTC is midnight there, so 11 hours ago is yesterday.
    with pytest.raises(ChartRefused, match="taken today"):
        record(minutes_ago=11 * 60, temperature_c=D("37.0"))
    (entry,) = record(minutes_ago=9 * 60, temperature_c=D("37.0"))
    assert entry.pk


def test_the_list_holds_two_weeks_of_the_patients_own_readings_newest_first(
    record, personas, clock
):
    older = record(minutes_ago=60, temperature_c=D("37.0"))[0]
    newer = record(minutes_ago=5, weight_kg=D("70.2"))[0]
    chart_vitals(
        personas.patient, by=personas.nurse_on_team, taken_at=NOW, temperature_c=D("37.5")
    )
    assert home.recent_readings(personas.patient, NOW) == [newer, older]
    assert home.recent_readings(personas.patient, NOW + timedelta(days=15)) == []


def test_the_patient_withdraws_a_reading_of_today_and_its_alert_stays_open(record, personas):
    (entry,) = record(temperature_c=D("38.5"))
    home.mark_entered_in_error(entry, by=personas.the_patient, reason="Thermometer after tea")
    entry.refresh_from_db()
    assert not entry.is_active and entry.error_reason == "Thermometer after tea"
    assert reading_alerts().open().count() == 1


def test_a_reading_of_an_earlier_day_is_not_withdrawn_by_the_patient(record, personas):
    (entry,) = record(temperature_c=D("37.5"))
    with pytest.raises(ChartRefused, match="today"):
        home.mark_entered_in_error(
            entry, by=personas.the_patient, reason="wrong", now=NOW + timedelta(days=1)
        )


def test_a_set_meeting_two_rules_is_one_alert_naming_both(record):
    (vitals,) = record(temperature_c=D("38.2"), systolic_bp=85, diastolic_bp=50)
    alert = reading_alerts().get()
    assert alert.vital_signs == vitals and alert.severity == "high"
    assert "temperature 38.2 °C, at or above 38 °C" in alert.text
    assert "systolic BP 85 mmHg, below 90 mmHg" in alert.text

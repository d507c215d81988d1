"""Vital signs: what a set may hold, the flags it shows, charting it and marking it in error."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tracker.observations.charting import ChartRefused
from tracker.observations.models import VitalSigns
from tracker.observations.models.vitals import mean_arterial_pressure
from tracker.observations.vitals import chart_vitals, mark_entered_in_error

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal

FULL_SET = {
    "systolic_bp": 118,
    "diastolic_bp": 74,
    "heart_rate": 88,
    "rhythm": "sinus",
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "temperature_c": D("37.2"),
    "alert_oriented": True,
    "cognitive_test": "passed",
    "sedation": "alert",
}


@pytest.fixture
def chart(personas, course):
    """Chart a set for the patient, taken `minutes_ago`, by the nurse on the team."""

    def chart_it(*, minutes_ago=10, by=None, **values):
        return chart_vitals(
            personas.patient,
            by=by or personas.nurse_on_team,
            taken_at=NOW - timedelta(minutes=minutes_ago),
            **values,
        )

    return chart_it


def refusal(chart, **values) -> ChartRefused:
    with pytest.raises(ChartRefused) as refused:
        chart(**values)
    assert not VitalSigns.objects.exists()
    return refused.value


# Charting.


def test_a_full_set_is_charted_on_the_current_course_with_its_history(chart, personas, course):
    entry = chart(**FULL_SET, note="after mobilising")
    stored = VitalSigns.objects.get()
    assert stored == entry
    assert (stored.systolic_bp, stored.diastolic_bp, stored.temperature_c) == (118, 74, D("37.2"))
    assert stored.course == course
    assert stored.taken_at == NOW - timedelta(minutes=10)
    assert (stored.recorded_by, stored.recorded_at) == (personas.nurse_on_team, NOW)
    assert stored.note == "after mobilising"
    history = stored.history.get()
    assert history.history_user == personas.nurse_on_team
    assert history.history_change_reason == "Vital signs charted"


def test_a_set_may_hold_blood_pressure_and_heart_rate_only(chart):
    entry = chart(systolic_bp=100, diastolic_bp=60, heart_rate=90)
    assert entry.spo2 is None and entry.oxygen_device == "" and entry.rhythm == ""
    assert entry.cognitive_test == "not_done"
    assert entry.measures == [
        "systolic_bp",
        "diastolic_bp",
        "mean_arterial_pressure",
        "heart_rate",
    ]


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"cognitive_test": "not_done"},
        {"note": "patient asleep"},
        {"rhythm": "", "sedation": "", "oxygen_device": ""},
    ],
)
def test_it_refuses_a_set_without_a_measurement(chart, values):
    refused = refusal(chart, **values)
    assert refused.message == "Enter at least one measurement."
    assert refused.field is None


@pytest.mark.parametrize(
    "values",
    [
        {"alert_oriented": False},
        {"cognitive_test": "failed"},
        {"sedation": "voice"},
        {"temperature_c": D("36.5")},
        {"respiratory_rate": 14},
    ],
)
def test_one_measurement_of_any_kind_is_a_set(chart, values):
    assert chart(**values).pk


@pytest.mark.parametrize(
    "field, low, high",
    [
        ("systolic_bp", 40, 300),
        ("heart_rate", 20, 250),
        ("respiratory_rate", 4, 60),
        ("spo2", 50, 100),
        ("temperature_c", D("30.0"), D("45.0")),
    ],
)
def test_each_measure_is_charted_at_the_ends_of_its_range(chart, field, low, high):
    values = {"oxygen_device": "room_air"} if field == "spo2" else {}
    extra = {"diastolic_bp": 30} if field == "systolic_bp" else {}
    for value in (low, high):
        entry = chart(**{field: value, **values, **extra})
        assert getattr(entry, field) == value


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("systolic_bp", 39, "Systolic BP must be between 40 and 300 mmHg."),
        ("systolic_bp", 301, "Systolic BP must be between 40 and 300 mmHg."),
        ("diastolic_bp", 19, "Diastolic BP must be between 20 and 200 mmHg."),
        ("diastolic_bp", 201, "Diastolic BP must be between 20 and 200 mmHg."),
        ("heart_rate", 19, "Heart rate must be between 20 and 250/min."),
        ("heart_rate", 251, "Heart rate must be between 20 and 250/min."),
        ("respiratory_rate", 3, "Respiratory rate must be between 4 and 60/min."),
        ("respiratory_rate", 61, "Respiratory rate must be between 4 and 60/min."),
        ("spo2", 49, "SpO₂ must be between 50 and 100%."),
        ("spo2", 101, "SpO₂ must be between 50 and 100%."),
        ("temperature_c", D("29.9"), "Temperature must be between 30 and 45 °C (86–113 °F)."),
        ("temperature_c", D("45.1"), "Temperature must be between 30 and 45 °C (86–113 °F)."),
        ("oxygen_flow_l_min", D("0.0"), "Oxygen flow must be between 0.1 and 80 L/min."),
        ("oxygen_flow_l_min", D("80.1"), "Oxygen flow must be between 0.1 and 80 L/min."),
    ],
)
def test_it_refuses_a_value_outside_its_plausible_range(chart, field, value, message):
    values = {
        "systolic_bp": {"systolic_bp": value, "diastolic_bp": 30},
        "diastolic_bp": {"systolic_bp": 250, "diastolic_bp": value},
        "spo2": {"spo2": value, "oxygen_device": "room_air"},
        "oxygen_flow_l_min": {
            "spo2": 95,
            "oxygen_device": "nasal_cannula",
            "oxygen_flow_l_min": value,
        },
    }.get(field, {field: value})
    refused = refusal(chart, **values)
    assert (refused.field, refused.message) == (field, message)


@pytest.mark.parametrize(
    "field, value",
    [
        ("systolic_bp", 301),
        ("diastolic_bp", 10),
        ("heart_rate", 251),
        ("respiratory_rate", 2),
        ("spo2", 101),
        ("temperature_c", D("46.0")),
    ],
)
def test_the_database_refuses_a_value_outside_its_range(personas, field, value):
    values = {"systolic_bp": 250, "diastolic_bp": 100, "spo2": 95, "oxygen_device": "room_air"}
    entry = VitalSigns(
        patient=personas.patient,
        taken_at=NOW,
        recorded_by=personas.nurse_on_team,
        **{**values, field: value},
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


# Blood pressure and MAP.


@pytest.mark.parametrize(
    "values, field",
    [({"systolic_bp": 120}, "diastolic_bp"), ({"diastolic_bp": 80}, "systolic_bp")],
)
def test_it_refuses_half_a_blood_pressure(chart, values, field):
    refused = refusal(chart, **values)
    assert (refused.field, refused.message) == (
        field,
        "Enter both the systolic and the diastolic BP.",
    )


@pytest.mark.parametrize("diastolic", [120, 130])
def test_it_refuses_a_diastolic_not_below_the_systolic(chart, diastolic):
    refused = refusal(chart, systolic_bp=120, diastolic_bp=diastolic)
    assert refused.field == "diastolic_bp"
    assert refused.message == "The diastolic BP must be lower than the systolic."


@pytest.mark.parametrize(
    "systolic, diastolic, mean",
    [
        (120, 80, 93),  # 93.33
        (90, 50, 63),  # 63.33
        (100, 50, 67),  # 66.67
        (91, 52, 65),  # 65.00
        (88, 53, 65),  # 64.67: rounds up to 65
    ],
)
def test_map_is_systolic_plus_twice_diastolic_over_three_rounded(chart, systolic, diastolic, mean):
    assert mean_arterial_pressure(systolic, diastolic) == mean
    assert chart(systolic_bp=systolic, diastolic_bp=diastolic).mean_arterial_pressure == mean


def test_a_set_without_blood_pressure_has_no_map(chart):
    assert chart(heart_rate=80).mean_arterial_pressure is None


# Heart rhythm.


def test_a_rhythm_is_charted_with_its_heart_rate(chart):
    refused = refusal(chart, rhythm="af", spo2=95, oxygen_device="room_air")
    assert (refused.field, refused.message) == (
        "heart_rate",
        "Enter the heart rate with the rhythm.",
    )


def test_a_heart_rate_may_have_no_rhythm(chart):
    assert chart(heart_rate=72).rhythm == ""


def test_another_rhythm_needs_a_note_saying_which(chart):
    refused = refusal(chart, heart_rate=72, rhythm="other")
    assert (refused.field, refused.message) == ("note", "Say which rhythm in the note.")
    assert chart(heart_rate=72, rhythm="other", note="Ventricular bigeminy").rhythm == "other"


@pytest.mark.parametrize(
    "field, value",
    [("rhythm", "junctional"), ("oxygen_device", "tent"), ("cognitive_test", "maybe")],
)
def test_it_refuses_an_answer_not_offered(chart, field, value):
    values = {"heart_rate": 80, "spo2": 95, "oxygen_device": "room_air", field: value}
    refused = refusal(chart, **values)
    assert (refused.field, refused.message) == (field, "Choose one of the answers offered.")


# Oxygen.


@pytest.mark.parametrize(
    "device",
    [
        "nasal_cannula",
        "face_mask",
        "venturi",
        "non_rebreather",
        "high_flow",
        "cpap_bipap",
        "ventilator",
    ],
)
def test_oxygen_on_a_device_needs_its_flow(chart, device):
    refused = refusal(chart, spo2=94, oxygen_device=device)
    assert (refused.field, refused.message) == (
        "oxygen_flow_l_min",
        "Enter the oxygen flow in L/min.",
    )
    entry = chart(spo2=94, oxygen_device=device, oxygen_flow_l_min=D("4"))
    assert entry.oxygen_flow_l_min == D("4")


def test_room_air_refuses_a_flow(chart):
    refused = refusal(chart, spo2=97, oxygen_device="room_air", oxygen_flow_l_min=D("2"))
    assert refused.field == "oxygen_flow_l_min"
    assert refused.message.startswith("Room air has no oxygen flow")


def test_an_spo2_needs_its_oxygen_device(chart):
    refused = refusal(chart, spo2=97)
    assert (refused.field, refused.message) == (
        "oxygen_device",
        "Choose the oxygen device, or room air.",
    )


@pytest.mark.parametrize(
    "values",
    [
        {"oxygen_device": "nasal_cannula", "oxygen_flow_l_min": D("2")},
        {"oxygen_device": "room_air"},
        {"oxygen_flow_l_min": D("2")},
    ],
)
def test_oxygen_is_charted_with_the_spo2_measured_on_it(chart, values):
    refused = refusal(chart, heart_rate=80, **values)
    assert (refused.field, refused.message) == ("spo2", "Enter the SpO₂ measured on this oxygen.")


def test_the_database_keeps_a_flow_off_room_air(personas):
    entry = VitalSigns(
        patient=personas.patient,
        taken_at=NOW,
        recorded_by=personas.nurse_on_team,
        spo2=97,
        oxygen_device="room_air",
        oxygen_flow_l_min=D("2"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


def test_the_database_refuses_a_set_without_a_measurement(personas):
    entry = VitalSigns(patient=personas.patient, taken_at=NOW, recorded_by=personas.nurse_on_team)
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


# Time.


def test_it_refuses_a_time_in_the_future(chart):
    refused = refusal(chart, heart_rate=80, minutes_ago=-10)
    assert refused.field == "taken_at"
    assert refused.message == "The time is in the future. Chart it once it is taken."


def test_a_clock_a_few_minutes_fast_is_still_now(chart):
    assert chart(heart_rate=80, minutes_ago=-4).pk


def test_it_refuses_a_time_more_than_a_day_ago(chart):
    refused = refusal(chart, heart_rate=80, minutes_ago=24 * 60 + 1)
    assert refused.field == "taken_at"
    assert refused.message == "The time is more than 24 hours ago. Check the date."


def test_a_set_from_23_hours_ago_is_charted(chart):
    assert chart(heart_rate=80, minutes_ago=23 * 60).pk


# Flags.


def test_a_normal_set_has_no_flags(chart):
    assert chart(**FULL_SET).abnormal_findings() == []


@pytest.mark.parametrize(
    "values, flag",
    [
        ({"systolic_bp": 89, "diastolic_bp": 70}, "Systolic BP 89 mmHg: below 90"),
        ({"spo2": 89, "oxygen_device": "room_air"}, "SpO₂ 89%: below 90"),
        ({"systolic_bp": 96, "diastolic_bp": 48}, "MAP 64 mmHg: below 65"),
        ({"heart_rate": 131}, "Heart rate 131/min: above 130"),
        ({"heart_rate": 49}, "Heart rate 49/min: below 50"),
        ({"respiratory_rate": 25}, "Respiratory rate 25/min: above 24"),
        ({"temperature_c": D("38.0")}, "Temperature 38.0 °C: 38.0 or more"),
        ({"heart_rate": 100, "rhythm": "af"}, "Rhythm: Atrial fibrillation"),
        ({"alert_oriented": False}, "Not alert and oriented"),
        ({"cognitive_test": "failed"}, "Failed serial sevens / WORLD backwards"),
        ({"sedation": "voice"}, "Sedation: drowsy, rousable to voice"),
        ({"sedation": "touch"}, "Sedation: rousable only to touch"),
        ({"sedation": "unrousable"}, "Sedation: unrousable"),
    ],
)
def test_an_abnormal_value_is_flagged_in_words(chart, values, flag):
    assert chart(**values).abnormal_findings() == [flag]


@pytest.mark.parametrize(
    "values",
    [
        {"systolic_bp": 90, "diastolic_bp": 70},
        {"spo2": 90, "oxygen_device": "room_air"},
        {"systolic_bp": 97, "diastolic_bp": 49},  # MAP 65
        {"heart_rate": 130},
        {"heart_rate": 50},
        {"respiratory_rate": 24},
        {"temperature_c": D("37.9")},
        {"heart_rate": 120, "rhythm": "sinus_tachycardia"},
        {"alert_oriented": True, "cognitive_test": "passed", "sedation": "alert"},
    ],
)
def test_a_value_at_the_threshold_is_not_flagged(chart, values):
    assert chart(**values).abnormal_findings() == []


# Entered in error.


def test_a_set_is_marked_entered_in_error_with_a_reason_and_kept(chart, personas):
    entry = chart(**FULL_SET)
    mark_entered_in_error(entry, by=personas.clinician_on_team, reason="Wrong patient")
    stored = VitalSigns.objects.get()
    assert (stored.state, stored.error_reason) == ("entered_in_error", "Wrong patient")
    latest = stored.history.first()
    assert latest.history_user == personas.clinician_on_team
    assert latest.history_change_reason == "Entered in error: Wrong patient"
    assert not VitalSigns.objects.active().exists()


def test_marking_a_set_twice_is_refused(chart, personas):
    entry = chart(heart_rate=80)
    mark_entered_in_error(entry, by=personas.nurse_on_team, reason="Wrong patient")
    with pytest.raises(ChartRefused, match="already marked as entered in error"):
        mark_entered_in_error(entry, by=personas.nurse_on_team, reason="Again")
    assert VitalSigns.objects.get().history.count() == 2


def test_marking_needs_a_reason(chart, personas):
    entry = chart(heart_rate=80)
    with pytest.raises(ChartRefused, match="Say why it is wrong"):
        mark_entered_in_error(entry, by=personas.nurse_on_team, reason="  ")
    assert VitalSigns.objects.get().is_active


# Queries for the flowsheet and the rules.


def test_the_latest_value_of_a_measure_skips_sets_without_it_and_sets_in_error(chart, personas):
    patient = personas.patient
    older = chart(systolic_bp=110, diastolic_bp=70, minutes_ago=240)
    wrong = chart(systolic_bp=80, diastolic_bp=50, minutes_ago=120)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Cuff on the wrong arm")
    chart(heart_rate=90, minutes_ago=30)
    sets = VitalSigns.objects.for_patient(patient).active()
    assert sets.with_value("systolic_bp").latest_first().first() == older
    assert sets.latest_with("systolic_bp") == older
    assert sets.latest_with("systolic_bp").value("mean_arterial_pressure") == 83
    assert sets.latest_with("spo2") is None
    assert VitalSigns.objects.for_patient(patient).latest_with("systolic_bp") == wrong


def test_a_cognitive_test_not_done_is_not_a_value(chart, personas):
    chart(heart_rate=80, cognitive_test="not_done")
    passed = chart(heart_rate=80, cognitive_test="passed", minutes_ago=60)
    sets = VitalSigns.objects.for_patient(personas.patient)
    assert list(sets.with_value("cognitive_test")) == [passed]
    assert sets.latest_first().first().value("cognitive_test") is None


def test_values_over_a_window_are_oldest_first_and_leave_out_the_edges(chart, personas):
    chart(systolic_bp=130, diastolic_bp=80, minutes_ago=300)
    chart(systolic_bp=120, diastolic_bp=80, minutes_ago=180)
    chart(heart_rate=70, minutes_ago=150)
    chart(systolic_bp=100, diastolic_bp=50, minutes_ago=120)
    chart(systolic_bp=90, diastolic_bp=45, minutes_ago=60)
    sets = VitalSigns.objects.for_patient(personas.patient).active()
    start, end = NOW - timedelta(minutes=180), NOW - timedelta(minutes=60)
    assert sets.values_between("systolic_bp", start, end) == [
        (NOW - timedelta(minutes=180), 120),
        (NOW - timedelta(minutes=120), 100),
    ]
    assert sets.values_between("mean_arterial_pressure", start, end) == [
        (NOW - timedelta(minutes=180), 93),
        (NOW - timedelta(minutes=120), 67),
    ]


def test_an_unknown_measure_is_a_programming_error(personas):
    with pytest.raises(ValueError, match="not a vital sign"):
        VitalSigns.objects.with_value("weight_kg")


def test_another_patients_sets_are_not_read(chart, personas):
    from tests.factories import PatientFactory

    chart(heart_rate=80)
    assert not VitalSigns.objects.for_patient(PatientFactory()).exists()


def test_the_readings_say_the_set_in_words(chart):
    entry = chart(
        **{**FULL_SET, "spo2": 93, "oxygen_device": "nasal_cannula", "oxygen_flow_l_min": D("2")}
    )
    assert entry.readings() == [
        "BP 118/74 mmHg (MAP 89)",
        "HR 88/min, sinus rhythm",
        "RR 16/min",
        "SpO₂ 93% on nasal cannula 2 L/min",
        "Temp 37.2 °C",
        "Alert and oriented",
        "Serial sevens / WORLD backwards passed",
        "Sedation: alert",
    ]
    assert str(entry).startswith("Vital signs: BP 118/74 mmHg (MAP 89); HR 88/min")

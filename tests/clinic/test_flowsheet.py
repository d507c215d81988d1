"""The flowsheet's grid: the hours of a day on the patient's clock, and what each cell holds."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.clinic.bulk_chart import NORMAL_SET, hourly_chart, pressor
from tests.factories import record_given
from tracker.clinic.flowsheet import (
    FINDING_ROWS,
    build_sheet,
    charted_days,
    day_bounds,
    findings_by_row,
    hours_of,
    load_chart,
    signed,
)
from tracker.observations.charting import mark_entered_in_error
from tracker.observations.models import ClinicalEvent, FluidEntry, LabResult, VitalSigns
from tracker.ward.recording import record_dose

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
M = timedelta(minutes=1)
# 12 March 2027 in New York (EST, UTC−5): the course's third day.
DAY = date(2027, 3, 12)
MIDNIGHT = datetime(2027, 3, 12, 5, 0, tzinfo=UTC)
NOW = datetime(2027, 3, 13, 15, 0, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


def sheet_of(patient, course, day=DAY, now=NOW):
    start, end = day_bounds(day, patient.zone)
    return build_sheet(load_chart(patient, course, start, end), day, now)


def row(sheet, key):
    return next(r for r in sheet.rows if r.key == key)


def vitals(personas, course, at, **values):
    return VitalSigns.objects.create(
        patient=personas.patient,
        course=course,
        recorded_by=personas.nurse_on_team,
        taken_at=at,
        **{**NORMAL_SET, **values},
    )


# The hours across.


def test_it_has_the_24_hours_of_an_ordinary_day_on_the_patients_clock():
    hours = hours_of(DAY, NEW_YORK)
    assert [h.label for h in hours] == [f"{n:02d}:00" for n in range(24)]
    assert hours[0].start == MIDNIGHT
    assert hours[-1].end == MIDNIGHT + 24 * H


def test_it_has_23_hours_the_night_new_york_puts_the_clocks_forward():
    hours = hours_of(date(2027, 3, 14), NEW_YORK)
    labels = [h.label for h in hours]
    assert len(hours) == 23
    assert labels[:3] == ["00:00", "01:00", "03:00"]
    assert "02:00" not in labels
    assert hours[1].start == datetime(2027, 3, 14, 6, tzinfo=UTC)  # 01:00 EST
    assert hours[2].start == datetime(2027, 3, 14, 7, tzinfo=UTC)  # 03:00 EDT
    assert all(h.end - h.start == H for h in hours)


def test_it_has_25_hours_the_night_london_puts_the_clocks_back_and_names_the_repeat():
    hours = hours_of(date(2027, 10, 31), LONDON)
    labels = [h.label for h in hours]
    assert len(hours) == 25
    assert labels[:4] == ["00:00", "01:00 BST", "01:00 GMT", "02:00"]
    assert hours[1].start == datetime(2027, 10, 31, 0, tzinfo=UTC)
    assert hours[2].start == datetime(2027, 10, 31, 1, tzinfo=UTC)
    assert hours[-1].end == datetime(2027, 11, 1, 0, tzinfo=UTC)


@pytest.mark.now("2027-11-01 12:00Z")
def test_readings_in_the_repeated_hour_land_in_their_own_column(personas):
    patient = personas.patient
    patient.time_zone = "Europe/London"
    patient.save(update_fields=["time_zone"])
    vitals(personas, None, datetime(2027, 10, 31, 0, 30, tzinfo=UTC), systolic_bp=131)  # BST
    vitals(personas, None, datetime(2027, 10, 31, 1, 30, tzinfo=UTC), systolic_bp=132)  # GMT
    sheet = sheet_of(patient, None, date(2027, 10, 31), now=datetime(2027, 11, 1, tzinfo=UTC))
    bp = row(sheet, "bp").cells
    assert (bp[1].shown, bp[2].shown) == ("131/72", "132/72")
    assert (bp[1].latest.clock, bp[2].latest.clock) == ("01:30", "01:30")
    assert "The clocks went back: this day has 25 hours" in sheet.length_note


# What a cell holds.


def test_several_readings_in_an_hour_show_the_latest_and_list_every_one(personas, course):
    vitals(personas, course, MIDNIGHT + 9 * H + 5 * M, heart_rate=90)
    vitals(personas, course, MIDNIGHT + 9 * H + 40 * M, heart_rate=112)
    cell = row(sheet_of(personas.patient, course), "heart_rate").cells[9]
    assert cell.shown == "112"
    assert cell.more
    assert [(r.clock, r.text) for r in cell.listed] == [("09:05", "90"), ("09:40", "112")]


def test_one_reading_in_an_hour_is_not_marked_as_more(personas, course):
    vitals(personas, course, MIDNIGHT + 9 * H)
    cell = row(sheet_of(personas.patient, course), "bp").cells[9]
    assert (cell.shown, cell.more, cell.listed) == ("118/72", False, [])


def test_each_set_fills_its_rows(personas, course):
    vitals(
        personas,
        course,
        MIDNIGHT + 3 * H,
        rhythm="af",
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("2"),
        cognitive_test="passed",
    )
    sheet = sheet_of(personas.patient, course)
    shown = {r.key: r.cells[3].shown for r in sheet.rows if r.cells[3]}
    assert shown == {
        "bp": "118/72",
        "map": "87",
        "heart_rate": "84 AF",
        "respiratory_rate": "16",
        "spo2": "97",
        "oxygen": "NC 2 L",
        "temperature": "37.1",
        "alert_oriented": "Yes",
        "cognitive_test": "Pass",
        "sedation": "Alert",
        "balance": "0",
    }


def test_a_sinus_rhythm_is_not_written_beside_the_heart_rate(personas, course):
    vitals(personas, course, MIDNIGHT + 3 * H, rhythm="sinus")
    assert row(sheet_of(personas.patient, course), "heart_rate").cells[3].shown == "84"


def test_every_abnormal_finding_of_a_set_lands_on_the_row_of_its_measure():
    worst = VitalSigns(
        systolic_bp=80,
        diastolic_bp=40,
        heart_rate=140,
        rhythm="af",
        respiratory_rate=30,
        spo2=85,
        oxygen_device="room_air",
        temperature_c=Decimal("39.0"),
        alert_oriented=False,
        cognitive_test="failed",
        sedation="touch",
    )
    found = findings_by_row(worst)
    assert "other" not in found
    assert sum(len(flags) for flags in found.values()) == len(worst.abnormal_findings())
    assert set(found) == {key for _, key in FINDING_ROWS}


def test_an_abnormal_value_is_flagged_in_words_and_with_a_symbol(personas, course):
    vitals(personas, course, MIDNIGHT + 4 * H, systolic_bp=84, diastolic_bp=50, heart_rate=140)
    sheet = sheet_of(personas.patient, course)
    bp = row(sheet, "bp").cells[4]
    assert bp.flags == ["Systolic BP 84 mmHg: below 90"]
    assert bp.mark == "▼"
    assert row(sheet, "heart_rate").cells[4].mark == "▲"
    assert row(sheet, "alert_oriented").cells[4].flags == []
    assert ("04:00", "Systolic BP 84 mmHg: below 90") in sheet.findings


def test_a_normal_value_is_not_flagged(personas, course):
    vitals(personas, course, MIDNIGHT + 4 * H)
    sheet = sheet_of(personas.patient, course)
    assert sheet.findings == []


def test_entries_in_error_are_left_out(personas, course):
    wrong = vitals(personas, course, MIDNIGHT + 4 * H, systolic_bp=84, diastolic_bp=50)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Wrong patient")
    assert not row(sheet_of(personas.patient, course), "bp").cells[4]


def test_entries_of_other_days_are_left_out(personas, course):
    vitals(personas, course, MIDNIGHT - M)
    vitals(personas, course, MIDNIGHT + 24 * H)
    assert row(sheet_of(personas.patient, course), "bp").is_empty


# Fluids and weight.


def fluid(personas, course, at, kind, volume, **fields):
    direction = "output" if kind in ("urine", "drain") else "intake"
    if kind == "urine":
        fields.setdefault("period_start", at - H)
    return FluidEntry.objects.create(
        patient=personas.patient,
        course=course,
        recorded_by=personas.nurse_on_team,
        taken_at=at,
        direction=direction,
        kind=kind,
        volume_ml=volume,
        **fields,
    )


def test_intake_and_output_are_the_hours_totals_with_each_entry_listed(personas, course):
    fluid(personas, course, MIDNIGHT + 2 * H + 5 * M, "iv_fluid", 500)
    fluid(personas, course, MIDNIGHT + 2 * H + 50 * M, "oral", 150)
    fluid(personas, course, MIDNIGHT + 3 * H, "urine", 120)
    sheet = sheet_of(personas.patient, course)
    intake = row(sheet, "intake").cells[2]
    assert intake.shown == "650"
    assert [r.text for r in intake.listed] == ["IV fluids 500", "Oral 150"]
    assert row(sheet, "output").cells[3].shown == "120"
    assert row(sheet, "urine_rate").cells[3].shown == "120.0"
    assert (sheet.intake_ml, sheet.output_ml, sheet.balance_text) == (650, 120, "+530")


def test_the_balance_runs_from_midnight_and_stops_at_now(personas, course, clock):
    clock.move_to(MIDNIGHT + 5 * H + 30 * M)
    fluid(personas, course, MIDNIGHT + 1 * H, "iv_fluid", 500)
    fluid(personas, course, MIDNIGHT + 3 * H, "urine", 700)
    sheet = sheet_of(personas.patient, course, now=MIDNIGHT + 5 * H + 30 * M)
    balance = [cell.shown for cell in row(sheet, "balance").cells]
    assert balance[:7] == ["0", "+500", "+500", "−200", "−200", "−200", ""]


def test_urine_below_10_ml_an_hour_is_flagged_low(personas, course):
    fluid(personas, course, MIDNIGHT + 6 * H, "urine", 15, period_start=MIDNIGHT + 4 * H)
    cell = row(sheet_of(personas.patient, course), "urine_rate").cells[6]
    assert cell.shown == "7.5"
    assert cell.flags == ["Urine 7.5 mL/h: below 10"]
    assert cell.mark == "▼"


def test_a_weight_shows_its_change_from_the_admission_weight(personas, course):
    hourly_chart(personas.patient, course, personas.nurse_on_team, MIDNIGHT + 7 * H, 1)
    weight = row(sheet_of(personas.patient, course), "weight")
    assert course.weight_gain_baseline == Decimal("70.0")
    assert weight.label == "Weight (kg, % from 70.0 kg)"
    assert weight.cells[7].shown == "70.0 (0.0%)"
    assert signed(-200) == "−200"


# Infusions and events.


def test_a_pressor_has_its_rate_in_every_hour_it_ran(personas, course):
    infusion = pressor(
        personas.patient,
        course,
        personas.nurse_on_team,
        MIDNIGHT + 2 * H + 15 * M,
        ["0.05", "0.1", "0.08"],
        every=30 * M,
        stopped_at=MIDNIGHT + 6 * H + 10 * M,
    )
    cells = row(sheet_of(personas.patient, course), f"infusion-{infusion.pk}").cells
    assert not cells[1]
    assert [(r.clock, r.text) for r in cells[2].listed] == [("02:15", "0.05"), ("02:45", "0.1")]
    assert cells[2].shown == "0.1"
    assert (cells[3].shown, cells[3].is_carried) == ("0.08", False)
    assert (cells[4].shown, cells[4].is_carried) == ("0.08", True)
    assert cells[6].shown == "Stopped"
    assert not cells[7]


def test_an_event_begins_continues_and_ends_in_its_hours(personas, course):
    ClinicalEvent.objects.create(
        patient=personas.patient,
        course=course,
        recorded_by=personas.nurse_on_team,
        taken_at=MIDNIGHT + 10 * H + 20 * M,
        ended_at=MIDNIGHT + 12 * H + 5 * M,
        kind="icu_transfer",
    )
    cells = row(sheet_of(personas.patient, course), "events").cells
    assert cells[10].shown == "Transfer to ICU began"
    assert (cells[11].shown, cells[11].is_carried) == ("Transfer to ICU continues", True)
    assert cells[12].shown == "Transfer to ICU ended"
    assert not cells[13]


# Doses.


def test_each_dose_is_in_its_hour_with_what_became_of_it(personas, course):
    nurse = personas.nurse_on_team
    doses = list(course.doses.order_by("dose_in_course"))
    # 12 March: doses 6 (00:00), 7 (08:00) and 8 (16:00) New York time.
    day_doses = [d for d in doses if MIDNIGHT <= d.planned_at < MIDNIGHT + 24 * H]
    assert [d.dose_in_course for d in day_doses] == [6, 7, 8]
    for dose in doses[:5]:
        record_given(dose, nurse)
    record_given(day_doses[0], nurse, given_at=day_doses[0].planned_at + 20 * M)
    record_dose(
        day_doses[1],
        by=nurse,
        now=day_doses[1].planned_at,
        outcome="held",
        hold_reason="hypotension",
    )
    sheet = sheet_of(personas.patient, course, now=day_doses[2].planned_at + 12 * H)
    cells = row(sheet, "doses").cells
    assert cells[0].shown == "Dose 6 given 00:20"
    assert cells[8].shown == "Dose 7 held: Systolic BP below 90 mmHg"
    assert cells[16].shown == "Dose 8 overdue"
    due = sheet_of(personas.patient, course, now=day_doses[2].planned_at - H)
    assert row(due, "doses").cells[16].shown == "Dose 8 due"


# The days of the admission.


def test_the_admission_runs_from_the_first_entry_to_the_last(personas, course):
    hourly_chart(personas.patient, course, personas.nurse_on_team, MIDNIGHT - 30 * H, 40)
    assert charted_days(personas.patient, course) == (date(2027, 3, 10), date(2027, 3, 12))


def test_an_admission_with_nothing_charted_starts_at_its_first_dose(personas, course):
    assert charted_days(personas.patient, course) == (date(2027, 3, 10), date(2027, 3, 10))


def test_a_patient_with_no_course_and_no_chart_has_no_admission(personas):
    assert charted_days(personas.patient, None) is None


def test_a_pressor_has_no_row_on_a_day_it_did_not_run(personas, course):
    infusion = pressor(
        personas.patient,
        course,
        personas.nurse_on_team,
        MIDNIGHT - 20 * H,
        ["0.05"],
        stopped_at=MIDNIGHT - 10 * H,
    )
    start, end = day_bounds(date(2027, 3, 11), NEW_YORK)[0], day_bounds(DAY, NEW_YORK)[1]
    data = load_chart(personas.patient, course, start, end)
    keys = [r.key for r in build_sheet(data, DAY, NOW).rows]
    assert f"infusion-{infusion.pk}" not in keys
    assert f"infusion-{infusion.pk}" in [
        r.key for r in build_sheet(data, date(2027, 3, 11), NOW).rows
    ]


# Laboratory results.


def lab_result(personas, course, at, test, value, unit, **fields):
    return LabResult.objects.create(
        patient=personas.patient,
        course=course,
        recorded_by=personas.nurse_on_team,
        taken_at=at,
        test=test,
        value=Decimal(value),
        unit=unit,
        **fields,
    )


def test_creatinine_has_a_row_even_before_any_result(personas, course):
    sheet = sheet_of(personas.patient, course)
    labs = [r for r in sheet.rows if r.group == "Laboratory"]
    assert [(r.key, r.label) for r in labs] == [("lab-creatinine", "Creatinine (mg/dL)")]
    assert labs[0].is_empty


def test_a_result_is_shown_in_its_tests_canonical_unit_and_flagged_by_the_lab(personas, course):
    lab_result(
        personas,
        course,
        MIDNIGHT + 6 * H,
        "creatinine",
        "221",
        "umol/L",
        range_low=Decimal("53"),
        range_high=Decimal("106"),
    )
    lab_result(personas, course, MIDNIGHT + 6 * H, "potassium", "4.1", "mmol/L")
    sheet = sheet_of(personas.patient, course)
    creatinine = row(sheet, "lab-creatinine").cells[6]
    assert creatinine.shown == "2.5"
    assert creatinine.flags == ["Creatinine 221 µmol/L: above the lab's range"]
    assert creatinine.mark == "▲"
    potassium = row(sheet, "lab-potassium")
    assert (potassium.label, potassium.cells[6].shown, potassium.cells[6].flags) == (
        "Potassium (mmol/L)",
        "4.1",
        [],
    )


def test_an_event_going_on_is_not_charted_into_the_hours_still_to_come(personas, course):
    ClinicalEvent.objects.create(
        patient=personas.patient,
        course=course,
        recorded_by=personas.nurse_on_team,
        taken_at=MIDNIGHT + 2 * H,
        kind="intubation",
    )
    now = MIDNIGHT + 6 * H + 30 * M
    cells = row(sheet_of(personas.patient, course, now=now), "events").cells
    assert cells[6].shown == "Intubation continues"
    assert not any(cells[7:])

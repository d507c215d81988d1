"""Fluids and weight: the table's rules, charting them, balances by shift and urine rates."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from regimens.models import Course
from tests.factories import PatientFactory
from tracker.observations import fluids
from tracker.observations.charting import ChartRefused, mark_entered_in_error
from tracker.observations.fluids import (
    Period,
    chart_fluid,
    chart_weight,
    shift_at,
    urine_rate_over,
)
from tracker.observations.models import FluidEntry, WeightEntry

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal
H = timedelta(hours=1)
LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add(patient, by, *, at, kind="iv_fluid", volume=100, hours=None, **fields):
    """An entry written straight to the table: for arithmetic on any date."""
    direction = "intake" if kind in {"iv_fluid", "iv_drug", "oral", "other_intake"} else "output"
    return FluidEntry.objects.create(
        patient=patient,
        direction=direction,
        kind=kind,
        volume_ml=volume,
        taken_at=at,
        period_start=at - hours * H if hours is not None else None,
        recorded_by=by,
        **fields,
    )


def urine(personas, *, hours_ago=0.0, hours=1, volume=60, patient=None):
    taken = NOW - timedelta(hours=hours_ago)
    return chart_fluid(
        patient or personas.patient,
        by=personas.nurse_on_team,
        direction="output",
        kind="urine",
        volume_ml=volume,
        taken_at=taken,
        period_start=taken - timedelta(hours=hours),
    )


# The table's own rules, as constraints.


def violates(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        FluidEntry.objects.create(**fields)


def base(personas, **changes):
    return {
        "patient": personas.patient,
        "direction": "intake",
        "kind": "oral",
        "volume_ml": 200,
        "taken_at": NOW,
        "recorded_by": personas.nurse_on_team,
        **changes,
    }


def test_the_table_refuses_a_kind_that_goes_the_other_way(personas):
    violates(**base(personas, direction="output", kind="oral"))
    violates(**base(personas, direction="intake", kind="vomit"))


def test_the_table_refuses_nil_volume_except_for_urine(personas):
    violates(**base(personas, volume_ml=0))
    FluidEntry.objects.create(
        **base(personas, direction="output", kind="urine", volume_ml=0, period_start=NOW - H)
    )


def test_the_table_refuses_an_implausible_volume(personas):
    violates(**base(personas, volume_ml=6001))


def test_the_table_refuses_urine_without_a_period_or_with_one_after_it(personas):
    urine = {"direction": "output", "kind": "urine"}
    violates(**base(personas, **urine))
    violates(**base(personas, **urine, period_start=NOW))
    violates(**base(personas, **urine, period_start=NOW + H))
    violates(**base(personas, period_start=NOW - H))  # only urine has a period


def test_the_table_refuses_an_implausible_weight(personas):
    for weight in (D("29.9"), D("250.1")):
        with pytest.raises(IntegrityError), transaction.atomic():
            WeightEntry.objects.create(
                patient=personas.patient,
                weight_kg=weight,
                taken_at=NOW,
                recorded_by=personas.nurse_on_team,
            )


# Charting.


def test_charting_a_fluid_puts_it_on_the_course_with_who_charted_it(personas, course):
    entry = chart_fluid(
        personas.patient,
        by=personas.nurse_on_team,
        direction="intake",
        kind="iv_fluid",
        volume_ml=500,
        taken_at=NOW - H,
    )
    entry.refresh_from_db()
    assert (entry.course, entry.recorded_by, entry.volume_ml) == (
        course,
        personas.nurse_on_team,
        500,
    )
    assert entry.history.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "urine"}, "kind"),  # urine is not intake
        ({"direction": "sideways"}, "direction"),
        ({"volume_ml": 0}, "volume_ml"),
        ({"volume_ml": -5}, "volume_ml"),
        ({"volume_ml": 6001}, "volume_ml"),
        ({"period_start": NOW - 2 * H}, "period_start"),  # only urine has one
        ({"taken_at": NOW + H}, "taken_at"),
        ({"taken_at": NOW - 25 * H}, "taken_at"),
    ],
)
def test_it_refuses_a_fluid_entry_that_cannot_be_right_naming_the_field(personas, changes, field):
    fields = {
        "direction": "intake",
        "kind": "oral",
        "volume_ml": 200,
        "taken_at": NOW - H,
        **changes,
    }
    with pytest.raises(ChartRefused) as refused:
        chart_fluid(personas.patient, by=personas.nurse_on_team, **fields)
    assert refused.value.field == field
    assert not FluidEntry.objects.exists()


@pytest.mark.parametrize(
    ("taken_at", "period_start"),
    [(NOW, None), (NOW - 2 * H, NOW - H), (NOW, NOW), (NOW, NOW - 25 * H)],
    ids=["none", "after-taken", "at-taken", "over-a-day"],
)
def test_it_refuses_urine_without_a_sensible_period(personas, taken_at, period_start):
    with pytest.raises(ChartRefused) as refused:
        chart_fluid(
            personas.patient,
            by=personas.nurse_on_team,
            direction="output",
            kind="urine",
            volume_ml=50,
            taken_at=taken_at,
            period_start=period_start,
        )
    assert refused.value.field == "period_start"
    assert not FluidEntry.objects.exists()


def test_it_charts_no_urine_as_zero(personas):
    entry = urine(personas, volume=0)
    assert entry.volume_ml == 0
    assert entry.urine_ml_per_hour == 0


def test_it_refuses_urine_over_a_period_already_charted(personas):
    urine(personas, hours_ago=1, hours=2)  # 12:00 to 14:00 UTC
    with pytest.raises(ChartRefused) as refused:
        urine(personas, hours_ago=0, hours=2)  # 13:00 to 15:00
    assert refused.value.field == "period_start"
    assert "already charted from 12 Mar 07:00 to 12 Mar 09:00" in refused.value.message
    assert FluidEntry.objects.count() == 1


def test_urine_over_a_period_entered_in_error_may_be_charted_again(personas):
    wrong = urine(personas, hours_ago=0, hours=2)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Wrong patient")
    urine(personas, hours_ago=0, hours=2, volume=80)
    assert FluidEntry.objects.active().get().volume_ml == 80


def test_urine_periods_that_only_touch_are_not_an_overlap(personas):
    urine(personas, hours_ago=1, hours=1)
    urine(personas, hours_ago=0, hours=1)
    assert FluidEntry.objects.count() == 2


def test_the_urine_period_defaults_to_the_last_urine_entry_or_an_hour(personas):
    assert fluids.default_urine_start(personas.patient, NOW) == NOW - H
    urine(personas, hours_ago=3, hours=1)
    assert fluids.default_urine_start(personas.patient, NOW) == NOW - 3 * H


def test_an_entry_rate_is_volume_over_its_hours_and_per_kg_against_a_weight(personas):
    entry = urine(personas, hours=4, volume=140)
    assert entry.urine_ml_per_hour == D("35.0")
    assert entry.urine_ml_per_kg_hour(D("70")) == D("0.50")
    assert entry.urine_ml_per_kg_hour(None) is None


# Weight.


def test_charting_a_weight_reads_the_change_from_the_admission_weight(personas, course):
    Course.objects.filter(pk=course.pk).update(baseline_weight_kg=D("80.0"))
    entry = chart_weight(
        personas.patient, by=personas.nurse_on_team, weight_kg=D("92.0"), taken_at=NOW
    )
    assert entry.gain_percent() == D("15.0")
    assert entry.admission_weight == D("80.0")


def test_a_weight_loss_is_a_negative_change(personas, course):
    entry = chart_weight(
        personas.patient, by=personas.nurse_on_team, weight_kg=D("66.5"), taken_at=NOW
    )
    assert course.weight_gain_baseline == D("70.0")
    assert entry.gain_percent() == D("-5.0")


def test_a_weight_off_a_course_has_no_change(personas):
    entry = chart_weight(
        personas.patient, by=personas.nurse_on_team, weight_kg=D("70.0"), taken_at=NOW
    )
    assert entry.course is None
    assert entry.gain_percent() is None


@pytest.mark.parametrize("weight", [D("29.9"), D("250.1"), D("70.25"), None])
def test_it_refuses_a_weight_out_of_range_or_too_precise(personas, weight):
    with pytest.raises(ChartRefused) as refused:
        chart_weight(personas.patient, by=personas.nurse_on_team, weight_kg=weight, taken_at=NOW)
    assert refused.value.field == "weight_kg"
    assert not WeightEntry.objects.exists()


def test_it_refuses_a_weight_in_the_future(personas):
    with pytest.raises(ChartRefused) as refused:
        chart_weight(
            personas.patient, by=personas.nurse_on_team, weight_kg=D("70"), taken_at=NOW + H
        )
    assert refused.value.field == "taken_at"


# Shifts, including the nights the clocks change.


@pytest.mark.parametrize(
    ("zone", "during", "start", "end", "hours"),
    [
        # London: clocks forward at 01:00 GMT on 28 Mar, back at 01:00 GMT on 31 Oct.
        (LONDON, utc(2027, 3, 28, 3), utc(2027, 3, 27, 19), utc(2027, 3, 28, 6), 11),
        (LONDON, utc(2027, 10, 31, 3), utc(2027, 10, 30, 18), utc(2027, 10, 31, 7), 13),
        # New York: forward on 14 Mar, back on 7 Nov.
        (NEW_YORK, utc(2027, 3, 14, 8), utc(2027, 3, 14, 0), utc(2027, 3, 14, 11), 11),
        (NEW_YORK, utc(2027, 11, 7, 8), utc(2027, 11, 6, 23), utc(2027, 11, 7, 12), 13),
        # An ordinary night and day.
        (LONDON, utc(2027, 1, 5, 2), utc(2027, 1, 4, 19), utc(2027, 1, 5, 7), 12),
        (NEW_YORK, utc(2027, 1, 5, 15), utc(2027, 1, 5, 12), utc(2027, 1, 6, 0), 12),
    ],
)
def test_a_shift_is_its_wall_clock_hours_so_a_night_the_clocks_change_is_11_or_13(
    zone, during, start, end, hours
):
    shift = shift_at(during, zone)
    assert (shift.start, shift.end, shift.hours) == (start, end, hours)


def test_a_shift_starts_at_its_first_instant_and_the_next_at_its_end():
    day = shift_at(utc(2027, 1, 5, 7), LONDON)
    assert day.name == "Day shift" and day.start == utc(2027, 1, 5, 7)
    assert shift_at(utc(2027, 1, 5, 19), LONDON).name == "Night shift"


def test_shifts_between_runs_unbroken_across_a_change_of_clocks():
    shifts = fluids.shifts_between(utc(2027, 3, 27, 8), utc(2027, 3, 28, 12), LONDON)
    assert [s.hours for s in shifts] == [12, 11, 12]
    assert all(a.end == b.start for a, b in pairwise(shifts))


def test_the_fluid_day_runs_from_seven_to_seven_on_the_patients_clock():
    day = fluids.fluid_day_at(utc(2027, 10, 31, 5), LONDON)
    assert (day.start, day.end, day.hours) == (utc(2027, 10, 30, 6), utc(2027, 10, 31, 7), 25)


# Balances.


@pytest.fixture
def londoner(personas):
    return PatientFactory(time_zone="Europe/London", care_team=[personas.nurse_on_team])


def test_a_dst_night_shift_balance_counts_what_was_taken_in_its_11_hours(personas, londoner):
    nurse = personas.nurse_on_team
    add(londoner, nurse, at=utc(2027, 3, 27, 18, 30), volume=1000)  # day shift
    add(londoner, nurse, at=utc(2027, 3, 27, 19, 0), volume=500)  # the night's first minute
    add(londoner, nurse, at=utc(2027, 3, 28, 5, 59), volume=250)  # 06:59 BST
    add(londoner, nurse, at=utc(2027, 3, 28, 6, 0), volume=2000)  # 07:00 BST: day shift
    add(londoner, nurse, at=utc(2027, 3, 28, 2), kind="urine", volume=300, hours=2)

    night = fluids.shift_balance(londoner, utc(2027, 3, 28, 1))
    assert night.period.hours == 11
    assert (night.intake_ml, night.output_ml, night.balance_ml) == (750, 300, 450)


def test_a_new_york_night_the_clocks_go_back_counts_its_13_hours(personas):
    nurse = personas.nurse_on_team
    patient = personas.patient  # America/New_York
    add(patient, nurse, at=utc(2027, 11, 6, 22, 59), volume=1000)  # 18:59 EDT: day shift
    add(patient, nurse, at=utc(2027, 11, 6, 23, 0), volume=400)  # 19:00 EDT
    add(patient, nurse, at=utc(2027, 11, 7, 6, 30), volume=300)  # 01:30 EST, the second time
    add(patient, nurse, at=utc(2027, 11, 7, 11, 59), kind="stool", volume=250)  # 06:59 EST
    night = fluids.shift_balance(patient, utc(2027, 11, 7, 6))
    assert night.period.hours == 13
    assert (night.intake_ml, night.output_ml, night.balance_ml) == (700, 250, 450)


def test_shift_balances_split_a_stretch_in_one_query(
    personas, londoner, django_assert_num_queries
):
    nurse = personas.nurse_on_team
    add(londoner, nurse, at=utc(2027, 10, 30, 12), volume=1000)
    add(londoner, nurse, at=utc(2027, 10, 31, 1), volume=400)
    add(londoner, nurse, at=utc(2027, 10, 31, 6, 30), kind="vomit", volume=150)  # 06:30 GMT
    add(londoner, nurse, at=utc(2027, 10, 31, 7, 30), kind="oral", volume=100)
    with django_assert_num_queries(1):
        balances = fluids.shift_balances(londoner, utc(2027, 10, 30, 8), utc(2027, 10, 31, 8))
    assert [(b.period.hours, b.intake_ml, b.output_ml) for b in balances] == [
        (12, 1000, 0),
        (13, 400, 150),  # 06:30 GMT is still the night
        (12, 100, 0),
    ]


def test_the_last_24_hours_balance_leaves_out_entries_in_error_and_older_ones(personas):
    nurse = personas.nurse_on_team
    add(personas.patient, nurse, at=NOW - 25 * H, volume=900)
    add(personas.patient, nurse, at=NOW - 2 * H, volume=1000)
    wrong = add(personas.patient, nurse, at=NOW - H, volume=700)
    add(personas.patient, nurse, at=NOW - H, kind="drain", volume=120)
    mark_entered_in_error(wrong, by=nurse, reason="Charted twice")
    balance = fluids.last_24_hours_balance(personas.patient, NOW)
    assert (balance.intake_ml, balance.output_ml, balance.balance_ml) == (1000, 120, 880)


def test_a_balance_with_nothing_charted_is_zero(personas):
    balance = fluids.shift_balance(personas.patient, NOW)
    assert (balance.intake_ml, balance.output_ml, balance.balance_ml) == (0, 0, 0)


def test_another_patients_fluids_are_not_in_the_balance(personas):
    other = PatientFactory()
    add(other, personas.nurse_on_team, at=NOW - H, volume=1000)
    assert fluids.last_24_hours_balance(personas.patient, NOW).intake_ml == 0


# Urine rate over a window.


def window(hours):
    return NOW - hours * H, NOW


def test_urine_rate_over_a_fully_charted_window(personas):
    nurse = personas.nurse_on_team
    for k in range(16):
        add(personas.patient, nurse, at=NOW - k * H, kind="urine", volume=8, hours=1)
    rate = urine_rate_over(personas.patient, *window(16), weight_kg=D("80"))
    assert rate.covers_window and rate.entries == 16
    assert (rate.volume_ml, rate.ml_per_hour, rate.highest_ml_per_hour) == (
        128,
        D("8.0"),
        D("8.0"),
    )
    assert rate.ml_per_kg_hour == D("0.10")


def test_urine_rate_counts_only_periods_inside_the_window(personas):
    nurse = personas.nurse_on_team
    add(personas.patient, nurse, at=NOW, kind="urine", volume=100, hours=4)
    # Straddles the window's start: left out, so the window is not covered.
    add(personas.patient, nurse, at=NOW - 4 * H, kind="urine", volume=900, hours=4)
    rate = urine_rate_over(personas.patient, *window(6))
    assert (rate.volume_ml, rate.covered, rate.ml_per_hour) == (100, 4 * H, D("25.0"))
    assert not rate.covers_window
    assert rate.uncovered == 2 * H


def test_urine_rate_says_no_data_when_nothing_is_charted_in_the_window(personas):
    rate = urine_rate_over(personas.patient, *window(16))
    assert not rate.has_data and not rate.covers_window
    assert rate.ml_per_hour is None and rate.ml_per_kg_hour is None


def test_urine_rate_with_a_gap_is_not_a_covered_window(personas):
    nurse = personas.nurse_on_team
    add(personas.patient, nurse, at=NOW, kind="urine", volume=5, hours=8)
    add(personas.patient, nurse, at=NOW - 10 * H, kind="urine", volume=5, hours=6)
    rate = urine_rate_over(personas.patient, *window(16))
    assert rate.covered == 14 * H and rate.uncovered == 2 * H
    assert not rate.covers_window
    assert rate.ml_per_hour == D("0.7")


def test_urine_rate_leaves_out_urine_entered_in_error_and_other_outputs(personas):
    nurse = personas.nurse_on_team
    wrong = add(personas.patient, nurse, at=NOW, kind="urine", volume=500, hours=2)
    mark_entered_in_error(wrong, by=nurse, reason="Wrong bag")
    add(personas.patient, nurse, at=NOW, kind="drain", volume=500)
    assert not urine_rate_over(personas.patient, *window(2)).has_data


def test_urine_rate_highest_period_tells_a_sustained_low_from_a_low_average(personas):
    nurse = personas.nurse_on_team
    add(personas.patient, nurse, at=NOW, kind="urine", volume=150, hours=1)
    add(personas.patient, nurse, at=NOW - H, kind="urine", volume=0, hours=15)
    rate = urine_rate_over(personas.patient, *window(16))
    assert rate.covers_window
    assert rate.ml_per_hour == D("9.4")
    assert rate.highest_ml_per_hour == D("150.0")


def test_a_period_knows_its_hours_and_what_it_holds():
    period = Period("x", utc(2027, 1, 1, 7), utc(2027, 1, 1, 19))
    assert period.hours == 12
    assert utc(2027, 1, 1, 7) in period and utc(2027, 1, 1, 19) not in period

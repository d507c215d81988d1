"""Conditions over readings, without a database: latest, sustained, rising, lasting."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tracker.observations import trends
from tracker.observations.trends import Episode, Measure, Outcome, Rate, Reading, Status

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
SBP = Measure("systolic BP", " mmHg")
URINE = Measure("urine output", " mL/h")
CREATININE = Measure("creatinine", " mg/dL")
H = timedelta(hours=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def hourly_urine(rates, start=0):
    """Hourly urine readings from `start`: each covers the hour before it."""
    return [
        Reading(at(start + i + 1), Decimal(rate), since=at(start + i))
        for i, rate in enumerate(rates)
    ]


def latest(readings, when, threshold=90, within=4):
    return trends.latest(
        readings,
        when,
        measure=SBP,
        comparison="lt",
        threshold=Decimal(threshold),
        within=timedelta(hours=within),
    )


def test_the_latest_reading_below_the_threshold_is_met_and_says_so():
    readings = [Reading(at(0), Decimal(120)), Reading(at(2), Decimal(84))]
    assert latest(readings, at(3)) == Outcome(Status.MET, "systolic BP 84 mmHg, 1 h ago")


def test_a_reading_at_the_threshold_is_not_below_it():
    assert latest([Reading(at(0), Decimal(90))], at(1)).status == Status.NOT_MET


def test_a_reading_older_than_its_window_is_no_data_not_a_pass():
    outcome = latest([Reading(at(0), Decimal(120))], at(4) + timedelta(minutes=1))
    assert outcome == Outcome(Status.NO_DATA, "no systolic BP charted in the last 4 h")


def test_a_reading_after_the_instant_read_does_not_count():
    readings = [Reading(at(0), Decimal(120)), Reading(at(2), Decimal(80))]
    assert latest(readings, at(1)).status == Status.NOT_MET


def test_nothing_charted_is_no_data():
    assert latest([], at(1)).status == Status.NO_DATA


def sustained(readings, when, hours=16, within=4):
    return trends.sustained(
        readings,
        when,
        measure=URINE,
        comparison="lt",
        threshold=Decimal(10),
        duration=timedelta(hours=hours),
        within=timedelta(hours=within),
    )


def test_urine_under_10_for_16_hours_after_a_good_hour_is_met():
    readings = hourly_urine([40] + [6] * 16)
    outcome = sustained(readings, at(17))
    assert outcome == Outcome(
        Status.MET, "urine output under 10 mL/h for the last 16 h (latest 6 mL/h)"
    )


def test_urine_under_10_for_15_hours_after_a_good_hour_is_not_met():
    outcome = sustained(hourly_urine([40] + [6] * 15), at(16))
    assert outcome == Outcome(
        Status.NOT_MET, "urine output under 10 mL/h for 15 h only (16 h needed)"
    )


def test_a_low_run_back_to_the_start_of_the_chart_cannot_say_how_long_it_lasted():
    outcome = sustained(hourly_urine([6] * 5), at(5))
    assert outcome.status == Status.NO_DATA
    assert "not charted before that" in outcome.why


def test_a_gap_in_the_chart_breaks_the_run_into_no_data():
    readings = hourly_urine([6] * 10) + hourly_urine([6] * 10, start=15)
    assert sustained(readings, at(25)).status == Status.NO_DATA


def test_the_latest_urine_above_the_threshold_is_not_met_however_long_the_run_before():
    outcome = sustained(hourly_urine([6] * 20 + [12]), at(21))
    assert outcome == Outcome(Status.NOT_MET, "urine output 12 mL/h, 0 min ago")


def test_a_four_hourly_urine_measure_counts_its_whole_period():
    readings = [Reading(at(h + 4), Decimal(5), since=at(h)) for h in range(0, 20, 4)]
    readings.insert(0, Reading(at(0), Decimal(50), since=at(-4)))
    assert sustained(readings, at(20)).status == Status.MET


def test_a_run_of_16_hours_across_the_spring_change_of_clocks_is_16_elapsed_hours():
    london = ZoneInfo("Europe/London")
    # 29 March 2026: the clocks go from 01:00 to 02:00 in London.
    start = datetime(2026, 3, 28, 18, 0, tzinfo=london).astimezone(UTC)
    readings = [Reading(start, Decimal(50), since=start - H)]
    readings += [Reading(start + (i + 1) * H, Decimal(5), since=start + i * H) for i in range(16)]
    last = readings[-1].at.astimezone(london)
    assert last.hour == 11  # 16 elapsed hours read as 17 on the wall clock
    assert sustained(readings, last, hours=16).status == Status.MET
    assert sustained(readings, last, hours=17).status == Status.NOT_MET


def rising(readings, when, by="0.3", over=48, within=24):
    return trends.rising(
        readings,
        when,
        measure=CREATININE,
        by=Decimal(by),
        over=timedelta(hours=over),
        within=timedelta(hours=within),
    )


def test_a_creatinine_up_by_the_rise_from_its_lowest_is_met_with_both_values():
    readings = [
        Reading(at(0), Decimal("2.4")),
        Reading(at(12), Decimal("2.1")),
        Reading(at(36), Decimal("3.4")),
    ]
    outcome = rising(readings, at(37))
    assert outcome == Outcome(Status.MET, "creatinine 2.1 → 3.4 mg/dL over 24 h")


def test_a_rise_just_short_of_the_threshold_is_not_met():
    readings = [Reading(at(0), Decimal("2.1")), Reading(at(24), Decimal("2.39"))]
    assert rising(readings, at(25)).status == Status.NOT_MET


def test_a_rise_of_exactly_the_threshold_is_met():
    readings = [Reading(at(0), Decimal("2.1")), Reading(at(24), Decimal("2.4"))]
    assert rising(readings, at(25)).status == Status.MET


def test_the_lowest_is_looked_for_only_in_the_window():
    readings = [Reading(at(0), Decimal("1.0")), Reading(at(50), Decimal("2.0"))]
    assert rising(readings, at(51)).status == Status.NO_DATA


def test_one_result_has_nothing_to_rise_from():
    outcome = rising([Reading(at(0), Decimal("3.0"))], at(1))
    assert outcome.status == Status.NO_DATA
    assert "nothing to compare it with" in outcome.why


def lasting(episodes, when, hours=72):
    return trends.lasting(
        episodes, when, measure=Measure("intubation"), longer_than=timedelta(hours=hours)
    )


def test_an_intubation_is_met_only_after_more_than_72_hours():
    episodes = [Episode(at(0), None)]
    assert lasting(episodes, at(72)) == Outcome(Status.NOT_MET, "intubation for 72 h so far")
    assert lasting(episodes, at(72) + timedelta(minutes=1)).status == Status.MET


def test_an_ended_episode_counts_its_whole_length_and_stays_met():
    episodes = [Episode(at(0), at(80))]
    assert lasting(episodes, at(200)) == Outcome(Status.MET, "intubation for 80 h in all")


def test_no_episode_charted_is_not_met():
    assert lasting([], at(1)).status == Status.NOT_MET


def pressor(infusions, when, over=6):
    return trends.rate_rising(
        infusions, when, measure=Measure("pressor"), over=timedelta(hours=over)
    )


def test_a_pressor_turned_up_in_the_window_is_rising():
    rates = [Rate(at(0), Decimal("0.05")), Rate(at(5), Decimal("0.1"))]
    outcome = pressor([("norepinephrine (µg/kg/min)", rates)], at(8))
    assert outcome == Outcome(
        Status.MET, "norepinephrine (µg/kg/min) up from 0.05 to 0.1 in the last 6 h"
    )


def test_a_pressor_started_in_the_window_rose_from_nothing():
    outcome = pressor([("dopamine", [Rate(at(4), Decimal(5))])], at(6))
    assert outcome.status == Status.MET


def test_a_steady_or_falling_pressor_is_not_rising():
    rates = [Rate(at(0), Decimal("0.1")), Rate(at(4), Decimal("0.05"))]
    assert pressor([("norepinephrine", rates)], at(8)).status == Status.NOT_MET


def test_a_stopped_pressor_is_not_running():
    rates = [Rate(at(0), Decimal("0.1")), Rate(at(4), Decimal(0))]
    assert pressor([("norepinephrine", rates)], at(5)) == Outcome(
        Status.NOT_MET, "no pressor running"
    )


MET, NOT, NONE = (Outcome(status, "") for status in Status)


def test_a_group_needs_all_its_conditions_and_any_group_will_do():
    assert trends.combine([[MET, MET]]) == Status.MET
    assert trends.combine([[MET, NOT]]) == Status.NOT_MET
    assert trends.combine([[MET, NOT], [MET]]) == Status.MET


def test_no_data_counts_only_where_it_could_change_the_answer():
    assert trends.combine([[MET, NONE]]) == Status.NO_DATA
    assert trends.combine([[NOT, NONE]]) == Status.NOT_MET
    assert trends.combine([[NOT], [NONE, MET]]) == Status.NO_DATA
    assert trends.combine([[NONE], [MET]]) == Status.MET


def test_an_episode_going_on_is_met_and_an_ended_one_is_not():
    measure = Measure("dialysis")
    assert trends.ongoing([Episode(at(0), None)], at(5), measure=measure) == Outcome(
        Status.MET, "dialysis going on for 5 h"
    )
    assert trends.ongoing([Episode(at(0), at(4))], at(5), measure=measure).status == (
        Status.NOT_MET
    )
    assert trends.ongoing([Episode(at(6), None)], at(5), measure=measure).status == (
        Status.NOT_MET
    )


def test_a_missing_reading_names_what_is_charted_not_what_is_judged():
    rhythm = Measure("AF, SVT or bradycardia", charted="rhythm")
    outcome = trends.latest([], at(1), measure=rhythm, comparison="yes", within=4 * H)
    assert outcome.why == "no rhythm charted in the last 4 h"

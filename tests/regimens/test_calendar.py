"""Tests for regimens.calendar: exact calendars, DST behaviour, validation and properties.

Pure-Python module, so no database fixture anywhere in this file.
"""

import dataclasses
import itertools
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimens.calendar import (
    CalendarError,
    DayPatternRule,
    IntervalRule,
    PlannedDose,
    Schedule,
    cycle_start_day,
    day_of_cycle,
    delayed_slots,
    plan_course,
    to_utc,
)

# The four shipped templates, as the regimen app defines them.
HD_IV_Q8H_15 = Schedule(IntervalRule(8, 15, 5), (1, 15))
HD_IV_LABEL = Schedule(IntervalRule(8, 14, 5), (1, 15))
SC_5ON2OFF = Schedule(DayPatternRule(5, 2, 28, 7), (1,), cycle_length_days=35)
SC_LOW_DOSE = Schedule(DayPatternRule(days_on=1, days_off=0, pattern_days=10, rest_days=0), (1,))

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
EIGHT_HOURS = timedelta(hours=8)


def local_times(doses: list[PlannedDose], zone: str) -> list[str]:
    return [f"{dose.local_start(zone):%Y-%m-%d %H:%M %Z}" for dose in doses]


def gaps(doses: list[PlannedDose]) -> list[timedelta]:
    return [later.start_utc - earlier.start_utc for earlier, later in itertools.pairwise(doses)]


# --- Exact calendars of the shipped templates -------------------------------------------------


def test_hd_iv_q8h_15_gives_fifteen_doses_eight_elapsed_hours_apart():
    doses = plan_course(HD_IV_Q8H_15, datetime(2027, 3, 10, 8, 0), NEW_YORK, cycles=1)

    assert local_times(doses, NEW_YORK) == [
        "2027-03-10 08:00 EST",
        "2027-03-10 16:00 EST",
        "2027-03-11 00:00 EST",
        "2027-03-11 08:00 EST",
        "2027-03-11 16:00 EST",
        "2027-03-12 00:00 EST",
        "2027-03-12 08:00 EST",
        "2027-03-12 16:00 EST",
        "2027-03-13 00:00 EST",
        "2027-03-13 08:00 EST",
        "2027-03-13 16:00 EST",
        "2027-03-14 00:00 EST",
        "2027-03-14 09:00 EDT",
        "2027-03-14 17:00 EDT",
        "2027-03-15 01:00 EDT",
    ]
    assert gaps(doses) == [EIGHT_HOURS] * 14
    assert [dose.day for dose in doses] == [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6]
    assert all(dose.note == "" for dose in doses[:12])
    assert [dose.note for dose in doses[12:]] == [
        "Clocks changed on 14 Mar: still 8 hours after the last dose, so 09:00 EDT instead of 08:00",
        "Clocks changed on 14 Mar: still 8 hours after the last dose, so 17:00 EDT instead of 16:00",
        "Clocks changed on 14 Mar: still 8 hours after the last dose, so 01:00 EDT instead of 00:00",
    ]


def test_hd_iv_label_acceptance_calendar_from_2027_03_10_in_new_york():
    doses = plan_course(HD_IV_LABEL, datetime(2027, 3, 10, 8, 0), NEW_YORK, cycles=2)

    assert len(doses) == 28
    assert local_times(doses, NEW_YORK) == [
        # Cycle 1, days 1-5; the 15th slot (2027-03-15 01:00 EDT) is over the cap of 14.
        "2027-03-10 08:00 EST",
        "2027-03-10 16:00 EST",
        "2027-03-11 00:00 EST",
        "2027-03-11 08:00 EST",
        "2027-03-11 16:00 EST",
        "2027-03-12 00:00 EST",
        "2027-03-12 08:00 EST",
        "2027-03-12 16:00 EST",
        "2027-03-13 00:00 EST",
        "2027-03-13 08:00 EST",
        "2027-03-13 16:00 EST",
        "2027-03-14 00:00 EST",
        "2027-03-14 09:00 EDT",
        "2027-03-14 17:00 EDT",
        # Cycle 2, days 15-19, at the course's 08:00 wall-clock start.
        "2027-03-24 08:00 EDT",
        "2027-03-24 16:00 EDT",
        "2027-03-25 00:00 EDT",
        "2027-03-25 08:00 EDT",
        "2027-03-25 16:00 EDT",
        "2027-03-26 00:00 EDT",
        "2027-03-26 08:00 EDT",
        "2027-03-26 16:00 EDT",
        "2027-03-27 00:00 EDT",
        "2027-03-27 08:00 EDT",
        "2027-03-27 16:00 EDT",
        "2027-03-28 00:00 EDT",
        "2027-03-28 08:00 EDT",
        "2027-03-28 16:00 EDT",
    ]
    first_cycle, second_cycle = doses[:14], doses[14:]
    assert [dose.cycle for dose in doses] == [1] * 14 + [2] * 14
    assert [dose.dose_in_cycle for dose in doses] == list(range(1, 15)) * 2
    assert [dose.dose_in_course for dose in doses] == list(range(1, 29))
    assert gaps(first_cycle) == [EIGHT_HOURS] * 13
    assert gaps(second_cycle) == [EIGHT_HOURS] * 13
    assert second_cycle[0].day == 15
    assert second_cycle[0].start_utc == datetime(2027, 3, 24, 12, 0, tzinfo=UTC)
    assert second_cycle[-1].day == 19


def test_sc_5on2off_from_a_wednesday_doses_wednesday_to_sunday_and_rests_monday_and_tuesday():
    doses = plan_course(SC_5ON2OFF, datetime(2027, 1, 6, 9, 0), LONDON, cycles=2)

    def five_on_two_off(first: date) -> list[date]:
        return [
            first + timedelta(days=week * 7 + offset) for week in range(4) for offset in range(5)
        ]

    assert [dose.local_start(LONDON).date() for dose in doses] == (
        five_on_two_off(date(2027, 1, 6)) + five_on_two_off(date(2027, 2, 10))
    )
    assert {dose.local_start(LONDON).strftime("%A") for dose in doses} == {
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    }
    assert all(dose.local_start(LONDON).strftime("%H:%M") == "09:00" for dose in doses)
    assert [dose.cycle for dose in doses] == [1] * 20 + [2] * 20
    assert doses[20].day == 36
    assert doses[19].day == 26  # last dose of cycle 1: day 28 of the pattern is a Tuesday (off)


def test_sc_5on2off_cycles_follow_on_every_35_days_even_without_an_explicit_cycle_length():
    schedule = dataclasses.replace(SC_5ON2OFF, cycle_length_days=None)

    doses = plan_course(schedule, datetime(2027, 1, 6, 9, 0), LONDON, cycles=3)

    assert [dose.day for dose in doses if dose.dose_in_cycle == 1] == [1, 36, 71]


def test_sc_low_dose_gives_ten_daily_doses_at_the_same_wall_clock_time():
    doses = plan_course(SC_LOW_DOSE, datetime(2027, 3, 10, 8, 0), NEW_YORK, cycles=1)

    assert local_times(doses, NEW_YORK) == [
        "2027-03-10 08:00 EST",
        "2027-03-11 08:00 EST",
        "2027-03-12 08:00 EST",
        "2027-03-13 08:00 EST",
        "2027-03-14 08:00 EDT",
        "2027-03-15 08:00 EDT",
        "2027-03-16 08:00 EDT",
        "2027-03-17 08:00 EDT",
        "2027-03-18 08:00 EDT",
        "2027-03-19 08:00 EDT",
    ]
    assert [dose.day for dose in doses] == list(range(1, 11))


# --- DST: interval doses are elapsed time ------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        pytest.param(
            NEW_YORK,
            datetime(2027, 3, 13, 16, 0),
            [
                "2027-03-13 16:00 EST",
                "2027-03-14 00:00 EST",
                "2027-03-14 09:00 EDT",
                "2027-03-14 17:00 EDT",
                "2027-03-15 01:00 EDT",
            ],
            id="new-york-spring-forward",
        ),
        pytest.param(
            NEW_YORK,
            datetime(2027, 11, 6, 16, 0),
            [
                "2027-11-06 16:00 EDT",
                "2027-11-07 00:00 EDT",
                "2027-11-07 07:00 EST",
                "2027-11-07 15:00 EST",
                "2027-11-07 23:00 EST",
            ],
            id="new-york-fall-back",
        ),
        pytest.param(
            LONDON,
            datetime(2027, 3, 27, 16, 0),
            [
                "2027-03-27 16:00 GMT",
                "2027-03-28 00:00 GMT",
                "2027-03-28 09:00 BST",
                "2027-03-28 17:00 BST",
                "2027-03-29 01:00 BST",
            ],
            id="london-spring-forward",
        ),
        pytest.param(
            LONDON,
            datetime(2027, 10, 30, 16, 0),
            [
                "2027-10-30 16:00 BST",
                "2027-10-31 00:00 BST",
                "2027-10-31 07:00 GMT",
                "2027-10-31 15:00 GMT",
                "2027-10-31 23:00 GMT",
            ],
            id="london-fall-back",
        ),
        pytest.param(
            "Australia/Sydney",
            datetime(2027, 10, 2, 16, 0),
            [
                "2027-10-02 16:00 AEST",
                "2027-10-03 00:00 AEST",
                "2027-10-03 09:00 AEDT",
                "2027-10-03 17:00 AEDT",
                "2027-10-04 01:00 AEDT",
            ],
            id="sydney-spring-forward-in-october",
        ),
        pytest.param(
            "Australia/Sydney",
            datetime(2027, 4, 3, 16, 0),
            [
                "2027-04-03 16:00 AEDT",
                "2027-04-04 00:00 AEDT",
                "2027-04-04 07:00 AEST",
                "2027-04-04 15:00 AEST",
                "2027-04-04 23:00 AEST",
            ],
            id="sydney-fall-back-in-april",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            datetime(2027, 10, 2, 16, 0),
            [
                "2027-10-02 16:00 +1030",
                "2027-10-03 00:00 +1030",
                "2027-10-03 08:30 +11",
                "2027-10-03 16:30 +11",
                "2027-10-04 00:30 +11",
            ],
            id="lord-howe-half-hour-forward",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            datetime(2027, 4, 3, 16, 0),
            [
                "2027-04-03 16:00 +11",
                "2027-04-04 00:00 +11",
                "2027-04-04 07:30 +1030",
                "2027-04-04 15:30 +1030",
                "2027-04-04 23:30 +1030",
            ],
            id="lord-howe-half-hour-back",
        ),
    ],
)
def test_interval_doses_stay_eight_elapsed_hours_apart_across_dst(zone, start, expected):
    doses = plan_course(Schedule(IntervalRule(8, 5, 5), (1,)), start, zone, cycles=1)

    assert local_times(doses, zone) == expected
    assert gaps(doses) == [EIGHT_HOURS] * 4


# --- DST: an interval dose off its usual clock time says why ---------------------------------


def changed(day: str, hours: int, given: str, usual: str) -> str:
    return (
        f"Clocks changed on {day}: still {hours} hours after the last dose, "
        f"so {given} instead of {usual}"
    )


@pytest.mark.parametrize(
    ("zone", "start", "notes"),
    [
        pytest.param(
            LONDON,
            datetime(2027, 3, 27, 16, 0),
            [
                "",
                "",
                changed("28 Mar", 8, "09:00 BST", "08:00"),
                changed("28 Mar", 8, "17:00 BST", "16:00"),
                changed("28 Mar", 8, "01:00 BST", "00:00"),
            ],
            id="london-spring-forward",
        ),
        pytest.param(
            LONDON,
            datetime(2027, 10, 30, 16, 0),
            [
                "",
                "",
                changed("31 Oct", 8, "07:00 GMT", "08:00"),
                changed("31 Oct", 8, "15:00 GMT", "16:00"),
                changed("31 Oct", 8, "23:00 GMT", "00:00"),
            ],
            id="london-fall-back",
        ),
        pytest.param(
            NEW_YORK,
            datetime(2027, 11, 6, 16, 0),
            [
                "",
                "",
                changed("7 Nov", 8, "07:00 EST", "08:00"),
                changed("7 Nov", 8, "15:00 EST", "16:00"),
                changed("7 Nov", 8, "23:00 EST", "00:00"),
            ],
            id="new-york-fall-back",
        ),
        pytest.param(
            "Australia/Sydney",
            datetime(2027, 10, 2, 16, 0),
            [
                "",
                "",
                changed("3 Oct", 8, "09:00 AEDT", "08:00"),
                changed("3 Oct", 8, "17:00 AEDT", "16:00"),
                changed("3 Oct", 8, "01:00 AEDT", "00:00"),
            ],
            id="sydney-spring-forward-in-october",
        ),
        pytest.param(
            "Australia/Sydney",
            datetime(2027, 4, 3, 16, 0),
            [
                "",
                "",
                changed("4 Apr", 8, "07:00 AEST", "08:00"),
                changed("4 Apr", 8, "15:00 AEST", "16:00"),
                changed("4 Apr", 8, "23:00 AEST", "00:00"),
            ],
            id="sydney-fall-back-in-april",
        ),
        pytest.param(
            "Australia/Lord_Howe",
            datetime(2027, 10, 2, 16, 0),
            [
                "",
                "",
                changed("3 Oct", 8, "08:30 +11", "08:00"),
                changed("3 Oct", 8, "16:30 +11", "16:00"),
                changed("3 Oct", 8, "00:30 +11", "00:00"),
            ],
            id="lord-howe-half-hour-forward",
        ),
    ],
)
def test_interval_dose_shifted_by_a_clock_change_carries_a_note(zone, start, notes):
    doses = plan_course(Schedule(IntervalRule(8, 5, 5), (1,)), start, zone, cycles=1)

    assert [dose.note for dose in doses] == notes


def test_interval_doses_in_a_zone_without_clock_changes_have_no_note():
    doses = plan_course(HD_IV_Q8H_15, datetime(2027, 3, 26, 8, 0), "Asia/Tokyo", cycles=1)

    assert {f"{dose.local_start('Asia/Tokyo'):%H:%M}" for dose in doses} == {
        "08:00",
        "16:00",
        "00:00",
    }
    assert all(dose.note == "" for dose in doses)


def test_a_cycle_that_starts_after_the_change_is_back_on_its_usual_times_without_a_note():
    doses = plan_course(HD_IV_LABEL, datetime(2027, 3, 10, 8, 0), NEW_YORK, cycles=2)

    assert [bool(dose.note) for dose in doses[:14]] == [False] * 12 + [True] * 2
    assert all(dose.note == "" for dose in doses[14:])


def test_the_note_names_the_interval_in_hours():
    doses = plan_course(
        Schedule(IntervalRule(12, 4, 2), (1,)), datetime(2027, 3, 27, 20, 0), LONDON, cycles=1
    )

    assert [dose.note for dose in doses] == [
        "",
        changed("28 Mar", 12, "09:00 BST", "08:00"),
        changed("28 Mar", 12, "21:00 BST", "20:00"),
        changed("28 Mar", 12, "09:00 BST", "08:00"),
    ]


def test_interval_cycle_starting_in_the_gap_moves_only_its_first_dose_and_counts_on_from_there():
    doses = plan_course(
        Schedule(IntervalRule(8, 3, 1), (1,)), datetime(2027, 3, 14, 2, 30), NEW_YORK, cycles=1
    )

    assert local_times(doses, NEW_YORK) == [
        "2027-03-14 03:30 EDT",
        "2027-03-14 11:30 EDT",
        "2027-03-14 19:30 EDT",
    ]
    assert (
        doses[0].note == "02:30 does not exist on 2027-03-14 in America/New_York; given at 03:30"
    )
    assert [dose.note for dose in doses[1:]] == ["", ""]


# --- DST: day-pattern doses keep the wall clock -------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "elapsed_into_transition_day"),
    [
        pytest.param(NEW_YORK, datetime(2027, 3, 12, 8, 0), timedelta(hours=23), id="ny-spring"),
        pytest.param(NEW_YORK, datetime(2027, 11, 5, 8, 0), timedelta(hours=25), id="ny-fall"),
        pytest.param(LONDON, datetime(2027, 3, 26, 8, 0), timedelta(hours=23), id="ldn-spring"),
        pytest.param(LONDON, datetime(2027, 10, 29, 8, 0), timedelta(hours=25), id="ldn-fall"),
    ],
)
def test_day_pattern_doses_keep_the_same_local_wall_time_across_dst(
    zone, start, elapsed_into_transition_day
):
    doses = plan_course(SC_LOW_DOSE, start, zone, cycles=1)

    assert {dose.local_start(zone).strftime("%H:%M") for dose in doses} == {"08:00"}
    # Every start is two days before the change, so the second gap ends on the change day.
    expected_gaps = [timedelta(hours=24)] * 9
    expected_gaps[1] = elapsed_into_transition_day
    assert gaps(doses) == expected_gaps
    assert all(dose.note == "" for dose in doses)


@pytest.mark.parametrize(
    ("zone", "start", "gap_date", "moved_to", "note"),
    [
        pytest.param(
            NEW_YORK,
            datetime(2027, 3, 12, 2, 30),
            date(2027, 3, 14),
            "03:30 EDT",
            "02:30 does not exist on 2027-03-14 in America/New_York; given at 03:30",
            id="new-york",
        ),
        pytest.param(
            LONDON,
            datetime(2027, 3, 26, 1, 30),
            date(2027, 3, 28),
            "02:30 BST",
            "01:30 does not exist on 2027-03-28 in Europe/London; given at 02:30",
            id="london",
        ),
    ],
)
def test_day_pattern_dose_in_the_spring_forward_gap_moves_forward_by_the_gap_with_a_note(
    zone, start, gap_date, moved_to, note
):
    doses = plan_course(SC_LOW_DOSE, start, zone, cycles=1)

    moved = [dose for dose in doses if dose.local_start(zone).date() == gap_date]
    assert len(doses) == 10
    assert len(moved) == 1
    assert f"{moved[0].local_start(zone):%H:%M %Z}" == moved_to
    assert moved[0].note == note
    others = [dose for dose in doses if dose is not moved[0]]
    assert {f"{dose.local_start(zone):%H:%M}" for dose in others} == {f"{start:%H:%M}"}
    assert all(dose.note == "" for dose in others)


@pytest.mark.parametrize(
    ("zone", "start", "fall_date", "first_occurrence_utc", "note"),
    [
        pytest.param(
            NEW_YORK,
            datetime(2027, 11, 5, 1, 30),
            date(2027, 11, 7),
            datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
            "01:30 occurs twice on 2027-11-07 in America/New_York; "
            "given at the first occurrence, 01:30 EDT (05:30 UTC)",
            id="new-york",
        ),
        pytest.param(
            LONDON,
            datetime(2027, 10, 29, 1, 30),
            date(2027, 10, 31),
            datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
            "01:30 occurs twice on 2027-10-31 in Europe/London; "
            "given at the first occurrence, 01:30 BST (00:30 UTC)",
            id="london",
        ),
    ],
)
def test_day_pattern_dose_on_the_fall_back_night_means_the_first_occurrence_with_a_note(
    zone, start, fall_date, first_occurrence_utc, note
):
    doses = plan_course(SC_LOW_DOSE, start, zone, cycles=1)

    (ambiguous,) = [dose for dose in doses if dose.local_start(zone).date() == fall_date]
    assert ambiguous.start_utc == first_occurrence_utc
    assert ambiguous.local_start(zone).dst() == timedelta(hours=1)
    assert ambiguous.note == note
    assert [dose.note for dose in doses].count("") == 9


def test_to_utc_leaves_an_ordinary_wall_time_alone_without_a_note():
    assert to_utc(datetime(2027, 7, 1, 8, 0), ZoneInfo(NEW_YORK)) == (
        datetime(2027, 7, 1, 12, 0, tzinfo=UTC),
        "",
    )


def test_to_utc_moves_a_half_hour_gap_by_half_an_hour():
    instant, note = to_utc(datetime(2027, 10, 3, 2, 15), ZoneInfo("Australia/Lord_Howe"))

    assert instant == datetime(2027, 10, 2, 15, 45, tzinfo=UTC)
    assert note == "02:15 does not exist on 2027-10-03 in Australia/Lord_Howe; given at 02:45"


def test_to_utc_rejects_an_aware_datetime():
    with pytest.raises(CalendarError, match="naive"):
        to_utc(datetime(2027, 7, 1, 8, 0, tzinfo=UTC), ZoneInfo(NEW_YORK))


def test_day_pattern_dose_on_a_date_the_zone_skipped_raises_instead_of_doubling_up():
    # Samoa jumped from 2011-12-29 straight to 2011-12-31.
    with pytest.raises(CalendarError, match=r"doses 2 and 3 of cycle 1 both fall at 2011-12-31"):
        plan_course(SC_LOW_DOSE, datetime(2011, 12, 29, 10, 0), "Pacific/Apia", cycles=1)


# --- Other behaviour ----------------------------------------------------------------------------


def test_interval_window_is_half_open_so_a_slot_exactly_at_its_end_is_dropped():
    doses = plan_course(
        Schedule(IntervalRule(12, 99, 1), (1,)), datetime(2027, 7, 1, 8, 0), "UTC", cycles=1
    )

    assert local_times(doses, "UTC") == ["2027-07-01 08:00 UTC", "2027-07-01 20:00 UTC"]


def test_interval_cap_cuts_a_cycle_before_its_window_ends():
    doses = plan_course(HD_IV_LABEL, datetime(2027, 7, 1, 8, 0), "UTC", cycles=1)

    assert len(doses) == 14
    assert doses[-1].start_utc == datetime(2027, 7, 5, 16, 0, tzinfo=UTC)


def test_start_is_truncated_to_the_whole_minute():
    doses = plan_course(SC_LOW_DOSE, datetime(2027, 7, 1, 8, 0, 59, 999999), "UTC", cycles=1)

    assert {dose.start_utc.time().isoformat() for dose in doses} == {"08:00:00"}


def test_day_counts_local_dates_in_the_course_zone_not_utc_dates():
    # 20:00 in New York is already the next date in UTC.
    doses = plan_course(HD_IV_Q8H_15, datetime(2027, 7, 1, 20, 0), NEW_YORK, cycles=1)

    assert doses[0].start_utc.date() == date(2027, 7, 2)
    assert [dose.day for dose in doses[:4]] == [1, 2, 2, 2]


def test_fewer_cycles_than_listed_plans_only_those_cycles():
    doses = plan_course(HD_IV_LABEL, datetime(2027, 7, 1, 8, 0), "UTC", cycles=1)

    assert {dose.cycle for dose in doses} == {1}


def test_a_dose_knows_its_day_of_the_cycle_for_dose_steps():
    # Cycle 2 of the 5-week subcutaneous regimen starts on course day 36.
    assert day_of_cycle(SC_5ON2OFF, 1, 10) == 10
    assert day_of_cycle(SC_5ON2OFF, 2, 36) == 1
    assert day_of_cycle(SC_5ON2OFF, 2, 45) == 10
    assert day_of_cycle(HD_IV_LABEL, 2, 17) == 3


def test_the_institutional_15_dose_schedule_plans_a_second_cycle_on_day_15():
    plan = plan_course(HD_IV_Q8H_15, datetime(2027, 3, 10, 8, 0), NEW_YORK, cycles=2)
    assert [sum(p.cycle == c for p in plan) for c in (1, 2)] == [15, 15]
    assert next(p for p in plan if p.cycle == 2).day == 15


def test_cycle_start_day_uses_listed_days_then_the_cycle_length():
    schedule = Schedule(IntervalRule(8, 14, 5), (1, 15), cycle_length_days=21)

    assert [cycle_start_day(schedule, cycle) for cycle in (1, 2, 3, 4)] == [1, 15, 36, 57]


def test_local_start_accepts_a_zone_name_or_a_zoneinfo():
    dose = plan_course(SC_LOW_DOSE, datetime(2027, 7, 1, 8, 0), LONDON, cycles=1)[0]

    assert dose.local_start(LONDON) == dose.local_start(ZoneInfo(LONDON))
    assert dose.local_start(LONDON).utcoffset() == timedelta(hours=1)


# --- Validation ----------------------------------------------------------------------------------


def assert_one_line(error: pytest.ExceptionInfo[CalendarError]) -> None:
    assert str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "America", "localtime", None])
def test_unknown_zone_is_rejected(zone):
    with pytest.raises(CalendarError, match="not a known IANA time zone") as error:
        plan_course(HD_IV_LABEL, datetime(2027, 7, 1, 8, 0), zone, cycles=1)
    assert_one_line(error)


def test_aware_start_is_rejected():
    with pytest.raises(CalendarError, match="naive") as error:
        plan_course(HD_IV_LABEL, datetime(2027, 7, 1, 8, 0, tzinfo=UTC), NEW_YORK, cycles=1)
    assert_one_line(error)


def test_a_date_instead_of_a_datetime_start_is_rejected():
    with pytest.raises(CalendarError, match="naive local datetime"):
        plan_course(HD_IV_LABEL, date(2027, 7, 1), NEW_YORK, cycles=1)


@pytest.mark.parametrize("cycles", [0, -1])
def test_fewer_than_one_cycle_is_rejected(cycles):
    with pytest.raises(CalendarError, match="cycles must be at least 1") as error:
        plan_course(HD_IV_LABEL, datetime(2027, 7, 1, 8, 0), NEW_YORK, cycles=cycles)
    assert_one_line(error)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((0, 14, 5), "every_hours must be at least 1"),
        ((8, 0, 5), "max_doses_per_cycle must be at least 1"),
        ((8, 14, 0), "window_days must be at least 1"),
        ((-8, 14, 5), "every_hours must be at least 1"),
        ((8.0, 14, 5), "every_hours must be a whole number"),
        ((8, True, 5), "max_doses_per_cycle must be a whole number"),
    ],
)
def test_interval_rule_with_non_positive_fields_is_rejected(fields, message):
    with pytest.raises(CalendarError, match=message) as error:
        IntervalRule(*fields)
    assert_one_line(error)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((0, 2, 28, 7), "days_on must be at least 1"),
        ((5, -1, 28, 7), "days_off must be at least 0"),
        ((5, 2, 0, 7), "pattern_days must be at least 1"),
        ((5, 2, 28, -1), "rest_days must be at least 0"),
    ],
)
def test_day_pattern_rule_with_non_positive_fields_is_rejected(fields, message):
    with pytest.raises(CalendarError, match=message) as error:
        DayPatternRule(*fields)
    assert_one_line(error)


def test_day_pattern_rule_allows_zero_off_and_rest_days():
    assert DayPatternRule(1, 0, 10, 0).days_off == 0


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ((), "non-empty tuple"),
        ([1, 15], "non-empty tuple"),
        ((2, 15), "must start at day 1"),
        ((0, 15), "at least 1"),
        ((1, 1), "strictly increasing"),
        ((1, 15, 10), "strictly increasing"),
    ],
)
def test_cycle_start_days_must_start_at_one_and_strictly_increase(days, message):
    with pytest.raises(CalendarError, match=message) as error:
        Schedule(IntervalRule(8, 14, 5), days)
    assert_one_line(error)


def test_non_positive_cycle_length_is_rejected():
    with pytest.raises(CalendarError, match="cycle_length_days must be at least 1"):
        Schedule(IntervalRule(8, 14, 5), (1, 15), cycle_length_days=0)


def test_schedule_rule_must_be_an_interval_or_day_pattern_rule():
    with pytest.raises(CalendarError, match="IntervalRule or a DayPatternRule"):
        Schedule("q8h", (1,))


def test_interval_course_longer_than_its_listed_cycles_needs_a_cycle_length():
    with pytest.raises(CalendarError, match="no cycle_length_days") as error:
        plan_course(HD_IV_LABEL, datetime(2027, 7, 1, 8, 0), NEW_YORK, cycles=3)
    assert_one_line(error)
    with pytest.raises(CalendarError, match="no cycle_length_days"):
        cycle_start_day(HD_IV_LABEL, 3)


def test_cycle_start_day_rejects_cycle_zero():
    with pytest.raises(CalendarError, match="cycle must be at least 1"):
        cycle_start_day(HD_IV_LABEL, 0)


@pytest.mark.parametrize(
    "schedule",
    [
        pytest.param(Schedule(IntervalRule(8, 15, 5), (1, 3)), id="interval-window-overlap"),
        pytest.param(Schedule(DayPatternRule(5, 2, 28, 7), (1, 15)), id="pattern-overlap"),
        pytest.param(
            Schedule(IntervalRule(8, 14, 5), (1,), cycle_length_days=2), id="short-cycle-length"
        ),
    ],
)
def test_overlapping_cycles_are_rejected(schedule):
    with pytest.raises(CalendarError, match="cycles must not overlap") as error:
        plan_course(schedule, datetime(2027, 7, 1, 8, 0), NEW_YORK, cycles=2)
    assert_one_line(error)


# --- Properties ---------------------------------------------------------------------------------

PROPERTY_ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Dublin",  # negative DST in the tz database
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kolkata",  # half-hour offset, no DST
    "Pacific/Chatham",  # 45-minute offset with DST
    "America/Sao_Paulo",  # midnight transitions until 2019
    "Africa/Casablanca",  # DST suspended for Ramadan
]

starts = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31, 23, 59)
).map(lambda moment: moment.replace(second=0, microsecond=0))
property_settings = settings(max_examples=200, deadline=None)


def multi_cycle(schedule: Schedule) -> Schedule:
    # The interval templates list only the cycles of one course; give them the label's 14-day
    # spacing so 3 and 4 cycles can be planned too.
    if schedule.cycle_length_days is None and isinstance(schedule.rule, IntervalRule):
        return dataclasses.replace(schedule, cycle_length_days=14)
    return schedule


def by_cycle(doses: list[PlannedDose]) -> dict[int, list[PlannedDose]]:
    cycles: dict[int, list[PlannedDose]] = {}
    for dose in doses:
        cycles.setdefault(dose.cycle, []).append(dose)
    return cycles


def assert_course_invariants(doses, start, zone, cycles):
    instants = [dose.start_utc for dose in doses]
    assert all(earlier < later for earlier, later in itertools.pairwise(instants))
    assert all(instant.tzinfo is UTC for instant in instants)
    assert [dose.dose_in_course for dose in doses] == list(range(1, len(doses) + 1))
    grouped = by_cycle(doses)
    assert list(grouped) == list(range(1, cycles + 1))
    for cycle_doses in grouped.values():
        assert [dose.dose_in_cycle for dose in cycle_doses] == list(range(1, len(cycle_doses) + 1))
    for dose in doses:
        assert dose.day == (dose.local_start(zone).date() - start.date()).days + 1


@pytest.mark.parametrize(
    "template", [HD_IV_Q8H_15, HD_IV_LABEL], ids=["hd-iv-q8h-15", "hd-iv-label"]
)
@property_settings
@given(start=starts, zone=st.sampled_from(PROPERTY_ZONES), cycles=st.integers(1, 4))
def test_interval_property_capped_and_exactly_n_elapsed_hours_apart(template, start, zone, cycles):
    schedule = multi_cycle(template)
    rule = schedule.rule

    doses = plan_course(schedule, start, zone, cycles)

    assert_course_invariants(doses, start, zone, cycles)
    slots_in_window = math.ceil(rule.window_days * 24 / rule.every_hours)
    for cycle, cycle_doses in by_cycle(doses).items():
        assert len(cycle_doses) == min(rule.max_doses_per_cycle, slots_in_window)
        assert all(gap == timedelta(hours=rule.every_hours) for gap in gaps(cycle_doses))
        first = cycle_doses[0]
        if not first.note:
            assert first.local_start(zone).time() == start.time()
            assert first.day == cycle_start_day(schedule, cycle)
        usual_offset = first.local_start(zone).utcoffset()
        for dose in cycle_doses[1:]:
            shifted = dose.local_start(zone).utcoffset() != usual_offset
            assert dose.note.startswith("Clocks changed on ") == shifted
            assert dose.note or not shifted
            assert len(dose.note) <= 200  # Dose.dst_note's max_length


@pytest.mark.parametrize("template", [SC_5ON2OFF, SC_LOW_DOSE], ids=["sc-5on2off", "sc-low-dose"])
@property_settings
@given(start=starts, zone=st.sampled_from(PROPERTY_ZONES), cycles=st.integers(1, 4))
def test_day_pattern_property_same_wall_time_and_only_on_days(template, start, zone, cycles):
    rule = template.rule
    on_days = sum(
        1
        for index in range(rule.pattern_days)
        if index % (rule.days_on + rule.days_off) < rule.days_on
    )

    doses = plan_course(template, start, zone, cycles)

    assert_course_invariants(doses, start, zone, cycles)
    for cycle, cycle_doses in by_cycle(doses).items():
        assert len(cycle_doses) == on_days
        for dose in cycle_doses:
            index = dose.day - cycle_start_day(template, cycle)
            assert 0 <= index < rule.pattern_days  # never on a rest day
            assert index % (rule.days_on + rule.days_off) < rule.days_on  # never on an off day
            if not dose.note:
                assert dose.local_start(zone).time() == start.time()


# Delaying the doses still to come in a cycle.


def test_delayed_interval_doses_keep_eight_elapsed_hours_across_a_clock_change():
    rule = IntervalRule(every_hours=8, max_doses_per_cycle=14, window_days=5)
    slots = delayed_slots(rule, datetime(2027, 3, 13, 20, 0), "America/New_York", [0, 0, 1])
    assert [instant for instant, _ in slots] == [
        datetime(2027, 3, 14, 1, 0, tzinfo=UTC),
        datetime(2027, 3, 14, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 14, 17, 0, tzinfo=UTC),
    ]


def test_delayed_pattern_doses_keep_their_days_apart_at_the_new_wall_clock_time():
    rule = DayPatternRule(days_on=5, days_off=2, pattern_days=28, rest_days=7)
    slots = delayed_slots(rule, datetime(2027, 3, 13, 10, 0), "America/New_York", [0, 1, 4])
    assert slots == [
        (datetime(2027, 3, 13, 15, 0, tzinfo=UTC), ""),
        (datetime(2027, 3, 14, 14, 0, tzinfo=UTC), ""),
        (datetime(2027, 3, 17, 14, 0, tzinfo=UTC), ""),
    ]

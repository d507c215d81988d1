"""Time zones in words and the order they are offered in."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import dateformat, translation

from regimens.calendar import CalendarError, IntervalRule, Schedule, plan_course
from tracker.lib.zone_names import SERVER_DEPENDENT
from tracker.lib.zones import (
    all_zones,
    on_clock,
    validate_time_zone,
    zone_choices,
    zone_in_words,
)


@pytest.mark.parametrize(
    "zone, words",
    [
        ("Europe/London", "London, UK (GMT/BST)"),
        ("America/New_York", "New York, US (EST/EDT)"),
        # Southern hemisphere: standard time is July's, and still comes first.
        ("Australia/Sydney", "Sydney, Australia (AEST/AEDT)"),
        ("Asia/Kolkata", "Kolkata (IST)"),
        ("Asia/Dubai", "Dubai (UTC+04)"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires (UTC-03)"),
    ],
)
def test_a_zone_in_words_names_the_place_and_its_clocks(zone, words):
    assert zone_in_words(zone, year=2027) == words


def test_the_clinics_zone_is_offered_first_then_common_zones_then_the_rest(settings):
    settings.CLINIC_TIME_ZONE = "America/Chicago"
    (common_label, common), (rest_label, rest) = zone_choices()
    assert common_label == "Common time zones"
    assert [value for value, _ in common[:3]] == [
        "America/Chicago",
        "Europe/London",
        "Europe/Dublin",
    ]
    assert common[0][1].startswith("Chicago, US (CST/CDT)")
    assert rest_label == "All time zones"
    values = [value for value, _ in common + rest]
    # Every zone once, none lost.
    assert sorted(values) == sorted(set(all_zones()) | {value for value, _ in common})
    assert len(values) == len(set(values))


def test_a_patients_own_zone_leads_when_it_is_not_common(settings):
    settings.CLINIC_TIME_ZONE = "Europe/London"
    (_, common), _ = zone_choices(first="Asia/Kolkata")
    assert [value for value, _ in common[:2]] == ["Asia/Kolkata", "Europe/London"]


EVERY_8_HOURS = Schedule(IntervalRule(8, 14, 5), (1,))


@pytest.mark.parametrize("name", sorted(SERVER_DEPENDENT))
def test_a_zone_that_depends_on_the_server_is_refused_by_forms_and_the_calendar(name):
    with pytest.raises(ValidationError):
        validate_time_zone(name)
    with pytest.raises(CalendarError, match="not a known IANA time zone"):
        plan_course(EVERY_8_HOURS, datetime(2027, 7, 1, 8, 0), name, cycles=1)


def test_an_instant_reads_on_each_zones_own_clock_however_often_it_is_asked():
    # The same instant, remembered once per zone: equal datetimes in two zones must not
    # share a remembered text.
    instant = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    for _ in range(2):
        assert (
            on_clock(instant, ZoneInfo("Europe/London"), "D j M, H:i T") == "Sun 28 Mar, 00:30 GMT"
        )
        assert on_clock(instant, ZoneInfo("America/New_York"), "D j M, H:i T") == (
            "Sat 27 Mar, 20:30 EDT"
        )
        later = instant.astimezone(ZoneInfo("Europe/London")) + timedelta(hours=1)
        assert on_clock(later, "Europe/London", "H:i T") == "02:30 BST"


def test_the_day_and_month_names_follow_the_active_language():
    instant = datetime(2027, 3, 28, 12, 0, tzinfo=UTC)
    assert on_clock(instant, "Europe/London", "D j M") == "Sun 28 Mar"
    with translation.override("fr"):
        french = dateformat.format(instant.astimezone(ZoneInfo("Europe/London")), "D j M")
        assert french != "Sun 28 Mar"
        assert on_clock(instant, "Europe/London", "D j M") == french

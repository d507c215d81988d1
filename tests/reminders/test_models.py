"""Quiet hours on the patient's wall clock, whatever the offset that night."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tracker.reminders.models import ReminderSettings

LONDON = ZoneInfo("Europe/London")


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2027-03-01 21:59", None),
        ("2027-03-01 22:00", ("2027-03-01 22:00", "2027-03-02 07:00")),
        ("2027-03-02 06:59", ("2027-03-01 22:00", "2027-03-02 07:00")),
        ("2027-03-02 07:00", None),
        # The night the clocks go forward: 22:00 GMT to 07:00 BST (06:00 UTC).
        ("2027-03-28 05:59", ("2027-03-27 22:00", "2027-03-28 06:00")),
        ("2027-03-28 06:00", None),
        # The night they go back: 22:00 BST (21:00 UTC) to 07:00 GMT.
        ("2027-10-30 21:00", ("2027-10-30 21:00", "2027-10-31 07:00")),
        ("2027-10-30 20:59", None),
    ],
)
def test_overnight_quiet_hours_follow_the_wall_clock(instant, expected):
    settings = ReminderSettings()  # 22:00 to 07:00
    around = settings.quiet_hours_around(utc(instant), LONDON)
    assert around == (expected and tuple(utc(t) for t in expected))


def test_daytime_quiet_hours():
    settings = ReminderSettings(quiet_start=time(13, 0), quiet_end=time(15, 0))
    assert settings.quiet_hours_around(utc("2027-03-01 12:59"), LONDON) is None
    assert settings.quiet_hours_around(utc("2027-03-01 14:00"), LONDON) == (
        utc("2027-03-01 13:00"),
        utc("2027-03-01 15:00"),
    )
    assert settings.quiet_hours_around(utc("2027-03-01 15:00"), LONDON) is None

"""Planned-dose calendar: a regimen schedule plus a course start gives the exact dose instants.

Pure Python (no Django, no database), so it can be tested exhaustively and reused by views,
exports and commands. Every instant it returns is an aware UTC datetime; local times are only
for display (``PlannedDose.local_start``).

Semantics
---------
1. Cycle start. Each cycle starts on its start day at the course's local start time (wall
   clock). Cycle k's first local instant is ``start.date() + (start_day - 1) days`` at
   ``start.time()``, converted to UTC with the DST rule (4). Start days come from
   ``Schedule.cycle_start_days``; a cycle beyond the listed ones starts on day
   ``cycle_start_days[-1] + (k - len(cycle_start_days)) * cycle_length_days``.
2. Interval doses ("every N hours, at most M per cycle, within D days") are N *elapsed* hours
   apart, computed in UTC: dose j (0-based) is ``cycle_start_utc + j * N hours``. The window
   is D * 24 elapsed hours from the first dose and is half-open (a dose at exactly
   ``start + D * 24 h`` is outside). Doses stop at the cap M or at the end of the window,
   whichever comes first: every 8 h for 5 days is 15 slots, and a cap of 14 drops the 15th.
   Across DST the local clock times shift (00:00, 08:00, 16:00 EST then 01:00 EDT); that is
   intended, because the patient's body counts elapsed hours, not clock readings. A dose on
   another UTC offset than its cycle's first dose says so in ``PlannedDose.note`` ("Clocks
   changed on 14 Mar: still 8 hours after the last dose, so 01:00 EDT instead of 00:00").
3. Day-pattern doses ("X days on / Y days off for P days, then R rest days") fall on "on"
   days counted from the cycle's start day, not on weekdays: day index i (0 = the cycle's
   start day) is on iff ``i < P and i % (X + Y) < X``. Rest days follow. Each dose is at the
   course's local start time on its local date, the same wall-clock time every day, through
   DST.
4. DST rule for wall-clock times (RFC 5545 section 3.3.5, PEP 495 ``fold=0``): a local time
   that does not exist (spring-forward gap) is moved forward by the length of the gap (02:30
   becomes 03:30 in America/New_York on 2027-03-14); a local time that occurs twice
   (fall-back) means its first occurrence, the earlier instant. Both set ``PlannedDose.note``.
5. ``PlannedDose.day`` is ``(local date of the dose - start.date()).days + 1``, so day 1 is
   the course start date in the course's zone.
6. Doses are returned sorted by ``start_utc`` and numbered 1..n across cycles
   (``dose_in_course``). A cycle whose first dose is not strictly after the previous cycle's
   last dose is a mis-built schedule and raises ``CalendarError``. So does the only other way
   instants could repeat: a day-pattern dose on a date the zone skipped entirely (Pacific/Apia,
   2011-12-30), which the gap rule would push onto the next day's dose.

Starts are truncated to the whole minute, because ``dateutil.rrule`` silently drops
microseconds and a sub-minute dosing time has no clinical meaning.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, HOURLY, rrule

from tracker.lib.zone_names import known_zones


class CalendarError(ValueError):
    """Bad calendar input; the message is one line, written for a human."""


def _require_int(name: str, value: object, minimum: int) -> None:
    # bool is an int subclass, but True days_on is a bug, not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalendarError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise CalendarError(f"{name} must be at least {minimum}, got {value}")


@dataclass(frozen=True)
class IntervalRule:
    """Every N hours, at most M doses per cycle, within a window of D days."""

    every_hours: int
    max_doses_per_cycle: int
    window_days: int

    def __post_init__(self) -> None:
        _require_int("IntervalRule.every_hours", self.every_hours, 1)
        _require_int("IntervalRule.max_doses_per_cycle", self.max_doses_per_cycle, 1)
        _require_int("IntervalRule.window_days", self.window_days, 1)


@dataclass(frozen=True)
class DayPatternRule:
    """X days on / Y days off for P days, then R rest days."""

    days_on: int
    days_off: int
    pattern_days: int
    rest_days: int

    def __post_init__(self) -> None:
        _require_int("DayPatternRule.days_on", self.days_on, 1)
        _require_int("DayPatternRule.days_off", self.days_off, 0)
        _require_int("DayPatternRule.pattern_days", self.pattern_days, 1)
        _require_int("DayPatternRule.rest_days", self.rest_days, 0)


@dataclass(frozen=True)
class Schedule:
    """A rule plus where its cycles start; see the module docstring for the semantics."""

    rule: IntervalRule | DayPatternRule
    cycle_start_days: tuple[int, ...]
    cycle_length_days: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.rule, IntervalRule | DayPatternRule):
            raise CalendarError(
                f"Schedule.rule must be an IntervalRule or a DayPatternRule, got {self.rule!r}"
            )
        _check_cycle_start_days(self.cycle_start_days)
        if self.cycle_length_days is not None:
            _require_int("Schedule.cycle_length_days", self.cycle_length_days, 1)


def _check_cycle_start_days(days: object) -> None:
    # A tuple, not any sequence, so the frozen dataclass stays hashable and immutable.
    if not isinstance(days, tuple) or not days:
        raise CalendarError(
            f"cycle_start_days must be a non-empty tuple such as (1, 15), got {days!r}"
        )
    for day in days:
        _require_int("each cycle_start_days entry", day, 1)
    if days[0] != 1:
        raise CalendarError(f"cycle_start_days must start at day 1, got {days!r}")
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        raise CalendarError(f"cycle_start_days must be strictly increasing, got {days!r}")


@dataclass(frozen=True)
class PlannedDose:
    """One planned dose; ``start_utc`` is the truth, everything local is derived from it."""

    cycle: int
    dose_in_cycle: int
    dose_in_course: int
    day: int
    start_utc: datetime
    note: str = ""

    def local_start(self, zone: str | ZoneInfo) -> datetime:
        return self.start_utc.astimezone(_load_zone(zone))


def _load_zone(zone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    # Checking the list first keeps out names that ZoneInfo would open or choke on but that
    # are not zones: directories, data files, machine-dependent links.
    if not isinstance(zone, str) or zone not in known_zones():
        raise CalendarError(
            f"{zone!r} is not a known IANA time zone; use a name such as Europe/London"
        )
    return ZoneInfo(zone)


def _cycle_length(schedule: Schedule) -> int | None:
    if schedule.cycle_length_days is not None:
        return schedule.cycle_length_days
    if isinstance(schedule.rule, DayPatternRule):
        return schedule.rule.pattern_days + schedule.rule.rest_days
    return None


def cycle_start_day(schedule: Schedule, cycle: int) -> int:
    """Course day number (day 1 = course start date) on which 1-based ``cycle`` starts."""
    _require_int("cycle", cycle, 1)
    listed = schedule.cycle_start_days
    if cycle <= len(listed):
        return listed[cycle - 1]
    length = _cycle_length(schedule)
    if length is None:
        raise CalendarError(
            f"cycle {cycle} is beyond the {len(listed)} listed in cycle_start_days and the "
            "schedule has no cycle_length_days to place it"
        )
    return listed[-1] + (cycle - len(listed)) * length


def day_of_cycle(schedule: Schedule, cycle: int, course_day: int) -> int:
    """Day of its cycle (day 1 = the cycle's first day) of a dose on `course_day`.

    Dose steps (regimens.dosing) are stated in days of the cycle, as published
    regimens state them ("weeks 2-4: 18, 18, 9, 9, 9 MIU").
    """
    _require_int("course_day", course_day, 1)
    return course_day - cycle_start_day(schedule, cycle) + 1


def _clock(moment: datetime) -> str:
    return moment.time().isoformat(timespec="minutes" if moment.second == 0 else "seconds")


def _gap_note(local: datetime, moved: datetime, zone: ZoneInfo) -> str:
    # A gap can push the time past midnight (zones that skipped a whole day); say the date then.
    given = _clock(moved) if moved.date() == local.date() else f"{moved.date()} {_clock(moved)}"
    return f"{_clock(local)} does not exist on {local.date()} in {zone}; given at {given}"


def _overlap_note(local: datetime, first: datetime, zone: ZoneInfo) -> str:
    # Name the offset: "01:30" alone is exactly what is ambiguous.
    return (
        f"{_clock(local)} occurs twice on {local.date()} in {zone}; given at the first "
        f"occurrence, {_clock(first)} {first.tzname()} ({_clock(first.astimezone(UTC))} UTC)"
    )


def to_utc(local: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    """Naive local wall time -> (aware UTC instant, note), applying the DST rule.

    The note is empty unless the wall time fell in a gap or an overlap.
    """
    if local.tzinfo is not None:
        raise CalendarError(f"to_utc needs a naive local wall time, got aware {local.isoformat()}")
    # fold=0 is both PEP 495's default and RFC 5545's rule: in a gap it applies the offset in
    # force before the transition, which moves the time forward by exactly the gap's length;
    # in an overlap it picks the first occurrence.
    first = local.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    wall = instant.astimezone(zone)
    if wall.replace(tzinfo=None) != local:
        return instant, _gap_note(local, wall, zone)
    if first.utcoffset() != local.replace(tzinfo=zone, fold=1).utcoffset():
        return instant, _overlap_note(local, wall, zone)
    return instant, ""


def _clock_change_day(before: datetime, after: datetime, zone: ZoneInfo) -> date:
    """The local date the clocks changed on, between two instants on different offsets."""
    offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after.astimezone(zone).date()


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    # An aware datetime in a ZoneInfo zone always has an offset; None is for naive ones.
    offset = moment.astimezone(zone).utcoffset()
    if offset is None:
        raise ValueError(f"{moment} has no UTC offset in {zone}.")
    return offset


def _clock_change_notes(slots: list[datetime], every_hours: int, zone: ZoneInfo) -> list[str]:
    """A note for each dose after the first whose clock time a clock change has shifted.

    The cycle's first dose was placed on the wall clock, so its offset gives the cycle's usual
    times; a later dose on another offset reads an hour (or half an hour) off them.
    """
    usual_offset = _offset(slots[0], zone)
    hours = f"{every_hours} hour{'s' if every_hours != 1 else ''}"
    notes: list[str] = []
    # The first dose is on the usual offset, so a dose on another one always comes
    # after a change that has set this to its day.
    changed_on = slots[0].astimezone(zone).date()
    for previous, slot in itertools.pairwise(slots):
        local = slot.astimezone(zone)
        if local.utcoffset() != previous.astimezone(zone).utcoffset():
            changed_on = _clock_change_day(previous, slot, zone)
        if local.utcoffset() == usual_offset:
            notes.append("")
            continue
        usual = (slot + usual_offset).replace(tzinfo=None)
        notes.append(
            f"Clocks changed on {changed_on.day} {changed_on:%b}: still {hours} after the last "
            f"dose, so {_clock(local)} {local.tzname()} instead of {_clock(usual)}"
        )
    return notes


def _interval_slots(
    rule: IntervalRule, first_local: datetime, zone: ZoneInfo
) -> list[tuple[datetime, str]]:
    first, note = to_utc(first_local, zone)
    # UTC has no DST, so aware-UTC arithmetic is elapsed time.
    window_end = first + timedelta(days=rule.window_days)
    # Expanded from a UTC dtstart: a local dtstart would keep wall-clock steps and give
    # 7 h or 9 h real gaps across a DST change.
    slots = rrule(HOURLY, interval=rule.every_hours, dtstart=first, count=rule.max_doses_per_cycle)
    in_window = list(itertools.takewhile(lambda slot: slot < window_end, slots))
    # Only the first dose was placed by wall clock; later ones are pure elapsed time.
    notes = [note, *_clock_change_notes(in_window, rule.every_hours, zone)]
    return list(zip(in_window, notes, strict=True))


def _is_on_day(rule: DayPatternRule, index: int) -> bool:
    return index < rule.pattern_days and index % (rule.days_on + rule.days_off) < rule.days_on


def _pattern_slots(
    rule: DayPatternRule, first_local: datetime, zone: ZoneInfo
) -> list[tuple[datetime, str]]:
    # Expanded on naive local datetimes so every dose keeps the same wall-clock time.
    days = rrule(DAILY, dtstart=first_local, count=rule.pattern_days)
    return [to_utc(day, zone) for index, day in enumerate(days) if _is_on_day(rule, index)]


def _cycle_slots(
    rule: IntervalRule | DayPatternRule, first_local: datetime, zone: ZoneInfo
) -> list[tuple[datetime, str]]:
    if isinstance(rule, IntervalRule):
        return _interval_slots(rule, first_local, zone)
    return _pattern_slots(rule, first_local, zone)


def _normalise_start(start: object) -> datetime:
    if not isinstance(start, datetime):
        raise CalendarError(f"start must be a naive local datetime, got {start!r}")
    if start.tzinfo is not None:
        raise CalendarError(
            f"start must be a naive local wall-clock time (the zone is passed separately), "
            f"got aware {start.isoformat()}"
        )
    return start.replace(second=0, microsecond=0, fold=0)


def _course_day(instant: datetime, zone: ZoneInfo, first_date: date) -> int:
    return (instant.astimezone(zone).date() - first_date).days + 1


def _order_error(
    previous: PlannedDose,
    cycle: int,
    dose_in_cycle: int,
    instant: datetime,
    note: str,
    tz: ZoneInfo,
) -> CalendarError:
    def wall(moment: datetime) -> str:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"

    if dose_in_cycle == 1:
        return CalendarError(
            f"cycle {cycle} starts at {wall(instant)} in {tz}, not after the last dose of "
            f"cycle {previous.cycle} at {wall(previous.start_utc)}; cycles must not overlap"
        )
    # Within a cycle only a skipped calendar date (e.g. Pacific/Apia, 2011-12-30) can do this:
    # the gap rule pushes one day's dose onto the next day's.
    return CalendarError(
        f"doses {dose_in_cycle - 1} and {dose_in_cycle} of cycle {cycle} both fall at "
        f"{wall(instant)} in {tz} ({previous.note or note}); plan this cycle by hand"
    )


def plan_course(schedule: Schedule, start: datetime, zone: str, cycles: int) -> list[PlannedDose]:
    """Every planned dose of the first ``cycles`` cycles, sorted by ``start_utc``.

    ``start`` is the course's first dose on the local wall clock (naive); ``zone`` is an
    IANA name.
    """
    if not isinstance(schedule, Schedule):
        raise CalendarError(f"schedule must be a Schedule, got {schedule!r}")
    tz = _load_zone(zone)
    start = _normalise_start(start)
    _require_int("cycles", cycles, 1)
    doses: list[PlannedDose] = []
    for cycle in range(1, cycles + 1):
        first_local = start + timedelta(days=cycle_start_day(schedule, cycle) - 1)
        for dose_in_cycle, (instant, note) in enumerate(
            _cycle_slots(schedule.rule, first_local, tz), start=1
        ):
            if doses and instant <= doses[-1].start_utc:
                raise _order_error(doses[-1], cycle, dose_in_cycle, instant, note, tz)
            doses.append(
                PlannedDose(
                    cycle=cycle,
                    dose_in_cycle=dose_in_cycle,
                    dose_in_course=len(doses) + 1,
                    day=_course_day(instant, tz, start.date()),
                    start_utc=instant,
                    note=note,
                )
            )
    return doses


def delayed_slots(
    rule: IntervalRule | DayPatternRule,
    first_local: datetime,
    zone: str,
    day_offsets: list[int],
) -> list[tuple[datetime, str]]:
    """New instants for the doses still to come in a cycle, the first now at ``first_local``.

    ``day_offsets`` gives, for each of those doses in order, how many local days after
    the first of them it was planned.  Interval doses keep the rule's elapsed hours from
    the new first dose (so only how many there are matters); day-pattern doses keep their
    days apart, at the new first dose's wall-clock time, with the DST rule (4).  Which of
    them still fit the cycle's window is the caller's decision.
    """
    tz = _load_zone(zone)
    first_local = _normalise_start(first_local)
    if isinstance(rule, IntervalRule):
        first, note = to_utc(first_local, tz)
        step = timedelta(hours=rule.every_hours)
        return [(first + j * step, note if j == 0 else "") for j in range(len(day_offsets))]
    return [to_utc(first_local + timedelta(days=offset), tz) for offset in day_offsets]

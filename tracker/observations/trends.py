"""Conditions over the chart, read as numbers: latest, sustained, rising, lasting.

No database here.  Each test takes the readings of one measure, oldest first, and
the instant to read them at, and answers met, not met or no data with the reason
in words a nurse would say ("urine under 10 mL/h for the last 17 h").  A measure
with too little charted to tell is "no data", never "not met": an empty chart must
not read as a safe one.

Readings after `at` are ignored, so a chart replayed to any instant reads as it
did then.  Times are compared as instants (UTC), so a change of the clocks neither
lengthens nor shortens a duration.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Reading:
    """One value at `at`; `since` is the start of the period it covers (urine), if any."""

    at: datetime
    value: Decimal | bool
    since: datetime | None = None

    @property
    def start(self) -> datetime:
        return self.since or self.at


@dataclass(frozen=True)
class Outcome:
    status: Status
    why: str

    @property
    def met(self) -> bool:
        return self.status == Status.MET


@dataclass(frozen=True)
class Measure:
    """How a measure is written: "urine output", " mL/h".

    `charted` names what is charted when it differs from what is judged: a rule
    reads "AF, SVT or bradycardia", but a missing reading is a missing rhythm.
    """

    name: str
    unit: str = ""
    charted: str = ""

    @property
    def missing(self) -> str:
        return f"no {self.charted or self.name} charted"

    def value(self, value: Decimal | bool) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return f"{number(value)}{self.unit}"


COMPARISONS: dict[str, tuple[str, Callable[[Decimal, Decimal], bool]]] = {
    "lt": ("under", lambda value, threshold: value < threshold),
    "le": ("at most", lambda value, threshold: value <= threshold),
    "gt": ("over", lambda value, threshold: value > threshold),
    "ge": ("at least", lambda value, threshold: value >= threshold),
}
YES = "yes"


def number(value) -> str:
    """A value without trailing zeros, to two decimal places at most: 6, 3.4, 0.05."""
    value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}"


def hours(span: timedelta) -> str:
    """A span in whole hours as the chart says it: "17 h", or minutes under an hour."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h"


def set_hours(span: timedelta) -> str:
    """A rule's own span, exactly: "16 h", "16.5 h"."""
    return f"{number(Decimal(span.total_seconds()) / 3600)} h"


def elapsed(start: datetime, end: datetime) -> timedelta:
    return end.astimezone(UTC) - start.astimezone(UTC)


def compares(value: Decimal | bool, comparison: str, threshold: Decimal | None) -> bool:
    if comparison == YES:
        return bool(value)
    return COMPARISONS[comparison][1](Decimal(value), threshold)


def condition_words(measure: Measure, comparison: str, threshold: Decimal | None) -> str:
    """ "urine output under 10 mL/h"; a yes/no measure is its own name."""
    if comparison == YES:
        return measure.name
    return f"{measure.name} {COMPARISONS[comparison][0]} {measure.value(threshold)}"


def until(readings: Sequence[Reading], at: datetime) -> list[Reading]:
    return [r for r in readings if r.at <= at]


def utc(at: datetime) -> datetime:
    """An instant in UTC, so that taking hours from it takes elapsed hours.

    Python takes a timedelta from a time in a zone on its wall clock: 24 hours
    before 12:00 the day after the clocks go forward is only 23 hours earlier.
    """
    return at.astimezone(UTC)


def latest(
    readings: Sequence[Reading],
    at: datetime,
    *,
    measure: Measure,
    comparison: str,
    threshold: Decimal | None = None,
    within: timedelta,
) -> Outcome:
    """Whether the latest reading, taken in the `within` before `at`, compares so."""
    seen = until(readings, at)
    if not seen or elapsed(seen[-1].at, at) > within:
        return Outcome(Status.NO_DATA, f"{measure.missing} in the last {set_hours(within)}")
    last = seen[-1]
    status = Status.MET if compares(last.value, comparison, threshold) else Status.NOT_MET
    when = hours(elapsed(last.at, at))
    if comparison == YES:
        return Outcome(status, f"{measure.name}: {measure.value(last.value)}, {when} ago")
    return Outcome(status, f"{measure.name} {measure.value(last.value)}, {when} ago")


def sustained(
    readings: Sequence[Reading],
    at: datetime,
    *,
    measure: Measure,
    comparison: str,
    threshold: Decimal | None,
    duration: timedelta,
    within: timedelta,
) -> Outcome:
    """Whether every reading has compared so for at least `duration` up to the latest.

    The run is counted back from the latest reading (taken in the `within` before
    `at`) over readings that compare so, each no more than `within` after the one
    before it.  A run cut short by the start of the chart or by a gap in it cannot
    say how long the condition has held: that is no data, not "not met".
    """
    seen = until(readings, at)
    words = condition_words(measure, comparison, threshold)
    if not seen or elapsed(seen[-1].at, at) > within:
        return Outcome(Status.NO_DATA, f"{measure.missing} in the last {set_hours(within)}")
    last = seen[-1]
    if not compares(last.value, comparison, threshold):
        when = hours(elapsed(last.at, at))
        return Outcome(Status.NOT_MET, f"{measure.name} {measure.value(last.value)}, {when} ago")
    first, cut_short = _run_start(seen, comparison, threshold, within)
    held = elapsed(first.start, last.at)
    if held >= duration:
        return Outcome(
            Status.MET,
            f"{words} for the last {hours(held)} (latest {measure.value(last.value)})",
        )
    if cut_short:
        return Outcome(
            Status.NO_DATA,
            f"{words} for {hours(held)}, and not charted before that ({set_hours(duration)} needed)",
        )
    return Outcome(
        Status.NOT_MET, f"{words} for {hours(held)} only ({set_hours(duration)} needed)"
    )


def _run_start(seen, comparison, threshold, within) -> tuple[Reading, bool]:
    """The first reading of the run that ends at the last one, and whether a gap ended it."""
    first = seen[-1]
    for reading in reversed(seen[:-1]):
        if elapsed(reading.at, first.start) > within:
            return first, True
        if not compares(reading.value, comparison, threshold):
            return first, False
        first = reading
    return first, True


def rising(
    readings: Sequence[Reading],
    at: datetime,
    *,
    measure: Measure,
    by: Decimal,
    over: timedelta,
    within: timedelta,
) -> Outcome:
    """Whether the latest reading is at least `by` above the lowest in the `over` before `at`."""
    seen = [r for r in until(readings, at) if elapsed(r.at, at) <= over]
    if not seen or elapsed(seen[-1].at, at) > within:
        return Outcome(Status.NO_DATA, f"{measure.missing} in the last {set_hours(within)}")
    if len(seen) < 2:
        return Outcome(
            Status.NO_DATA,
            f"one {measure.name} in the last {set_hours(over)}: nothing to compare it with",
        )
    last = seen[-1]
    lowest = min(seen[:-1], key=lambda r: (r.value, r.at))
    rise = Decimal(last.value) - Decimal(lowest.value)
    text = (
        f"{measure.name} {number(lowest.value)} → {measure.value(last.value)} "
        f"over {hours(elapsed(lowest.at, last.at))}"
    )
    status = Status.MET if rise >= by else Status.NOT_MET
    return Outcome(status, text)


@dataclass(frozen=True)
class Episode:
    """Something that lasts, from `start` to `end` (None while it goes on)."""

    start: datetime
    end: datetime | None

    def duration(self, at: datetime) -> timedelta:
        end = at if self.end is None or self.end > at else self.end
        return elapsed(self.start, end)


def ongoing(episodes: Sequence[Episode], at: datetime, *, measure: Measure) -> Outcome:
    """Whether an episode begun by `at` is going on at `at`."""
    now_on = [e for e in episodes if e.start <= at and (e.end is None or e.end > at)]
    if not now_on:
        return Outcome(Status.NOT_MET, f"no {measure.name} going on")
    return Outcome(Status.MET, f"{measure.name} going on for {hours(now_on[0].duration(at))}")


def lasting(
    episodes: Sequence[Episode], at: datetime, *, measure: Measure, longer_than: timedelta
) -> Outcome:
    """Whether any episode begun by `at` has lasted more than `longer_than` by then.

    Nothing charted means it has not happened: events are charted when they start.
    """
    begun = [e for e in episodes if e.start <= at]
    if not begun:
        return Outcome(Status.NOT_MET, measure.missing)
    longest = max(begun, key=lambda e: e.duration(at))
    span = longest.duration(at)
    going_on = longest.end is None or longest.end > at
    state = "so far" if going_on else "in all"
    status = Status.MET if span > longer_than else Status.NOT_MET
    return Outcome(status, f"{measure.name} for {hours(span)} {state}")


@dataclass(frozen=True)
class Rate:
    """An infusion's rate from `at` on; the rate before its first change is its start."""

    at: datetime
    value: Decimal


def rate_rising(
    infusions: Sequence[tuple[str, Sequence[Rate]]],
    at: datetime,
    *,
    measure: Measure,
    over: timedelta,
) -> Outcome:
    """Whether a running infusion runs faster at `at` than at some time in the `over` before.

    Each infusion is its name with its unit, and its rates in order, ending with a
    rate of 0 when it stopped.  One started within the window rose from nothing.
    """
    at = utc(at)
    start = at - over
    running, rises = 0, []
    for name, rates in infusions:
        now_rate = _rate_at(rates, at)
        if not now_rate:
            continue
        running += 1
        lowest = min(
            [_rate_at(rates, start) or Decimal(0)] + [r.value for r in rates if start < r.at <= at]
        )
        if now_rate > lowest:
            rises.append(f"{name} up from {number(lowest)} to {number(now_rate)}")
    if not running:
        return Outcome(Status.NOT_MET, f"no {measure.name} running")
    if rises:
        return Outcome(Status.MET, f"{'; '.join(rises)} in the last {set_hours(over)}")
    return Outcome(Status.NOT_MET, f"{measure.name} running, not increased in {set_hours(over)}")


def _rate_at(rates: Sequence[Rate], at: datetime) -> Decimal | None:
    current = None
    for rate in rates:
        if rate.at > at:
            break
        current = rate.value
    return current


def combine(groups: Sequence[Sequence[Outcome]]) -> Status:
    """Any group whose conditions are all met; no data only where it could change the answer.

    Groups are alternatives (OR), conditions within a group all needed (AND).
    """
    statuses = [_all(group) for group in groups]
    if not statuses:
        # A rule without conditions has not been set: it cannot say the dose is safe.
        return Status.NO_DATA
    if Status.MET in statuses:
        return Status.MET
    if Status.NO_DATA in statuses:
        return Status.NO_DATA
    return Status.NOT_MET


def _all(group: Sequence[Outcome]) -> Status:
    found = {outcome.status for outcome in group}
    if Status.NOT_MET in found:
        return Status.NOT_MET
    if Status.NO_DATA in found:
        return Status.NO_DATA
    return Status.MET

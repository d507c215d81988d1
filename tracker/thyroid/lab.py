"""Thyroid tests as numbers: units, exact conversions, flags, interpretation and due dates.

No database here.  Ranges and codes come from docs/clinical-sources.md §3; every result
also stores the lab's own range, which is what its flag is read against.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol


class Test(StrEnum):
    TSH = "tsh"
    FREE_T4 = "ft4"
    FREE_T3 = "ft3"
    ANTI_TPO = "tpo"


class Flag(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True)
class Unit:
    code: str  # UCUM, as FHIR wants it
    label: str
    per_canonical: Decimal  # how many of this unit make one canonical unit
    loinc: str
    default_range: tuple[Decimal, Decimal] | None


@dataclass(frozen=True)
class TestSpec:
    name: str
    units: dict[str, Unit]  # the first is the canonical unit

    @property
    def canonical(self) -> str:
        return next(iter(self.units))


TESTS = {
    Test.TSH: TestSpec(
        "TSH",
        {
            "mIU/L": Unit(
                "m[IU]/L", "mIU/L", Decimal(1), "3016-3", (Decimal("0.4"), Decimal("4.5"))
            )
        },
    ),
    Test.FREE_T4: TestSpec(
        "Free T4",
        {
            "ng/dL": Unit(
                "ng/dL", "ng/dL", Decimal(1), "3024-7", (Decimal("0.8"), Decimal("1.8"))
            ),
            "pmol/L": Unit(
                "pmol/L", "pmol/L", Decimal("12.87"), "14920-3", (Decimal("10"), Decimal("23"))
            ),
        },
    ),
    Test.FREE_T3: TestSpec(
        "Free T3",
        {
            "pg/mL": Unit(
                "pg/mL", "pg/mL", Decimal(1), "3051-0", (Decimal("2.4"), Decimal("4.2"))
            ),
            "pmol/L": Unit(
                "pmol/L", "pmol/L", Decimal("1.54"), "14928-6", (Decimal("3.7"), Decimal("6.5"))
            ),
        },
    ),
    Test.ANTI_TPO: TestSpec(
        "Anti-TPO antibodies",
        {"IU/mL": Unit("[IU]/mL", "IU/mL", Decimal(1), "8099-4", (Decimal("0"), Decimal("34")))},
    ),
}


def format_number(value: Decimal | None) -> str:
    """A value as the lab writes it, without trailing zeros: 1.200 → "1.2"; None → ""."""
    return "" if value is None else f"{value.normalize():f}"


class LabError(ValueError):
    """A unit or test the app does not know; the message is for the user."""


# Values no living patient's result reaches, in each test's canonical unit.  A free T4
# "15 ng/dL" is almost always 15 pmol/L typed against the wrong unit.
PLAUSIBLE = {
    Test.TSH: (Decimal(0), Decimal(500)),
    Test.FREE_T4: (Decimal(0), Decimal(8)),
    Test.FREE_T3: (Decimal(0), Decimal(30)),
    Test.ANTI_TPO: (Decimal(0), Decimal(100000)),
}


def implausibility(test: Test, value: Decimal, unit: str) -> str | None:
    """Why `value` cannot be a real result in `unit`, naming the unit it fits, or None."""
    test = Test(test)
    low, high = PLAUSIBLE[test]
    spec = TESTS[test]
    canonical = convert(value, test, unit, spec.canonical)
    if low <= canonical <= high:
        return None
    fits = [
        other
        for other in spec.units
        if other != unit and low <= convert(value, test, other, spec.canonical) <= high
    ]
    hint = f" Did you mean {fits[0]}?" if fits else " Check the value."
    return f"{format_number(value)} {unit} is not a possible {spec.name} result.{hint}"


def unit_of(test: Test, unit: str) -> Unit:
    try:
        spec = TESTS[Test(test)]
    except (KeyError, ValueError):
        raise LabError(f"{test} is not a thyroid test this app knows.") from None
    try:
        return spec.units[unit]
    except (KeyError, TypeError):
        # Name the units that would do, so the message says how to put it right.
        raise LabError(
            f"{unit} is not a unit for {spec.name}: use {' or '.join(spec.units)}."
        ) from None


def convert(value: Decimal, test: Test, from_unit: str, to_unit: str) -> Decimal:
    """`value` in another unit, exactly: free T4 ng/dL × 12.87 = pmol/L.

    Decimal arithmetic, never float.  Multiplying is exact; dividing is exact
    whenever the answer has a finite decimal form, as a value first converted
    the other way always does, so a round trip gives back what went in.
    """
    source, target = unit_of(test, from_unit), unit_of(test, to_unit)
    if source == target:
        return value
    return value / source.per_canonical * target.per_canonical


def other_unit(test: Test, unit: str) -> str | None:
    """The test's other unit (pmol/L for ng/dL), or None if it is reported in one unit only."""
    unit_of(test, unit)
    others = [code for code in TESTS[Test(test)].units if code != unit]
    return others[0] if len(others) == 1 else None


TWO_PLACES = Decimal("0.01")


def in_other_unit(value: Decimal, test: Test, unit: str) -> tuple[Decimal, str] | None:
    """`value` in the test's other unit to 2 places, for display: 1.2 ng/dL → (15.44, pmol/L)."""
    other = other_unit(test, unit)
    if other is None:
        return None
    return convert(value, test, unit, other).quantize(TWO_PLACES, ROUND_HALF_UP), other


def flag(value: Decimal, low: Decimal | None, high: Decimal | None) -> Flag:
    """Against the lab's range; a value on a limit is within it."""
    if low is not None and value < low:
        return Flag.LOW
    if high is not None and value > high:
        return Flag.HIGH
    return Flag.NORMAL


INTERPRETATIONS = {
    (Flag.HIGH, Flag.LOW): "Overt primary hypothyroidism (TSH high, free T4 low).",
    (Flag.HIGH, Flag.NORMAL): "Subclinical hypothyroidism (TSH high, free T4 normal).",
    (Flag.LOW, Flag.HIGH): "Overt hyperthyroidism / thyrotoxicosis (TSH low, free T4 high).",
    (Flag.LOW, Flag.NORMAL): "Subclinical hyperthyroidism (TSH low, free T4 normal).",
    (
        Flag.LOW,
        Flag.LOW,
    ): "Possible central hypothyroidism (TSH low, free T4 low): do not rely on TSH alone.",
    (
        Flag.NORMAL,
        Flag.LOW,
    ): "Possible central hypothyroidism (TSH normal, free T4 low): do not rely on TSH alone.",
    (
        Flag.NORMAL,
        Flag.HIGH,
    ): "Discordant: free T4 high with a normal TSH. Repeat, and check for assay interference.",
    (
        Flag.HIGH,
        Flag.HIGH,
    ): "Discordant: TSH and free T4 both high. Repeat, and check for assay interference.",
    (Flag.NORMAL, Flag.NORMAL): "Euthyroid: TSH and free T4 within range.",
}

SUGGESTION_ONLY = (
    " A suggestion from the results alone; IL-2 thyroiditis can pass from "
    "thyrotoxicosis to hypothyroidism, so read it with the trend."
)


def interpret(tsh: Flag | None, free_t4: Flag | None) -> str:
    """A suggested reading of a TSH and free T4 pair (docs/clinical-sources.md §3)."""
    if tsh is None:
        if free_t4 is None:
            return ""
        return "Free T4 without a TSH: measure TSH to interpret it."
    if free_t4 is None:
        words = {Flag.HIGH: "high", Flag.LOW: "low", Flag.NORMAL: "within range"}[tsh]
        return f"TSH {words}; measure free T4 to interpret it."
    return INTERPRETATIONS[(tsh, free_t4)] + SUGGESTION_ONLY


class Result(Protocol):
    """A stored lab result, as far as reading one needs it."""

    @property
    def test(self) -> str: ...
    @property
    def flag(self) -> str: ...
    @property
    def collected_at(self) -> datetime: ...


@dataclass(frozen=True)
class Reading:
    """The suggested interpretation and the TSH and free T4 results it was read from."""

    text: str
    tsh: Result | None = None
    free_t4: Result | None = None

    @property
    def collected_at(self) -> datetime:
        """When the later of the results read was collected."""
        return max(r.collected_at for r in (self.tsh, self.free_t4) if r is not None)


def reading(results: Iterable[Result], day_of: Callable[[Result], date]) -> Reading | None:
    """The latest TSH, read with the free T4 collected the same day if there is one.

    `results` are active results (anything with .test, .flag and .collected_at)
    and `day_of(result)` their day on the patient's clock.  An older pair never
    outranks a newer TSH: a high TSH today must not read as yesterday's "euthyroid".
    With no TSH at all, the latest free T4 is read alone, which asks for a TSH.
    """
    thyroid = sorted(
        (r for r in results if r.test in (Test.TSH, Test.FREE_T4)), key=lambda r: r.collected_at
    )
    tsh = next((r for r in reversed(thyroid) if r.test == Test.TSH), None)
    if tsh is None:
        if not thyroid:
            return None
        latest = thyroid[-1]
        return Reading(interpret(None, Flag(latest.flag)), free_t4=latest)
    free_t4 = next(
        (r for r in reversed(thyroid) if r.test == Test.FREE_T4 and day_of(r) == day_of(tsh)),
        None,
    )
    return Reading(
        interpret(Flag(tsh.flag), Flag(free_t4.flag) if free_t4 else None), tsh, free_t4
    )


@dataclass(frozen=True)
class Due:
    on: date
    why: str
    met_on: date | None  # when a TSH satisfied it, if one did

    def is_overdue(self, today: date) -> bool:
        return self.met_on is None and today > self.on


# A TSH this many days before a due date still counts for it.
LOOKBACK = timedelta(days=14)


def due_checks(
    courses: list[tuple[date, date]],
    every_days: list[int | None],
    tested_on: list[date],
) -> list[Due]:
    """When TSH falls due for a patient's courses, and which tests met each.

    `courses` are (first dose, last dose) dates, oldest first, and `every_days`
    their templates' interval during treatment (None for "before the course
    only").  The first course's check is the baseline.  A check is met by a TSH
    from 14 days before it up to the next check.
    """
    wanted = []
    for index, ((first, last), every) in enumerate(zip(courses, every_days, strict=True)):
        wanted.append(
            (first, "Baseline, before the first dose" if index == 0 else "Before the course")
        )
        if every:
            step = timedelta(days=every)
            day = first + step
            while day <= last:
                wanted.append((day, f"Every {every} days during the course"))
                day += step
    wanted.sort()
    tests = sorted(tested_on)
    result = []
    for position, (on, why) in enumerate(wanted):
        until = wanted[position + 1][0] - LOOKBACK if position + 1 < len(wanted) else date.max
        met = next(
            (t for t in tests if on - LOOKBACK <= t < max(until, on + timedelta(days=1))), None
        )
        result.append(Due(on=on, why=why, met_on=met))
    return result

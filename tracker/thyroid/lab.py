"""Thyroid tests as numbers: units, exact conversions, flags, interpretation and due dates.

No database here.  Ranges and codes come from docs/clinical-sources.md §3; every result
also stores the lab's own range, which is what its flag is read against.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple, Protocol

# The machinery every lab test shares lives with the observation chart's lab results;
# these names stay importable from here for the thyroid pages and the exports.
from tracker.observations.lab import (
    Flag,
    LabError,
    Qualifier,
    TestSpec,
    Unit,
    flag,
    format_number,
    format_result,
    parse_result,
    qualified_flag,
    scaled,
)

__all__ = [
    "Flag",
    "LabError",
    "Qualifier",
    "TestSpec",
    "Unit",
    "flag",
    "format_number",
    "format_result",
    "parse_result",
    "qualified_flag",
]


class Test(StrEnum):
    TSH = "tsh"
    FREE_T4 = "ft4"
    FREE_T3 = "ft3"
    ANTI_TPO = "tpo"


# Free T4 and free T3 convert by these factors (docs/clinical-sources.md §3).
FT4_PMOL_PER_NG_DL = Decimal("12.87")
FT3_PMOL_PER_PG_ML = Decimal("1.54")

FT4_RANGE_NG_DL = (Decimal("0.8"), Decimal("1.8"))
FT3_RANGE_PG_ML = (Decimal("2.4"), Decimal("4.2"))


# Values no living patient's result reaches, in each test's canonical unit.  A free T4
# "15 ng/dL" is almost always 15 pmol/L typed against the wrong unit.
PLAUSIBLE = {
    Test.TSH: (Decimal(0), Decimal(500)),
    Test.FREE_T4: (Decimal(0), Decimal(8)),
    Test.FREE_T3: (Decimal(0), Decimal(30)),
    Test.ANTI_TPO: (Decimal(0), Decimal(100000)),
}


# The pmol/L defaults are the mass-unit defaults converted, not rounded figures
# from another table (10–23 pmol/L next to 0.8–1.8 ng/dL flagged 0.78 ng/dL low
# but the same 10.04 pmol/L normal): one range, so a value flags the same in
# either unit.  The products have at most 3 places, as the column stores them.
TESTS = {
    Test.TSH: TestSpec(
        "TSH",
        {
            "mIU/L": Unit(
                "m[IU]/L", "mIU/L", Decimal(1), "3016-3", (Decimal("0.4"), Decimal("4.5"))
            )
        },
        PLAUSIBLE[Test.TSH],
    ),
    Test.FREE_T4: TestSpec(
        "Free T4",
        {
            "ng/dL": Unit("ng/dL", "ng/dL", Decimal(1), "3024-7", FT4_RANGE_NG_DL),
            "pmol/L": Unit(
                "pmol/L",
                "pmol/L",
                FT4_PMOL_PER_NG_DL,
                "14920-3",
                scaled(FT4_RANGE_NG_DL, FT4_PMOL_PER_NG_DL),
            ),
        },
        PLAUSIBLE[Test.FREE_T4],
    ),
    Test.FREE_T3: TestSpec(
        "Free T3",
        {
            "pg/mL": Unit("pg/mL", "pg/mL", Decimal(1), "3051-0", FT3_RANGE_PG_ML),
            "pmol/L": Unit(
                "pmol/L",
                "pmol/L",
                FT3_PMOL_PER_PG_ML,
                "14928-6",
                scaled(FT3_RANGE_PG_ML, FT3_PMOL_PER_PG_ML),
            ),
        },
        PLAUSIBLE[Test.FREE_T3],
    ),
    Test.ANTI_TPO: TestSpec(
        "Anti-TPO antibodies",
        {"IU/mL": Unit("[IU]/mL", "IU/mL", Decimal(1), "8099-4", (Decimal("0"), Decimal("34")))},
        PLAUSIBLE[Test.ANTI_TPO],
    ),
}


def implausibility(test: Test, value: Decimal, unit: str) -> str | None:
    """Why `value` cannot be a real result in `unit`, naming the unit it fits, or None."""
    return TESTS[Test(test)].implausibility(value, unit)


def unit_of(test: Test, unit: str) -> Unit:
    try:
        spec = TESTS[Test(test)]
    except (KeyError, ValueError):
        raise LabError(f"{test} is not a thyroid test this app knows.") from None
    return spec.unit(unit)


def convert(value: Decimal, test: Test, from_unit: str, to_unit: str) -> Decimal:
    """`value` in another unit, exactly: free T4 ng/dL × 12.87 = pmol/L (TestSpec.convert)."""
    unit_of(test, from_unit)
    return TESTS[Test(test)].convert(value, from_unit, to_unit)


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


INTERPRETATIONS = {
    (Flag.HIGH, Flag.LOW): "Overt primary hypothyroidism (TSH high, free T4 low).",
    (Flag.HIGH, Flag.NORMAL): "Subclinical hypothyroidism (TSH high, free T4 normal).",
    (Flag.LOW, Flag.HIGH): "Overt hyperthyroidism / thyrotoxicosis (TSH low, free T4 high).",
    (Flag.LOW, Flag.NORMAL): "Subclinical hyperthyroidism (TSH low, free T4 normal).",
    # After IL-2 the likeliest causes come first, central hypothyroidism last
    # (docs/clinical-sources.md §3).
    (Flag.LOW, Flag.LOW): (
        "TSH low, free T4 low: after IL-2, most likely thyroiditis passing from its "
        "thyrotoxic to its hypothyroid phase; also non-thyroidal illness, or TSH held down "
        "by drugs (dopamine, glucocorticoids); central hypothyroidism is the least likely. "
        "Repeat TSH and free T4; do not rely on TSH alone."
    ),
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


# A low TSH with a normal free T4 is subclinical only while free T3 is normal too:
# with free T3 high it is T3 thyrotoxicosis (docs/clinical-sources.md §3).
T3_THYROTOXICOSIS = "T3 thyrotoxicosis (TSH low, free T4 normal, free T3 high)."
T3_WITHOUT_T4 = (
    "TSH low with free T3 high: thyrotoxicosis likely; measure free T4 to interpret it."
)


def interpret(tsh: Flag | None, free_t4: Flag | None, free_t3: Flag | None = None) -> str:
    """A suggested reading of a TSH and free T4 pair, with free T3 if measured
    (docs/clinical-sources.md §3)."""
    if tsh is None:
        if free_t4 is None:
            return ""
        return "Free T4 without a TSH: measure TSH to interpret it."
    if free_t4 is None:
        if tsh == Flag.LOW and free_t3 == Flag.HIGH:
            return T3_WITHOUT_T4
        words = {Flag.HIGH: "high", Flag.LOW: "low", Flag.NORMAL: "within range"}[tsh]
        return f"TSH {words}; measure free T4 to interpret it."
    if (tsh, free_t4, free_t3) == (Flag.LOW, Flag.NORMAL, Flag.HIGH):
        return T3_THYROTOXICOSIS + SUGGESTION_ONLY
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
    """The suggested interpretation and the TSH, free T4 and free T3 results it was read from."""

    text: str
    tsh: Result | None = None
    free_t4: Result | None = None
    free_t3: Result | None = None

    @property
    def collected_at(self) -> datetime:
        """When the latest of the results read was collected."""
        return max(r.collected_at for r in (self.tsh, self.free_t4, self.free_t3) if r is not None)


READ = (Test.TSH, Test.FREE_T4, Test.FREE_T3)


def reading(results: Iterable[Result], day_of: Callable[[Result], date]) -> Reading | None:
    """The latest TSH, read with the free T4 and free T3 collected the same day if any.

    `results` are active results (anything with .test, .flag and .collected_at)
    and `day_of(result)` their day on the patient's clock.  An older pair never
    outranks a newer TSH: a high TSH today must not read as yesterday's "euthyroid".
    With no TSH at all, the latest free T4 is read alone, which asks for a TSH.
    """
    thyroid = sorted((r for r in results if r.test in READ), key=lambda r: r.collected_at)
    tsh = next((r for r in reversed(thyroid) if r.test == Test.TSH), None)
    if tsh is None:
        free_t4s = [r for r in thyroid if r.test == Test.FREE_T4]
        if not free_t4s:
            return None
        latest = free_t4s[-1]
        return Reading(interpret(None, Flag(latest.flag)), free_t4=latest)

    def same_day(test: Test) -> Result | None:
        return next(
            (r for r in reversed(thyroid) if r.test == test and day_of(r) == day_of(tsh)), None
        )

    free_t4, free_t3 = same_day(Test.FREE_T4), same_day(Test.FREE_T3)
    text = interpret(
        Flag(tsh.flag),
        Flag(free_t4.flag) if free_t4 else None,
        Flag(free_t3.flag) if free_t3 else None,
    )
    return Reading(text, tsh, free_t4, free_t3)


class Due(NamedTuple):
    # A tuple, not a dataclass: a clinic page makes one for each check of each patient
    # of the team, thousands a page, and a frozen dataclass takes over twice as long to make.
    on: date
    why: str
    met_on: date | None  # when a TSH satisfied it, if one did

    def is_overdue(self, today: date) -> bool:
        return self.met_on is None and today > self.on


# A TSH this many days before a due date still counts for it.
LOOKBACK = timedelta(days=14)
ONE_DAY = timedelta(days=1)


def due_checks(
    courses: list[tuple[date, date]],
    every_days: list[int | None],
    tested_on: list[date],
    follow_up: Iterable[tuple[int, str]] = (),
) -> list[Due]:
    """When TSH falls due for a patient's courses, and which tests met each.

    `courses` are (first dose, last dose) dates, oldest first, and `every_days`
    their templates' interval during treatment (None for "before the course
    only").  The first course's check is the baseline.  `follow_up` is
    (days after the last dose, label) for the checks after the last course:
    hypothyroidism after IL-2 shows months after the doses stop
    (docs/clinical-sources.md §3).  A check is met by a TSH from 14 days
    before it until 14 days before the next check (the last check: any time after).
    """
    if not courses:
        return []
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
    last_dose = courses[-1][1]
    wanted += [(last_dose + timedelta(days=after), label) for after, label in follow_up]
    wanted.sort()
    tests = sorted(tested_on)
    # A check's window ends where the next one's begins; the last one's never does.
    ends = [on - LOOKBACK for on, _ in wanted[1:]] + [date.max]
    result = []
    for (on, why), until in zip(wanted, ends, strict=True):
        # The earliest test from the window's start, if it is before the window's end.
        earliest = bisect_left(tests, on - LOOKBACK)
        inside = earliest < len(tests) and tests[earliest] < max(until, on + ONE_DAY)
        result.append(Due(on, why, tests[earliest] if inside else None))
    return result

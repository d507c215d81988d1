"""Dose, volume and vial arithmetic for aldesleukin (interleukin-2, Proleukin).

A regimen template states its dose in one of three ways: IU per kg of body
weight (the high-dose IV label, 600,000 IU/kg), MIU per m² of body surface area
(low-dose and subcutaneous protocols) or a flat MIU dose. This module turns one
of those into the amount for a single administration, the reconstituted volume
to draw up and the number of single-use vials to open.

The module is pure: no Django, no database, no clock. All arithmetic is in
``decimal.Decimal`` inside a private context, because a float would put binary
rounding error into a drug dose, and because a caller's global decimal context
(precision, rounding mode) must not be able to change a dose.

Facts used (Proleukin prescribing information, sections 2 and 16):

* one vial holds 22 million IU and is single use;
* 1.2 mL of sterile water makes 18 million IU per mL;
* reconstituted and diluted drug keeps for up to 48 hours;
* body surface area is Mosteller's formula.

Vials are counted with a margin for what stays in the vial, hub and syringe:
a vial is counted as giving ``USABLE_IU_PER_VIAL`` (1.1 mL, 19.8 MIU), not the
whole 22 MIU (docs/clinical-sources.md §6, docs/dosing.md).

These are engineering calculations, not clinical guidance: a pharmacist or
oncologist must check every dose before it is given.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from tracker.lib.units import IU_PER_MIU
from tracker.patients.measures import CONTEXT as _CONTEXT
from tracker.patients.measures import (
    PLAUSIBLE_HEIGHT_CM,
    PLAUSIBLE_WEIGHT_KG,
    MeasurementError,
    body_mass_index,
    body_size_warning,
    positive,
)
from tracker.patients.measures import format_input as _format_input
from tracker.patients.measures import format_number as _format_number
from tracker.patients.measures import round_half_up as _round

__all__ = [
    "BMI_TO_WARN",
    "IU_PER_MIU",
    "RECONSTITUTED_IU_PER_ML",
    "STABILITY",
    "USABLE_IU_PER_VIAL",
    "USABLE_ML_PER_VIAL",
    "VIAL_IU",
    "DoseCalculation",
    "DoseStep",
    "DoseUnit",
    "DosingError",
    "Quantity",
    "VialCount",
    "amount_on_day",
    "bmi_warning",
    "body_mass_index",
    "body_size_refusal",
    "body_size_warning",
    "body_surface_area",
    "calculate_dose",
    "count_vials",
    "dose_steps",
    "pooled_vials",
    "vials_for_iu",
]


class DoseUnit(StrEnum):
    """How a regimen template states its dose."""

    IU_PER_KG = "IU/kg"
    MIU_PER_M2 = "MIU/m²"
    MIU_FLAT = "MIU"


VIAL_IU = Decimal(22_000_000)
RECONSTITUTED_IU_PER_ML = Decimal(18_000_000)
# 22 MIU in 1.2 mL is about 1.22 mL a vial, but some stays in the vial, the needle hub
# and the syringe's dead space.  Counting a vial as 1.1 mL keeps a margin, so a dose that
# needs "exactly 2 vials" on paper (73 kg at 600,000 IU/kg, 43.8 MIU) is counted as 3
# and is not short at the bedside.  A documented choice, not a label figure:
# docs/dosing.md and docs/clinical-sources.md §6.
USABLE_ML_PER_VIAL = Decimal("1.1")
USABLE_IU_PER_VIAL = USABLE_ML_PER_VIAL * RECONSTITUTED_IU_PER_ML  # 19.8 MIU
# Reconstituted or diluted drug keeps up to 48 h (docs/clinical-sources.md §6): within
# that, pharmacy may draw two doses from one vial set.
STABILITY = timedelta(hours=48)
# A BMI from here up is shown with a warning: whether to dose on actual, ideal or
# adjusted weight is the prescriber's choice (docs/clinical-sources.md §6).
BMI_TO_WARN = Decimal(35)

MOSTELLER_DIVISOR = Decimal(3600)

UNIT_MIU = "MIU"
UNIT_ML = "mL"
UNIT_M2 = "m²"

WHOLE = Decimal(1)
HUNDREDTH = Decimal("0.01")


class DosingError(MeasurementError):
    """An input that cannot give a dose; the message is one line, fit to show a user."""


@dataclass(frozen=True)
class Quantity:
    """A Decimal value with its unit, e.g. 49.44 MIU or 2.33 mL."""

    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):
            raise TypeError(f"Quantity value must be a Decimal, not {type(self.value).__name__}.")

    def __str__(self) -> str:
        return f"{_format_number(self.value)} {self.unit}"


@dataclass(frozen=True)
class DoseCalculation:
    """One administration of a template's dose for one patient, with how it was reached."""

    amount: Decimal
    unit: DoseUnit
    weight_kg: Decimal | None
    height_cm: Decimal | None
    bsa: Quantity | None
    dose_iu: Decimal
    dose_miu: Quantity
    vials_per_dose: int
    volume_ml: Quantity

    def vials_for(self, doses: int) -> int:
        """Vials for a number of doses, each opening its own vial set.

        Pooling leftovers across doses within the stability window is
        pharmacy's choice: pooled_vials counts that case.
        """
        if isinstance(doses, bool) or not isinstance(doses, int):
            raise DosingError("The number of doses must be a whole number.")
        if doses < 0:
            raise DosingError("The number of doses cannot be negative.")
        return self.vials_per_dose * doses

    def basis(self) -> str:
        """How the dose was reached, in words a pharmacist can check by hand."""
        amount = f"{_format_input(self.amount)} {self.unit}"
        if self.unit == DoseUnit.MIU_FLAT:
            return f"{amount} flat"
        if self.unit == DoseUnit.IU_PER_KG:
            return f"{amount} × {_format_input(_needed(self.weight_kg))} kg = {self.dose_miu}"
        return (
            f"{amount} × {self.bsa} (Mosteller, {_format_input(_needed(self.height_cm))} cm, "
            f"{_format_input(_needed(self.weight_kg))} kg) = {self.dose_miu}"
        )


def body_surface_area(height_cm: Decimal, weight_kg: Decimal) -> Quantity:
    """Mosteller body surface area, sqrt(height_cm × weight_kg / 3600), to 0.01 m²."""
    height = _positive("Height", height_cm)
    weight = _positive("Weight", weight_kg)
    with decimal.localcontext(_CONTEXT):
        square = height * weight / MOSTELLER_DIVISOR
        return Quantity(_round(square.sqrt(), HUNDREDTH), UNIT_M2)


def calculate_dose(
    amount: Decimal,
    unit: DoseUnit | str,
    *,
    weight_kg: Decimal | None = None,
    height_cm: Decimal | None = None,
) -> DoseCalculation:
    """Work out one administration of a template's dose.

    Weight and height are checked whenever they are given, even if the unit
    does not need them, so a bad measurement never passes silently.
    """
    dose_unit = _dose_unit(unit)
    dose_amount = _positive("The dose amount", amount)
    weight = None if weight_kg is None else _positive("Weight", weight_kg)
    height = None if height_cm is None else _positive("Height", height_cm)
    _require_measurements(dose_unit, weight, height)

    try:
        with decimal.localcontext(_CONTEXT):
            bsa = (
                body_surface_area(_needed(height), _needed(weight))
                if dose_unit == DoseUnit.MIU_PER_M2
                else None
            )
            dose_iu = _dose_iu(dose_amount, dose_unit, weight, bsa)
            if dose_iu < WHOLE:
                raise DosingError("The dose is less than 1 IU, which cannot be given.")
            dose_miu = _round(dose_iu / IU_PER_MIU, HUNDREDTH)
            vials = _vials(dose_iu)
            volume_ml = _volume_ml(dose_iu)
    except decimal.InvalidOperation:
        # Only absurdly large inputs get here: a result outgrows the context.
        raise DosingError("The inputs are too large to calculate a dose.") from None

    return DoseCalculation(
        amount=dose_amount,
        unit=dose_unit,
        weight_kg=weight,
        height_cm=height,
        bsa=bsa,
        dose_iu=dose_iu,
        dose_miu=Quantity(dose_miu, UNIT_MIU),
        vials_per_dose=vials,
        volume_ml=Quantity(volume_ml, UNIT_ML),
    )


def _dose_iu(
    amount: Decimal, unit: DoseUnit, weight: Decimal | None, bsa: Quantity | None
) -> Decimal:
    # IU cannot be split, so the dose is a whole number of IU; everything
    # downstream (MIU, mL, vials) is derived from this one rounded figure.
    if unit == DoseUnit.IU_PER_KG:
        exact = amount * _needed(weight)
    elif unit == DoseUnit.MIU_PER_M2:
        # The rounded BSA is used so the basis line multiplies out by hand.
        exact = amount * IU_PER_MIU * _needed(bsa).value
    else:
        exact = amount * IU_PER_MIU
    return _round(exact, WHOLE)


def vials_for_iu(dose_iu: Decimal) -> int:
    """Vials opened for one administration of `dose_iu`, each counted as USABLE_IU_PER_VIAL."""
    return _vials(_positive("dose", dose_iu))


def _vials(dose_iu: Decimal) -> int:
    # divmod on Decimals is exact, unlike a division followed by ceiling,
    # which could round 1.000…01 vials down to 1 at the context's precision.
    with decimal.localcontext(_CONTEXT):
        whole, remainder = divmod(dose_iu, USABLE_IU_PER_VIAL)
    return int(whole) + (1 if remainder else 0)


def pooled_vials(
    doses: Iterable[tuple[datetime, Decimal]], stability: timedelta = STABILITY
) -> int:
    """Vials for `doses` (planned time, IU) when a dose may use what earlier vials left.

    A vial set opened for one dose may serve later doses planned less than
    `stability` after it was opened; then what is left is thrown away.  Doses
    are taken in time order.
    """
    vials = 0
    left = Decimal(0)
    opened_at = None
    for at, dose_iu in sorted(doses, key=lambda dose: dose[0]):
        need = _positive("dose", dose_iu)
        if opened_at is None or at - opened_at >= stability:
            left = Decimal(0)
        used = min(left, need)
        left, need = left - used, need - used
        if need:
            opened = _vials(need)
            vials += opened
            left, opened_at = opened * USABLE_IU_PER_VIAL - need, at
    return vials


@dataclass(frozen=True)
class VialCount:
    """Vials for one cycle, both ways pharmacy may count them."""

    cycle: int
    doses: int
    per_dose: int  # each dose opens its own vial set
    pooled: int  # doses within the stability window share vials

    def __str__(self) -> str:
        return (
            f"cycle {self.cycle}: {self.per_dose} vials one set per dose, "
            f"{self.pooled} pooled within {_hours(STABILITY)} h ({self.doses} doses)"
        )


def count_vials(doses: Iterable[tuple[int, datetime, Decimal]]) -> list[VialCount]:
    """Per-cycle vial counts for (cycle, planned time, IU) doses, in cycle order."""
    by_cycle: dict[int, list[tuple[datetime, Decimal]]] = {}
    for cycle, at, dose_iu in doses:
        by_cycle.setdefault(cycle, []).append((at, dose_iu))
    return [
        VialCount(
            cycle=cycle,
            doses=len(rows),
            per_dose=sum(_vials(_positive("dose", iu)) for _, iu in rows),
            pooled=pooled_vials(rows),
        )
        for cycle, rows in sorted(by_cycle.items())
    ]


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)


# Dose steps ---------------------------------------------------------------------------
#
# Published subcutaneous regimens give a lower dose after the first week (e.g. 18 MIU on
# days 1-5, then 18, 18, 9, 9, 9 MIU in each of weeks 2-4: docs/clinical-sources.md §6).
# A template's steps say so: from a day of the cycle on, the dose is another amount, until
# the next step.  Day 1 is the cycle's first day; before the first step the template's
# own amount applies.


@dataclass(frozen=True)
class DoseStep:
    from_day: int
    amount: Decimal


def dose_steps(data: object) -> tuple[DoseStep, ...]:
    """Steps from their stored form, a list of {"from_day": 8, "amount": "9"}; checked."""
    if data in (None, []):
        return ()
    if not isinstance(data, list | tuple):
        raise DosingError('Dose steps must be a list such as [{"from_day": 8, "amount": "9"}].')
    steps = []
    for item in data:
        if not isinstance(item, dict) or set(item) != {"from_day", "amount"}:
            raise DosingError('Each dose step needs "from_day" and "amount", and nothing else.')
        day = item["from_day"]
        if isinstance(day, bool) or not isinstance(day, int) or day < 2:
            raise DosingError("A dose step starts on a day of the cycle from 2 on.")
        amount = item["amount"]
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            amount = str(amount)  # stored JSON: an integer, or a float as written
        steps.append(DoseStep(day, _positive("A dose step's amount", amount)))
    days = [step.from_day for step in steps]
    if days != sorted(set(days)):
        raise DosingError("Dose steps must be in order of day, one step a day.")
    return tuple(steps)


def amount_on_day(amount: Decimal, steps: Iterable[DoseStep], cycle_day: int) -> Decimal:
    """The dose amount on `cycle_day` of a cycle (day 1 = the cycle's first day)."""
    for step in steps:
        if step.from_day > cycle_day:
            break
        amount = step.amount
    return amount


# Plausible adult body size ------------------------------------------------------------


def body_size_refusal(
    height_cm: Decimal | int | str | None, weight_kg: Decimal | int | str | None
) -> str | None:
    """Why a height or weight cannot be used for an adult's dose, or None.

    Outside tracker.patients.measures' plausible adult ranges a measurement is far
    more likely mistyped (or height and weight swapped) than real: refused, not asked.
    """
    problems = []
    for name, value, (low, high), unit in (
        ("Weight", weight_kg, PLAUSIBLE_WEIGHT_KG, "kg"),
        ("Height", height_cm, PLAUSIBLE_HEIGHT_CM, "cm"),
    ):
        if value is None:
            continue
        number = _positive(name, value)
        if not low <= number <= high:
            problems.append(
                f"{name} {_format_input(number)} {unit} is outside the plausible adult range "
                f"{low:f}–{high:f} {unit}"
            )
    if not problems:
        return None
    return (
        "; ".join(problems)
        + ". Check the measurement (and that height and weight are not swapped)."
    )


def bmi_warning(height_cm: Decimal | None, weight_kg: Decimal | None) -> str | None:
    """A note for a BMI of 35 or more: which weight to dose on is the prescriber's choice."""
    if height_cm is None or weight_kg is None:
        return None
    bmi = body_mass_index(height_cm, weight_kg)
    if bmi < BMI_TO_WARN:
        return None
    return (
        f"BMI {bmi} kg/m² (35 or more): check whether the dose should use actual, ideal or "
        "adjusted body weight."
    )


def _volume_ml(dose_iu: Decimal) -> Decimal:
    # Half-up on an exact quotient in hundredths of a mL, for the same reason
    # as in _vials: no intermediate rounding before the one that matters.
    with decimal.localcontext(_CONTEXT):
        hundredths, remainder = divmod(dose_iu / HUNDREDTH, RECONSTITUTED_IU_PER_ML)
        if 2 * remainder >= RECONSTITUTED_IU_PER_ML:
            hundredths += 1
        return hundredths * HUNDREDTH


def _require_measurements(unit: DoseUnit, weight: Decimal | None, height: Decimal | None) -> None:
    if unit == DoseUnit.IU_PER_KG and weight is None:
        raise DosingError(f"Weight is needed for a dose in {unit}.")
    if unit == DoseUnit.MIU_PER_M2:
        if height is None and weight is None:
            raise DosingError(f"Height and weight are needed for a dose in {unit}.")
        if height is None:
            raise DosingError(f"Height is needed for a dose in {unit}.")
        if weight is None:
            raise DosingError(f"Weight is needed for a dose in {unit}.")


def _dose_unit(unit: DoseUnit | str) -> DoseUnit:
    try:
        return DoseUnit(unit)
    except ValueError:
        expected = ", ".join(member.value for member in DoseUnit)
        raise DosingError(f"Unknown dose unit {unit!r}; expected one of {expected}.") from None


def _positive(name: str, value: Decimal | int | str) -> Decimal:
    try:
        return positive(name, value)
    except MeasurementError as error:
        # The same message, as the dose maths' own error, which its callers catch.
        raise DosingError(str(error)) from None


_T = TypeVar("_T")


def _needed(value: _T | None) -> _T:
    # _require_measurements has already refused a dose whose unit lacks a measurement;
    # this keeps that promise visible to the type checker.
    if value is None:
        raise DosingError("A measurement this dose needs is missing.")
    return value

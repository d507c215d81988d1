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
* body surface area is Mosteller's formula.

These are engineering calculations, not clinical guidance: a pharmacist or
oncologist must check every dose before it is given.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

__all__ = [
    "RECONSTITUTED_IU_PER_ML",
    "VIAL_IU",
    "DoseCalculation",
    "DoseUnit",
    "DosingError",
    "Quantity",
    "body_mass_index",
    "body_size_warning",
    "body_surface_area",
    "calculate_dose",
    "vials_for_iu",
]


class DoseUnit(StrEnum):
    """How a regimen template states its dose."""

    IU_PER_KG = "IU/kg"
    MIU_PER_M2 = "MIU/m²"
    MIU_FLAT = "MIU"


VIAL_IU = Decimal(22_000_000)
RECONSTITUTED_IU_PER_ML = Decimal(18_000_000)

IU_PER_MIU = Decimal(1_000_000)
MOSTELLER_DIVISOR = Decimal(3600)

UNIT_MIU = "MIU"
UNIT_ML = "mL"
UNIT_M2 = "m²"

WHOLE = Decimal(1)
HUNDREDTH = Decimal("0.01")

# Sixty digits keeps every product of realistic inputs exact, so the only
# rounding is the deliberate half-up step at the end of each calculation.
# Traps turn a nonsense input into an exception instead of a NaN dose.
_CONTEXT = decimal.Context(
    prec=60,
    rounding=ROUND_HALF_UP,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class DosingError(ValueError):
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
        """Vials for a number of doses.

        Each dose opens its own vials, because a reconstituted vial is single
        use; pooling leftovers across doses is a pharmacy decision, not ours.
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


# Plausible adult body sizes.  Outside them a measurement is more likely mistyped (or
# height and weight swapped) than real, so a person must confirm it before it is used.
PLAUSIBLE_HEIGHT_CM = (Decimal(120), Decimal(230))
PLAUSIBLE_WEIGHT_KG = (Decimal(30), Decimal(250))
PLAUSIBLE_BMI = (Decimal(12), Decimal(70))
TENTH = Decimal("0.1")


def body_mass_index(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Weight in kg over height in metres squared, to 0.1 kg/m²."""
    height = _positive("Height", height_cm)
    weight = _positive("Weight", weight_kg)
    with decimal.localcontext(_CONTEXT):
        return _round(weight / (height / 100) ** 2, TENTH)


def body_size_warning(
    height_cm: Decimal | int | str | None, weight_kg: Decimal | int | str | None
) -> str | None:
    """What looks wrong with a height and weight for an adult, or None if nothing does."""
    if height_cm is None or weight_kg is None:
        return None
    height_cm, weight_kg = _to_decimal("Height", height_cm), _to_decimal("Weight", weight_kg)
    if height_cm <= 0 or weight_kg <= 0:
        # Nothing to compare: the fields' own validation says what is wrong with them.
        return None
    bmi = body_mass_index(height_cm, weight_kg)
    checks = [
        ("height", height_cm, PLAUSIBLE_HEIGHT_CM, "cm"),
        ("weight", weight_kg, PLAUSIBLE_WEIGHT_KG, "kg"),
        ("BMI", bmi, PLAUSIBLE_BMI, "kg/m²"),
    ]
    unusual = [
        f"{name} {_format_input(value)} {unit} is outside {low:f}–{high:f}"
        for name, value, (low, high), unit in checks
        if not low <= value <= high
    ]
    if not unusual:
        return None
    return (
        f"Check the measurements: {_format_input(height_cm)} cm and "
        f"{_format_input(weight_kg)} kg give a BMI of {bmi} ({'; '.join(unusual)}). "
        "Height and weight may be swapped or mistyped. Tick the box if they are right."
    )


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
    """Vials opened for one administration of `dose_iu` (single-use 22 MIU vials)."""
    return _vials(_positive("dose", dose_iu))


def _vials(dose_iu: Decimal) -> int:
    # divmod on Decimals is exact, unlike a division followed by ceiling,
    # which could round 1.000…01 vials down to 1 at the context's precision.
    with decimal.localcontext(_CONTEXT):
        whole, remainder = divmod(dose_iu, VIAL_IU)
    return int(whole) + (1 if remainder else 0)


def _volume_ml(dose_iu: Decimal) -> Decimal:
    # Half-up on an exact quotient in hundredths of a mL, for the same reason
    # as in _vials: no intermediate rounding before the one that matters.
    with decimal.localcontext(_CONTEXT):
        hundredths, remainder = divmod(dose_iu / HUNDREDTH, RECONSTITUTED_IU_PER_ML)
        if 2 * remainder >= RECONSTITUTED_IU_PER_ML:
            hundredths += 1
        return hundredths * HUNDREDTH


def _round(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


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
    number = _to_decimal(name, value)
    if number <= 0:
        raise DosingError(f"{name} must be greater than zero.")
    return number


def _to_decimal(name: str, value: Decimal | int | str) -> Decimal:
    # Floats are refused outright: Decimal(0.1) is 0.1000000000000000055…, and
    # a dose silently carrying that error is worse than an error message.
    if isinstance(value, float):
        raise DosingError(
            f"{name} must be a Decimal, int or string, not a float (floats round in binary)."
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise DosingError(f"{name} must be a Decimal, int or string.")
    try:
        # Our context, so a caller's context that does not trap cannot turn
        # "abc" into a quiet NaN; Decimal() itself never rounds.
        with decimal.localcontext(_CONTEXT):
            number = Decimal(value)
    except decimal.InvalidOperation:
        raise DosingError(f"{name} is not a number: {value!r}.") from None
    if not number.is_finite():
        raise DosingError(f"{name} must be a finite number.")
    return number


def _format_number(value: Decimal) -> str:
    # Fixed point, never 4.2E+7; thousands grouped so 600,000 reads at a glance.
    # Trailing zeros are kept because they carry the quantisation (1.00 mL).
    return f"{value:,f}"


_T = TypeVar("_T")


def _needed(value: _T | None) -> _T:
    # _require_measurements has already refused a dose whose unit lacks a measurement;
    # this keeps that promise visible to the type checker.
    if value is None:
        raise DosingError("A measurement this dose needs is missing.")
    return value


def _format_input(value: Decimal) -> str:
    # Inputs are shown as entered, less storage padding: 600000.000 IU/kg reads 600,000.
    return _format_number(value.normalize())

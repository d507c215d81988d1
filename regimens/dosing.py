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
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from tracker.lib.units import IU_PER_MIU
from tracker.patients.measures import CONTEXT as _CONTEXT
from tracker.patients.measures import (
    MeasurementError,
    body_mass_index,
    body_size_warning,
    positive,
)
from tracker.patients.measures import format_input as _format_input
from tracker.patients.measures import format_number as _format_number
from tracker.patients.measures import round_half_up as _round

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

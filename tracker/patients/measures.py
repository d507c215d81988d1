"""A patient's height and weight as numbers: reading them, BMI, and whether they look right.

The module is pure: no Django, no database, no clock, so regimens.dosing can build
its dose arithmetic on it.  All arithmetic is in ``decimal.Decimal`` inside a private
context, because a float would put binary rounding error into a dose, and because a
caller's global decimal context (precision, rounding mode) must not change one.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "PLAUSIBLE_BMI",
    "PLAUSIBLE_HEIGHT_CM",
    "PLAUSIBLE_WEIGHT_KG",
    "MeasurementError",
    "body_mass_index",
    "body_size_warning",
    "format_input",
    "format_number",
    "positive",
    "round_half_up",
    "to_decimal",
]

# Sixty digits keeps every product of realistic inputs exact, so the only
# rounding is the deliberate half-up step at the end of each calculation.
# Traps turn a nonsense input into an exception instead of a NaN dose.
CONTEXT = decimal.Context(
    prec=60,
    rounding=ROUND_HALF_UP,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

TENTH = Decimal("0.1")

# Plausible adult body sizes.  Outside them a measurement is more likely mistyped (or
# height and weight swapped) than real, so a person must confirm it before it is used.
PLAUSIBLE_HEIGHT_CM = (Decimal(120), Decimal(230))
PLAUSIBLE_WEIGHT_KG = (Decimal(30), Decimal(250))
PLAUSIBLE_BMI = (Decimal(12), Decimal(70))


class MeasurementError(ValueError):
    """A value that is not a usable number; the message is one line, fit to show a user."""


def body_mass_index(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Weight in kg over height in metres squared, to 0.1 kg/m²."""
    height = positive("Height", height_cm)
    weight = positive("Weight", weight_kg)
    with decimal.localcontext(CONTEXT):
        return round_half_up(weight / (height / 100) ** 2, TENTH)


def body_size_warning(
    height_cm: Decimal | int | str | None, weight_kg: Decimal | int | str | None
) -> str | None:
    """What looks wrong with a height and weight for an adult, or None if nothing does."""
    if height_cm is None or weight_kg is None:
        return None
    height_cm, weight_kg = to_decimal("Height", height_cm), to_decimal("Weight", weight_kg)
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
        f"{name} {format_input(value)} {unit} is outside {low:f}–{high:f}"
        for name, value, (low, high), unit in checks
        if not low <= value <= high
    ]
    if not unusual:
        return None
    return (
        f"Check the measurements: {format_input(height_cm)} cm and "
        f"{format_input(weight_kg)} kg give a BMI of {bmi} ({'; '.join(unusual)}). "
        "Height and weight may be swapped or mistyped. Tick the box if they are right."
    )


def positive(name: str, value: Decimal | int | str) -> Decimal:
    number = to_decimal(name, value)
    if number <= 0:
        raise MeasurementError(f"{name} must be greater than zero.")
    return number


def to_decimal(name: str, value: Decimal | int | str) -> Decimal:
    # Floats are refused outright: Decimal(0.1) is 0.1000000000000000055…, and
    # a dose silently carrying that error is worse than an error message.
    if isinstance(value, float):
        raise MeasurementError(
            f"{name} must be a Decimal, int or string, not a float (floats round in binary)."
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise MeasurementError(f"{name} must be a Decimal, int or string.")
    try:
        # Our context, so a caller's context that does not trap cannot turn
        # "abc" into a quiet NaN; Decimal() itself never rounds.
        with decimal.localcontext(CONTEXT):
            number = Decimal(value)
    except decimal.InvalidOperation:
        raise MeasurementError(f"{name} is not a number: {value!r}.") from None
    if not number.is_finite():
        raise MeasurementError(f"{name} must be a finite number.")
    return number


def round_half_up(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def format_number(value: Decimal) -> str:
    # Fixed point, never 4.2E+7; thousands grouped so 600,000 reads at a glance.
    # Trailing zeros are kept because they carry the quantisation (1.00 mL).
    return f"{value:,f}"


def format_input(value: Decimal) -> str:
    # Inputs are shown as entered, less storage padding: 600000.000 IU/kg reads 600,000.
    return format_number(value.normalize())

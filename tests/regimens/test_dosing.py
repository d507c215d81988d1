"""Tests for regimens.dosing: the pure dose, volume and vial arithmetic."""

import dataclasses
import decimal
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimens.dosing import (
    RECONSTITUTED_IU_PER_ML,
    VIAL_IU,
    DoseCalculation,
    DoseUnit,
    DosingError,
    Quantity,
    body_surface_area,
    calculate_dose,
)

HD_DOSE = Decimal(600_000)


def hd_dose(weight_kg):
    return calculate_dose(HD_DOSE, DoseUnit.IU_PER_KG, weight_kg=weight_kg)


# --- Worked examples: 70 kg and 80 kg patients at 600,000 IU/kg ---------------


def test_it_gives_42_miu_and_28_vials_per_cycle_for_70_kg_at_600000_iu_per_kg():
    dose = hd_dose(Decimal(70))

    assert dose.dose_iu == Decimal(42_000_000)
    assert str(dose.dose_miu) == "42.00 MIU"
    assert str(dose.volume_ml) == "2.33 mL"
    assert dose.vials_per_dose == 2
    assert dose.vials_for(14) == 28


def test_it_gives_48_miu_and_42_vials_per_cycle_for_80_kg_at_600000_iu_per_kg():
    dose = hd_dose(Decimal(80))

    assert dose.dose_iu == Decimal(48_000_000)
    assert dose.dose_miu == Quantity(Decimal("48.00"), "MIU")
    assert dose.volume_ml == Quantity(Decimal("2.67"), "mL")
    assert dose.vials_per_dose == 3
    assert dose.vials_for(14) == 42


def test_it_keeps_the_inputs_and_explains_a_weight_based_dose():
    dose = hd_dose(Decimal("82.4"))

    assert dose.amount == HD_DOSE
    assert dose.unit is DoseUnit.IU_PER_KG
    assert dose.weight_kg == Decimal("82.4")
    assert dose.height_cm is None
    assert dose.bsa is None
    assert dose.dose_iu == Decimal(49_440_000)
    assert str(dose.dose_miu) == "49.44 MIU"
    assert str(dose.volume_ml) == "2.75 mL"
    assert dose.vials_per_dose == 3
    assert dose.basis() == "600,000 IU/kg × 82.4 kg = 49.44 MIU"


def test_it_accepts_the_720000_iu_per_kg_protocol_dose():
    dose = calculate_dose(Decimal(720_000), "IU/kg", weight_kg=Decimal(70))

    assert str(dose.dose_miu) == "50.40 MIU"
    assert dose.vials_per_dose == 3


# --- Body surface area ------------------------------------------------------


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "expected"),
    [
        (Decimal(178), Decimal("82.4"), Decimal("2.02")),
        (Decimal(170), Decimal(70), Decimal("1.82")),
        (Decimal("164.5"), Decimal(61), Decimal("1.67")),
        (Decimal(180), Decimal(80), Decimal("2.00")),
    ],
)
def test_it_computes_mosteller_body_surface_area(height_cm, weight_kg, expected):
    assert body_surface_area(height_cm, weight_kg) == Quantity(expected, "m²")


def test_it_rounds_body_surface_area_half_up():
    # 150 × 79.935 / 3600 = 3.330625 = 1.825², exactly on the tie.
    assert body_surface_area(Decimal(150), Decimal("79.935")).value == Decimal("1.83")


def test_it_validates_body_surface_area_inputs():
    with pytest.raises(DosingError, match="Height must be greater than zero"):
        body_surface_area(Decimal(0), Decimal(70))
    with pytest.raises(DosingError, match="float"):
        body_surface_area(Decimal(170), 70.0)


def test_it_doses_per_square_metre_from_the_rounded_body_surface_area():
    dose = calculate_dose(
        Decimal(1), DoseUnit.MIU_PER_M2, weight_kg=Decimal("82.4"), height_cm=Decimal(178)
    )

    assert str(dose.bsa) == "2.02 m²"
    assert dose.dose_iu == Decimal(2_020_000)
    assert str(dose.dose_miu) == "2.02 MIU"
    assert str(dose.volume_ml) == "0.11 mL"
    assert dose.vials_per_dose == 1
    assert dose.basis() == "1 MIU/m² × 2.02 m² (Mosteller, 178 cm, 82.4 kg) = 2.02 MIU"


def test_it_doses_20_miu_per_square_metre_for_a_170_cm_70_kg_patient():
    dose = calculate_dose(Decimal(20), "MIU/m²", weight_kg=Decimal(70), height_cm=Decimal(170))

    assert dose.dose_iu == Decimal(36_400_000)
    assert dose.vials_per_dose == 2


# --- Flat doses -------------------------------------------------------------


def test_it_gives_one_vial_and_one_ml_for_a_flat_18_miu_dose():
    dose = calculate_dose(Decimal(18), DoseUnit.MIU_FLAT)

    assert dose.dose_iu == Decimal(18_000_000)
    assert str(dose.dose_miu) == "18.00 MIU"
    assert str(dose.volume_ml) == "1.00 mL"
    assert dose.vials_per_dose == 1
    assert dose.basis() == "18 MIU flat"


def test_it_ignores_weight_and_height_for_a_flat_dose_but_keeps_them():
    dose = calculate_dose(Decimal(9), "MIU", weight_kg=Decimal(70), height_cm=Decimal(170))

    assert dose.dose_iu == Decimal(9_000_000)
    assert dose.bsa is None
    assert dose.weight_kg == Decimal(70)
    assert dose.basis() == "9 MIU flat"


def test_it_handles_an_ultra_low_fractional_flat_dose():
    dose = calculate_dose(Decimal("0.33"), "MIU")

    assert dose.dose_iu == Decimal(330_000)
    assert str(dose.dose_miu) == "0.33 MIU"
    assert str(dose.volume_ml) == "0.02 mL"
    assert dose.basis() == "0.33 MIU flat"


# --- Rounding ---------------------------------------------------------------


def test_a_dose_of_exactly_one_vial_needs_one_vial():
    assert calculate_dose(Decimal(22), "MIU").vials_per_dose == 1
    assert calculate_dose(Decimal(22_000_000), "IU/kg", weight_kg=1).vials_per_dose == 1


def test_it_rounds_vials_up_per_dose():
    assert calculate_dose(Decimal("22.000001"), "MIU").vials_per_dose == 2
    assert calculate_dose(Decimal(22_000_001), "IU/kg", weight_kg=1).vials_per_dose == 2


def test_it_does_not_share_vials_between_doses():
    # 12 MIU uses 0.55 of a vial; two doses still open two vials, not one.
    assert calculate_dose(Decimal(12), "MIU").vials_for(2) == 2


def test_it_counts_zero_vials_for_zero_doses():
    assert calculate_dose(Decimal(18), "MIU").vials_for(0) == 0


def test_it_rounds_the_dose_half_up_to_whole_iu():
    assert calculate_dose(Decimal("0.0000025"), "MIU").dose_iu == Decimal(3)
    assert calculate_dose(Decimal("0.0000024"), "MIU").dose_iu == Decimal(2)


def test_it_rounds_the_volume_half_up_to_hundredths_of_a_ml():
    # 18.09 MIU / 18 MIU/mL = 1.005 mL exactly: half-even would give 1.00.
    assert calculate_dose(Decimal("18.09"), "MIU").volume_ml.value == Decimal("1.01")


def test_it_rounds_the_miu_display_half_up_but_keeps_the_exact_iu():
    dose = calculate_dose(Decimal(1005), "IU/kg", weight_kg=Decimal(10))

    assert dose.dose_iu == Decimal(10_050)
    assert str(dose.dose_miu) == "0.01 MIU"


def test_it_ignores_the_callers_decimal_context():
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        dose = hd_dose(Decimal("82.4"))

    assert dose.dose_iu == Decimal(49_440_000)
    assert str(dose.volume_ml) == "2.75 mL"


# --- Input types ------------------------------------------------------------


def test_it_accepts_ints_and_strings_as_well_as_decimals():
    from_str = calculate_dose("600000", "IU/kg", weight_kg="82.4")
    from_int = calculate_dose(600_000, "IU/kg", weight_kg=70)

    assert from_str.dose_iu == Decimal(49_440_000)
    assert from_str.weight_kg == Decimal("82.4")
    assert from_int.dose_iu == Decimal(42_000_000)


def test_it_accepts_a_unit_given_as_its_string_value():
    assert calculate_dose(Decimal(1), "MIU/m²", weight_kg=70, height_cm=170).unit is (
        DoseUnit.MIU_PER_M2
    )


# --- Errors -----------------------------------------------------------------


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-600_000), "-1", 0])
def test_it_rejects_a_dose_amount_that_is_not_positive(amount):
    with pytest.raises(DosingError, match=r"^The dose amount must be greater than zero\.$"):
        calculate_dose(amount, "IU/kg", weight_kg=Decimal(70))


def test_it_needs_weight_for_a_dose_per_kg():
    with pytest.raises(DosingError, match=r"^Weight is needed for a dose in IU/kg\.$"):
        calculate_dose(HD_DOSE, DoseUnit.IU_PER_KG, height_cm=Decimal(170))


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "message"),
    [
        (None, None, "Height and weight are needed for a dose in MIU/m²."),
        (Decimal(70), None, "Height is needed for a dose in MIU/m²."),
        (None, Decimal(170), "Weight is needed for a dose in MIU/m²."),
    ],
)
def test_it_needs_height_and_weight_for_a_dose_per_square_metre(weight_kg, height_cm, message):
    with pytest.raises(DosingError) as excinfo:
        calculate_dose(Decimal(1), DoseUnit.MIU_PER_M2, weight_kg=weight_kg, height_cm=height_cm)

    assert str(excinfo.value) == message


@pytest.mark.parametrize("weight_kg", [Decimal(0), Decimal("-70"), Decimal("-0")])
def test_it_rejects_a_weight_that_is_not_positive(weight_kg):
    with pytest.raises(DosingError, match=r"^Weight must be greater than zero\.$"):
        calculate_dose(HD_DOSE, "IU/kg", weight_kg=weight_kg)


@pytest.mark.parametrize("height_cm", [Decimal(0), Decimal(-170)])
def test_it_rejects_a_height_that_is_not_positive(height_cm):
    with pytest.raises(DosingError, match=r"^Height must be greater than zero\.$"):
        calculate_dose(Decimal(1), "MIU/m²", weight_kg=Decimal(70), height_cm=height_cm)


def test_it_checks_a_given_height_even_when_the_unit_does_not_need_it():
    with pytest.raises(DosingError, match="Height must be greater than zero"):
        calculate_dose(Decimal(18), "MIU", height_cm=Decimal(0))


@pytest.mark.parametrize("unit", ["mg/kg", "MIU/m2", "iu/kg", "", "IU_PER_KG"])
def test_it_rejects_an_unknown_unit(unit):
    with pytest.raises(
        DosingError, match=r"^Unknown dose unit .*; expected one of IU/kg, MIU/m², MIU\.$"
    ):
        calculate_dose(Decimal(1), unit, weight_kg=Decimal(70), height_cm=Decimal(170))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"amount": 600_000.0, "weight_kg": Decimal(70)}, "The dose amount"),
        ({"amount": HD_DOSE, "weight_kg": 70.0}, "Weight"),
        ({"amount": HD_DOSE, "weight_kg": Decimal(70), "height_cm": 170.0}, "Height"),
    ],
)
def test_it_rejects_floats_so_nobody_gets_binary_rounding(kwargs, name):
    with pytest.raises(
        DosingError, match=rf"^{name} must be a Decimal, int or string, not a float"
    ):
        calculate_dose(unit="IU/kg", **kwargs)


@pytest.mark.parametrize("weight_kg", ["seventy", "", "70 kg"])
def test_it_rejects_a_string_that_is_not_a_number(weight_kg):
    with pytest.raises(DosingError, match=r"^Weight is not a number: "):
        calculate_dose(HD_DOSE, "IU/kg", weight_kg=weight_kg)


@pytest.mark.parametrize("weight_kg", [Decimal("NaN"), Decimal("Infinity"), "inf", "sNaN"])
def test_it_rejects_a_number_that_is_not_finite(weight_kg):
    with pytest.raises(DosingError, match=r"^Weight must be a finite number\.$"):
        calculate_dose(HD_DOSE, "IU/kg", weight_kg=weight_kg)


@pytest.mark.parametrize("weight_kg", [True, [70], object()])
def test_it_rejects_other_types(weight_kg):
    with pytest.raises(DosingError, match=r"^Weight must be a Decimal, int or string\.$"):
        calculate_dose(HD_DOSE, "IU/kg", weight_kg=weight_kg)


def test_it_rejects_a_dose_that_rounds_to_nothing():
    with pytest.raises(DosingError, match=r"^The dose is less than 1 IU"):
        calculate_dose(Decimal("0.0000004"), "MIU")


def test_it_rejects_absurdly_large_inputs_with_a_message():
    with pytest.raises(DosingError, match=r"^The inputs are too large"):
        calculate_dose(Decimal("1E+70"), "MIU")


@pytest.mark.parametrize(("doses", "message"), [(-1, "cannot be negative"), (2.0, "whole")])
def test_it_rejects_a_bad_number_of_doses(doses, message):
    dose = calculate_dose(Decimal(18), "MIU")

    with pytest.raises(DosingError, match=message):
        dose.vials_for(doses)


def test_a_dosing_error_is_a_value_error():
    assert issubclass(DosingError, ValueError)


# --- Quantity ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "text"),
    [
        (Quantity(Decimal("49.44"), "MIU"), "49.44 MIU"),
        (Quantity(Decimal("2.75"), "mL"), "2.75 mL"),
        (Quantity(Decimal("1.98"), "m²"), "1.98 m²"),
        (Quantity(Decimal("1.00"), "mL"), "1.00 mL"),
        (Quantity(Decimal("4.2E+7"), "IU"), "42,000,000 IU"),
        (Quantity(Decimal("1E-7"), "MIU"), "0.0000001 MIU"),
        (Quantity(Decimal(18), "MIU"), "18 MIU"),
    ],
)
def test_a_quantity_prints_in_fixed_point_with_its_unit(quantity, text):
    assert str(quantity) == text


def test_a_quantity_refuses_a_value_that_is_not_a_decimal():
    with pytest.raises(TypeError):
        Quantity(1.5, "mL")


def test_results_are_immutable():
    dose = calculate_dose(Decimal(18), "MIU")

    with pytest.raises(dataclasses.FrozenInstanceError):
        dose.vials_per_dose = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        dose.volume_ml.value = Decimal(0)  # type: ignore[misc]
    assert isinstance(dose, DoseCalculation)


# --- Properties -------------------------------------------------------------

weights = st.integers(min_value=200, max_value=2500).map(lambda tenths: Decimal(tenths) / 10)


@given(weight_kg=weights)
def test_vials_are_the_fewest_that_hold_the_dose_for_any_adult_weight(weight_kg):
    dose = hd_dose(weight_kg)

    assert dose.vials_per_dose * VIAL_IU >= dose.dose_iu > (dose.vials_per_dose - 1) * VIAL_IU


@given(weight_kg=weights)
def test_volume_is_within_half_a_hundredth_of_a_ml_for_any_adult_weight(weight_kg):
    dose = hd_dose(weight_kg)

    exact_ml = dose.dose_iu / RECONSTITUTED_IU_PER_ML
    assert abs(dose.volume_ml.value - exact_ml) <= Decimal("0.005")
    assert dose.volume_ml.value.as_tuple().exponent == -2

"""Tests for regimens.dosing: the pure dose, volume and vial arithmetic."""

import dataclasses
import decimal
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimens.dosing import (
    RECONSTITUTED_IU_PER_ML,
    USABLE_IU_PER_VIAL,
    USABLE_ML_PER_VIAL,
    DoseCalculation,
    DoseUnit,
    DosingError,
    Quantity,
    VialCount,
    amount_on_day,
    bmi_warning,
    body_size_refusal,
    body_surface_area,
    calculate_dose,
    count_vials,
    dose_steps,
    pooled_vials,
    vials_for_iu,
)

HD_DOSE = Decimal(600_000)


def hd_dose(weight_kg):
    return calculate_dose(HD_DOSE, DoseUnit.IU_PER_KG, weight_kg=weight_kg)


# --- Worked examples: 70 kg and 80 kg patients at 600,000 IU/kg ---------------


def test_it_gives_42_miu_and_3_vials_a_dose_for_70_kg_at_600000_iu_per_kg():
    # 2.33 mL is more than two vials give once dead space is allowed for (2 × 1.1 mL).
    dose = hd_dose(Decimal(70))

    assert dose.dose_iu == Decimal(42_000_000)
    assert str(dose.dose_miu) == "42.00 MIU"
    assert str(dose.volume_ml) == "2.33 mL"
    assert dose.vials_per_dose == 3
    assert dose.vials_for(14) == 42


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


def test_a_dose_of_exactly_one_vials_usable_amount_needs_one_vial():
    assert calculate_dose(Decimal("19.8"), "MIU").vials_per_dose == 1
    assert calculate_dose(Decimal(19_800_000), "IU/kg", weight_kg=1).vials_per_dose == 1


def test_it_rounds_vials_up_per_dose():
    assert calculate_dose(Decimal("19.800001"), "MIU").vials_per_dose == 2
    assert calculate_dose(Decimal(19_800_001), "IU/kg", weight_kg=1).vials_per_dose == 2


def test_it_counts_a_vial_as_its_usable_volume_not_its_whole_content():
    # A full 22 MIU vial cannot all be drawn up: hub and dead space keep some.
    assert Decimal("1.1") == USABLE_ML_PER_VIAL
    assert Decimal(19_800_000) == USABLE_IU_PER_VIAL
    assert calculate_dose(Decimal(22), "MIU").vials_per_dose == 2


def test_a_73_kg_high_dose_is_counted_as_three_vials_not_exactly_two():
    # 43.8 MIU is 2.43 mL: on paper two vials (2 × 22 MIU) with nothing to spare.
    assert hd_dose(Decimal(73)).vials_per_dose == 3


def test_one_vial_set_per_dose_does_not_share_vials_between_doses():
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

    usable = USABLE_IU_PER_VIAL
    assert dose.vials_per_dose * usable >= dose.dose_iu > (dose.vials_per_dose - 1) * usable


@given(weight_kg=weights)
def test_volume_is_within_half_a_hundredth_of_a_ml_for_any_adult_weight(weight_kg):
    dose = hd_dose(weight_kg)

    exact_ml = dose.dose_iu / RECONSTITUTED_IU_PER_ML
    assert abs(dose.volume_ml.value - exact_ml) <= Decimal("0.005")
    assert dose.volume_ml.value.as_tuple().exponent == -2


# --- Pooled vials within the stability window ---------------------------------

T0 = datetime(2027, 1, 4, 8, tzinfo=UTC)


def every_8_hours(n, dose_iu):
    return [(T0 + timedelta(hours=8 * i), Decimal(dose_iu)) for i in range(n)]


def test_pooling_shares_leftover_vials_between_doses_within_48_hours():
    # 12 MIU twice: one vial gives 19.8, so the second dose opens a second vial,
    # whose leftover serves the third, and so on: 14 doses, 168 MIU, 9 vials.
    assert pooled_vials(every_8_hours(2, 12_000_000)) == 2
    assert pooled_vials(every_8_hours(14, 12_000_000)) == 9


def test_pooling_throws_away_what_is_left_after_48_hours():
    doses = [(T0, Decimal(9_000_000)), (T0 + timedelta(hours=48), Decimal(9_000_000))]
    assert pooled_vials(doses) == 2
    doses = [(T0, Decimal(9_000_000)), (T0 + timedelta(hours=47), Decimal(9_000_000))]
    assert pooled_vials(doses) == 1


def test_pooling_never_needs_more_vials_than_one_set_per_dose():
    doses = every_8_hours(15, 43_800_000)
    assert pooled_vials(doses) <= 15 * vials_for_iu(Decimal(43_800_000))
    # 15 × 43.8 = 657 MIU is 33.2 vials' usable amount: 34, against 45 one set per dose.
    assert pooled_vials(doses) == 34


def test_it_counts_each_cycle_both_ways():
    doses = [(1, at, iu) for at, iu in every_8_hours(14, 42_000_000)]
    doses += [(2, at + timedelta(days=14), iu) for at, iu in every_8_hours(14, 42_000_000)]

    counts = count_vials(doses)

    # 14 × 42 MIU = 588 MIU, 29.7 vials' usable amount.
    assert counts == [
        VialCount(cycle=1, doses=14, per_dose=42, pooled=30),
        VialCount(cycle=2, doses=14, per_dose=42, pooled=30),
    ]
    assert counts[0].pooled < counts[0].per_dose
    assert "42 vials one set per dose" in str(counts[0])
    assert "pooled within 48 h" in str(counts[0])


# --- Dose steps ----------------------------------------------------------------

KOREAN_SC = [
    {"from_day": 10, "amount": "9"},
    {"from_day": 15, "amount": "18"},
    {"from_day": 17, "amount": "9"},
    {"from_day": 22, "amount": "18"},
    {"from_day": 24, "amount": "9"},
]


def test_a_step_sets_the_dose_from_its_day_of_the_cycle_until_the_next_step():
    steps = dose_steps(KOREAN_SC)
    week = {day: amount_on_day(Decimal(18), steps, day) for day in range(1, 27)}

    assert [week[d] for d in (1, 2, 3, 4, 5)] == [Decimal(18)] * 5
    # Weeks 2-4: 18, 18, 9, 9, 9 MIU = 63 MIU a week.
    for monday in (8, 15, 22):
        assert sum(week[monday + i] for i in range(5)) == Decimal(63)


def test_without_steps_every_day_has_the_templates_amount():
    assert amount_on_day(Decimal(18), dose_steps([]), 20) == Decimal(18)
    assert dose_steps(None) == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("9 from day 8", "must be a list"),
        ([{"from_day": 8}], "needs"),
        ([{"from_day": 1, "amount": "9"}], "from 2 on"),
        ([{"from_day": 8, "amount": "0"}], "greater than zero"),
        ([{"from_day": 8, "amount": "9"}, {"from_day": 8, "amount": "5"}], "in order"),
        ([{"from_day": 9, "amount": "9"}, {"from_day": 8, "amount": "5"}], "in order"),
    ],
)
def test_it_refuses_dose_steps_that_make_no_sense(data, message):
    with pytest.raises(DosingError, match=message):
        dose_steps(data)


# --- Plausible adult body size ----------------------------------------------------


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "words"),
    [
        (Decimal(170), Decimal(25), "Weight 25 kg is outside the plausible adult range 30–250 kg"),
        (Decimal(170), Decimal(260), "Weight 260 kg"),
        (Decimal(80), Decimal(70), "Height 80 cm is outside the plausible adult range 120–230 cm"),
        (Decimal(70), Decimal(170), "Height 70 cm"),
    ],
)
def test_it_refuses_a_body_size_outside_the_plausible_adult_range(height_cm, weight_kg, words):
    assert words in body_size_refusal(height_cm, weight_kg)


def test_it_accepts_the_ends_of_the_plausible_adult_range():
    assert body_size_refusal(Decimal(120), Decimal(30)) is None
    assert body_size_refusal(Decimal(230), Decimal(250)) is None
    assert body_size_refusal(None, Decimal(70)) is None


def test_it_warns_of_a_bmi_of_35_or_more():
    assert bmi_warning(Decimal(170), Decimal(100)) is None  # 34.6
    assert "BMI 35.0 kg/m²" in bmi_warning(Decimal(169), Decimal(100))
    assert "actual, ideal or adjusted" in bmi_warning(Decimal(169), Decimal(100))

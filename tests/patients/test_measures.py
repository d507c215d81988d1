"""Tests for tracker.patients.measures: whether a height and weight look right."""

from decimal import Decimal

import pytest

from tracker.patients.measures import body_size_warning

# Plausible adult body sizes: outside them a person must confirm the measurements.


@pytest.mark.parametrize(
    "height, weight, expected",
    [
        ("170", "70", None),
        ("120", "30", None),  # at the limits: BMI 20.8
        ("230", "250", None),
        ("119.9", "40", "height 119.9 cm is outside 120–230"),
        ("170", "29.9", "weight 29.9 kg is outside 30–250"),
        ("230.1", "120", "height 230.1 cm is outside 120–230"),
        ("170", "250.1", "weight 250.1 kg is outside 30–250"),
        ("180", "38", "BMI 11.7 kg/m² is outside 12–70"),
        ("150", "160", "BMI 71.1 kg/m² is outside 12–70"),
    ],
)
def test_body_size_outside_the_plausible_adult_range_is_named(height, weight, expected):
    warning = body_size_warning(Decimal(height), Decimal(weight))
    if expected is None:
        assert warning is None
    else:
        assert expected in warning
        assert "may be swapped" in warning


@pytest.mark.parametrize("height, weight", [("0", "70"), ("170", "0"), ("-5", "70")])
def test_body_size_leaves_a_zero_or_negative_measurement_to_its_own_field(height, weight):
    assert body_size_warning(Decimal(height), Decimal(weight)) is None

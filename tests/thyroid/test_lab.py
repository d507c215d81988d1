"""Thyroid numbers without a database: conversions, flags, interpretation and due dates."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.thyroid import lab
from tracker.thyroid.lab import Flag, LabError

D = Decimal
FT4 = lab.Test.FREE_T4

# Values as a lab reports them: up to 3 decimal places, within the stored column.
lab_values = st.decimals(
    min_value=D("0.001"), max_value=D("9999.999"), places=3, allow_nan=False, allow_infinity=False
)


# Conversions.


def test_one_ng_per_dl_of_free_t4_is_12_87_pmol_per_l():
    assert lab.convert(D("1"), FT4, "ng/dL", "pmol/L") == D("12.87")
    assert lab.convert(D("1.55"), FT4, "ng/dL", "pmol/L") == D("19.9485")
    assert lab.convert(D("19.9485"), FT4, "pmol/L", "ng/dL") == D("1.55")


def test_a_value_in_its_own_unit_is_returned_unchanged():
    assert lab.convert(D("1.234"), FT4, "ng/dL", "ng/dL") == D("1.234")


@given(lab_values)
def test_free_t4_from_ng_per_dl_and_back_is_exact(value):
    there = lab.convert(value, FT4, "ng/dL", "pmol/L")
    assert lab.convert(there, FT4, "pmol/L", "ng/dL") == value


@given(lab_values)
def test_free_t4_from_pmol_per_l_and_back_is_exact_to_the_places_entered(value):
    there = lab.convert(value, FT4, "pmol/L", "ng/dL")
    back = lab.convert(there, FT4, "ng/dL", "pmol/L")
    assert back.quantize(value) == value


@given(lab_values)
def test_free_t3_round_trips_exactly(value):
    there = lab.convert(value, lab.Test.FREE_T3, "pg/mL", "pmol/L")
    assert lab.convert(there, lab.Test.FREE_T3, "pmol/L", "pg/mL") == value


@pytest.mark.parametrize(
    "test, unit", [(FT4, "mg/dL"), (lab.Test.TSH, "pmol/L"), (FT4, ""), ("tsh", None)]
)
def test_a_unit_the_test_is_not_reported_in_is_refused(test, unit):
    with pytest.raises(LabError, match="is not a unit for"):
        lab.convert(D("1"), test, unit, lab.TESTS[lab.Test(test)].canonical)


def test_an_unknown_test_is_refused_with_a_message():
    with pytest.raises(LabError, match="not a thyroid test"):
        lab.unit_of("t7", "ng/dL")


def test_the_refusal_names_the_units_that_would_do():
    with pytest.raises(LabError) as refusal:
        lab.unit_of(FT4, "mIU/L")
    assert str(refusal.value) == "mIU/L is not a unit for Free T4: use ng/dL or pmol/L."


def test_free_t4_in_the_other_unit_is_shown_to_two_places():
    assert lab.in_other_unit(D("1.2"), FT4, "ng/dL") == (D("15.44"), "pmol/L")
    assert lab.in_other_unit(D("15.44"), FT4, "pmol/L") == (D("1.20"), "ng/dL")
    assert lab.in_other_unit(D("3.1"), lab.Test.FREE_T3, "pg/mL") == (D("4.77"), "pmol/L")


def test_single_unit_tests_have_no_other_unit():
    assert lab.in_other_unit(D("2.1"), lab.Test.TSH, "mIU/L") is None
    assert lab.in_other_unit(D("12"), lab.Test.ANTI_TPO, "IU/mL") is None


def test_every_unit_has_a_loinc_code_and_a_default_range_in_order():
    for spec in lab.TESTS.values():
        for unit in spec.units.values():
            assert unit.loinc
            low, high = unit.default_range
            assert low <= high


# Flags against the lab's range.

LOW, HIGH = D("0.4"), D("4.5")


@pytest.mark.parametrize(
    "value, expected",
    [
        (D("0.4"), Flag.NORMAL),
        (D("0.399"), Flag.LOW),
        (D("4.5"), Flag.NORMAL),
        (D("4.501"), Flag.HIGH),
        (D("2"), Flag.NORMAL),
        (D("0"), Flag.LOW),
    ],
)
def test_a_value_on_a_limit_is_within_the_range(value, expected):
    assert lab.flag(value, LOW, HIGH) == expected


@pytest.mark.parametrize(
    "value, low, high, expected",
    [
        (D("100"), None, None, Flag.NORMAL),
        (D("0"), None, HIGH, Flag.NORMAL),
        (D("4.501"), None, HIGH, Flag.HIGH),
        (D("999"), LOW, None, Flag.NORMAL),
        (D("0.399"), LOW, None, Flag.LOW),
    ],
)
def test_a_missing_limit_flags_nothing_on_its_side(value, low, high, expected):
    assert lab.flag(value, low, high) == expected


# Interpretation of a TSH and free T4 pair.


@pytest.mark.parametrize(
    "tsh, free_t4, starts",
    [
        (Flag.HIGH, Flag.LOW, "Overt primary hypothyroidism"),
        (Flag.HIGH, Flag.NORMAL, "Subclinical hypothyroidism"),
        (Flag.HIGH, Flag.HIGH, "Discordant: TSH and free T4 both high"),
        (Flag.LOW, Flag.HIGH, "Overt hyperthyroidism / thyrotoxicosis"),
        (Flag.LOW, Flag.NORMAL, "Subclinical hyperthyroidism"),
        (Flag.LOW, Flag.LOW, "TSH low, free T4 low: after IL-2, most likely thyroiditis"),
        (Flag.NORMAL, Flag.LOW, "Possible central hypothyroidism (TSH normal, free T4 low)"),
        (Flag.NORMAL, Flag.HIGH, "Discordant: free T4 high with a normal TSH"),
        (Flag.NORMAL, Flag.NORMAL, "Euthyroid"),
    ],
)
def test_every_pair_has_its_reading_and_says_it_is_a_suggestion(tsh, free_t4, starts):
    text = lab.interpret(tsh, free_t4)
    assert text.startswith(starts)
    assert text.endswith("so read it with the trend.")


def test_the_nine_pairs_read_differently():
    texts = {lab.interpret(tsh, ft4) for tsh in Flag for ft4 in Flag}
    assert len(texts) == 9


@pytest.mark.parametrize(
    "tsh, free_t4, expected",
    [
        (Flag.HIGH, None, "TSH high; measure free T4 to interpret it."),
        (Flag.NORMAL, None, "TSH within range; measure free T4 to interpret it."),
        (None, Flag.LOW, "Free T4 without a TSH: measure TSH to interpret it."),
        (None, None, ""),
    ],
)
def test_half_a_pair_asks_for_the_other_test(tsh, free_t4, expected):
    assert lab.interpret(tsh, free_t4) == expected


def test_a_low_tsh_and_free_t4_after_il2_lists_the_likely_causes_first_and_asks_to_repeat():
    text = lab.interpret(Flag.LOW, Flag.LOW)
    causes = [
        "from its thyrotoxic to its hypothyroid phase",
        "non-thyroidal illness",
        "dopamine, glucocorticoids",
        "central hypothyroidism is the least likely",
    ]
    positions = [text.index(cause) for cause in causes]
    assert positions == sorted(positions)
    assert "Repeat TSH and free T4" in text
    assert not text.startswith("Possible central hypothyroidism")


# Free T3 with the pair.


def test_a_low_tsh_with_normal_free_t4_and_high_free_t3_is_t3_thyrotoxicosis():
    text = lab.interpret(Flag.LOW, Flag.NORMAL, Flag.HIGH)
    assert text.startswith("T3 thyrotoxicosis (TSH low, free T4 normal, free T3 high).")
    assert "Subclinical" not in text


@pytest.mark.parametrize("free_t3", [Flag.NORMAL, Flag.LOW, None])
def test_a_low_tsh_with_normal_free_t4_is_subclinical_while_free_t3_is_not_high(free_t3):
    assert lab.interpret(Flag.LOW, Flag.NORMAL, free_t3).startswith("Subclinical hyperthyroidism")


def test_a_low_tsh_with_high_free_t3_and_no_free_t4_asks_for_the_free_t4():
    assert lab.interpret(Flag.LOW, None, Flag.HIGH) == (
        "TSH low with free T3 high: thyrotoxicosis likely; measure free T4 to interpret it."
    )


@dataclass
class Result:
    test: str
    flag: str
    collected_at: datetime


def at(day, hour=9):
    return datetime(2027, 3, day, hour, tzinfo=UTC)


def by_day(result):
    return result.collected_at.date()


def test_the_reading_is_of_the_latest_tsh_with_its_days_free_t4():
    results = [
        Result("tsh", "high", at(1)),
        Result("ft4", "low", at(1, 10)),
        Result("tsh", "low", at(5)),
        Result("ft4", "high", at(5, 11)),
        Result("ft3", "high", at(9)),
    ]
    reading = lab.reading(results, by_day)
    assert reading.text.startswith("Overt hyperthyroidism")
    assert (reading.tsh, reading.free_t4) == (results[2], results[3])


def test_an_older_pair_never_outranks_a_newer_tsh():
    results = [
        Result("tsh", "normal", at(1)),
        Result("ft4", "normal", at(1)),
        Result("tsh", "high", at(30)),  # no free T4 that day
    ]
    reading = lab.reading(results, by_day)
    assert reading.text == "TSH high; measure free T4 to interpret it."
    assert (reading.tsh, reading.free_t4) == (results[2], None)


def test_a_repeat_the_same_day_replaces_the_earlier_one_in_the_pair():
    results = [
        Result("tsh", "high", at(5, 8)),
        Result("ft4", "normal", at(5, 8)),
        Result("tsh", "normal", at(5, 15)),
    ]
    reading = lab.reading(results, by_day)
    assert reading.text.startswith("Euthyroid")
    assert reading.tsh is results[2]


def test_without_a_tsh_the_latest_free_t4_is_read_alone():
    results = [Result("ft4", "normal", at(1)), Result("ft4", "low", at(2))]
    reading = lab.reading(results, by_day)
    assert reading.text == "Free T4 without a TSH: measure TSH to interpret it."
    assert reading.free_t4 is results[1]
    assert reading.tsh is None


def test_the_free_t3_of_the_tsh_day_is_read_with_the_pair():
    # TSH 0.05 mIU/L, free T4 normal, free T3 6.0 pg/mL (high).
    results = [
        Result("tsh", "low", at(5, 8)),
        Result("ft4", "normal", at(5, 8)),
        Result("ft3", "high", at(5, 9)),
    ]
    reading = lab.reading(results, by_day)
    assert reading.text.startswith("T3 thyrotoxicosis")
    assert reading.free_t3 is results[2]
    assert reading.collected_at == at(5, 9)


def test_a_free_t3_of_another_day_is_not_read_with_the_pair():
    results = [
        Result("ft3", "high", at(4)),
        Result("tsh", "low", at(5)),
        Result("ft4", "normal", at(5)),
    ]
    reading = lab.reading(results, by_day)
    assert reading.text.startswith("Subclinical hyperthyroidism")
    assert reading.free_t3 is None


def test_no_tsh_or_free_t4_gives_no_reading():
    assert lab.reading([Result("tpo", "high", at(1))], by_day) is None


# When TSH is due.

START = date(2027, 3, 10)


def days(n):
    return START + timedelta(days=n)


def test_the_first_course_has_a_baseline_check_on_its_first_dose_day():
    (check,) = lab.due_checks([(START, days(18))], [None], [])
    assert check == lab.Due(on=START, why="Baseline, before the first dose", met_on=None)


def test_each_later_course_has_a_check_before_it():
    checks = lab.due_checks([(START, days(18)), (days(70), days(88))], [None, None], [])
    assert [(c.on, c.why) for c in checks] == [
        (START, "Baseline, before the first dose"),
        (days(70), "Before the course"),
    ]


def test_a_long_course_has_a_check_every_n_days_inside_it():
    checks = lab.due_checks([(START, days(88))], [42], [])
    assert [(c.on, c.why) for c in checks] == [
        (START, "Baseline, before the first dose"),
        (days(42), "Every 42 days during the course"),
        (days(84), "Every 42 days during the course"),
    ]


def test_a_check_falling_after_the_last_dose_is_not_wanted():
    checks = lab.due_checks([(START, days(41))], [42], [])
    assert [c.on for c in checks] == [START]


def test_a_check_on_the_last_dose_day_is_wanted():
    checks = lab.due_checks([(START, days(42))], [42], [])
    assert [c.on for c in checks] == [START, days(42)]


def test_a_tsh_14_days_before_counts():
    (check,) = lab.due_checks([(START, days(18))], [None], [days(-14)])
    assert check.met_on == days(-14)


def test_a_tsh_15_days_before_does_not_count():
    (check,) = lab.due_checks([(START, days(18))], [None], [days(-15)])
    assert check.met_on is None


def test_a_tsh_within_14_days_of_the_next_check_counts_for_the_next_one():
    checks = lab.due_checks([(START, days(88))], [42], [days(-3), days(30)])
    assert [c.met_on for c in checks] == [days(-3), days(30), None]


def test_a_late_tsh_still_meets_the_check():
    (check,) = lab.due_checks([(START, days(18))], [None], [days(3)])
    assert check.met_on == days(3)
    assert not check.is_overdue(days(10))


def test_a_check_is_overdue_only_after_its_day():
    (check,) = lab.due_checks([(START, days(18))], [None], [])
    assert not check.is_overdue(days(-1))
    assert not check.is_overdue(START)
    assert check.is_overdue(days(1))


def test_a_met_check_is_never_overdue():
    (check,) = lab.due_checks([(START, days(18))], [None], [START])
    assert not check.is_overdue(days(100))


# TSH checks after the last dose (docs/clinical-sources.md §3).

AFTER = [(28, "4 weeks after"), (56, "8 weeks after"), (84, "12 weeks after"), (175, "6 months")]


def test_tsh_stays_due_after_the_last_dose_of_a_course_without_an_interval():
    checks = lab.due_checks([(START, days(18))], [None], [], AFTER)
    assert [(c.on, c.why) for c in checks] == [
        (START, "Baseline, before the first dose"),
        (days(18 + 28), "4 weeks after"),
        (days(18 + 56), "8 weeks after"),
        (days(18 + 84), "12 weeks after"),
        (days(18 + 175), "6 months"),
    ]


def test_the_checks_after_treatment_follow_only_the_last_course():
    checks = lab.due_checks([(START, days(18)), (days(70), days(88))], [None, None], [], AFTER)
    assert [c.on for c in checks] == [START, days(70), days(116), days(144), days(172), days(263)]


def test_checks_after_treatment_follow_the_checks_during_a_course():
    checks = lab.due_checks([(START, days(88))], [42], [], AFTER[:1])
    assert [c.on for c in checks] == [START, days(42), days(84), days(88 + 28)]


def test_a_check_after_treatment_is_met_from_14_days_before_until_14_days_before_the_next():
    # Last dose on day 18: checks on days 46 and 74; the window of the first is 32–59.
    follow_up = AFTER[:2]
    early = lab.due_checks([(START, days(18))], [None], [days(31)], follow_up)
    assert [c.met_on for c in early] == [days(31), None, None]
    met = lab.due_checks([(START, days(18))], [None], [days(32), days(60)], follow_up)
    assert [c.met_on for c in met] == [None, days(32), days(60)]
    late = lab.due_checks([(START, days(18))], [None], [days(59)], follow_up)
    assert [c.met_on for c in late] == [None, days(59), None]


def test_the_last_check_after_treatment_is_overdue_until_a_tsh():
    *_, last = lab.due_checks([(START, days(18))], [None], [], AFTER)
    assert last.is_overdue(days(18 + 176))
    *_, last = lab.due_checks([(START, days(18))], [None], [days(18 + 200)], AFTER)
    assert last.met_on == days(18 + 200)


def test_without_courses_no_check_follows():
    assert lab.due_checks([], [], [], AFTER) == []


# Default ranges: the same value flags the same in either unit.

FT3 = lab.Test.FREE_T3
TWO_UNITS = [(FT4, "ng/dL", "pmol/L"), (FT3, "pg/mL", "pmol/L")]


def flag_by_default(value, test, unit):
    low, high = lab.unit_of(test, unit).default_range
    return lab.flag(value, low, high)


@pytest.mark.parametrize("test, mass, molar", TWO_UNITS)
def test_the_molar_default_range_is_the_mass_range_converted(test, mass, molar):
    mass_range = lab.unit_of(test, mass).default_range
    assert lab.unit_of(test, molar).default_range == tuple(
        lab.convert(limit, test, mass, molar) for limit in mass_range
    )


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (D("0.78"), "ng/dL", Flag.LOW),
        (D("10.04"), "pmol/L", Flag.LOW),  # 0.78 ng/dL
        (D("0.8"), "ng/dL", Flag.NORMAL),
        (D("10.296"), "pmol/L", Flag.NORMAL),  # 0.8 ng/dL, on the limit
        (D("10.295"), "pmol/L", Flag.LOW),
        (D("1.8"), "ng/dL", Flag.NORMAL),
        (D("23.166"), "pmol/L", Flag.NORMAL),  # 1.8 ng/dL, on the limit
        (D("23.167"), "pmol/L", Flag.HIGH),
        (D("1.801"), "ng/dL", Flag.HIGH),
    ],
)
def test_free_t4_flags_at_the_limits_the_same_in_both_units(value, unit, expected):
    assert flag_by_default(value, FT4, unit) == expected


@pytest.mark.parametrize("test, mass, molar", TWO_UNITS)
@given(value=lab_values)
def test_a_value_entered_in_either_unit_flags_the_same_in_the_other(test, mass, molar, value):
    for here, there in ((mass, molar), (molar, mass)):
        converted = lab.convert(value, test, here, there)
        assert flag_by_default(value, test, here) == flag_by_default(converted, test, there)


@pytest.mark.parametrize("test, mass, molar", TWO_UNITS)
def test_every_value_near_the_limits_flags_the_same_in_both_units(test, mass, molar):
    # Every value to 3 places within 0.05 of each limit, in each unit.
    for unit, other in ((mass, molar), (molar, mass)):
        for limit in lab.unit_of(test, unit).default_range:
            for step in range(-50, 51):
                value = limit + D(step) / 1000
                converted = lab.convert(value, test, unit, other)
                assert flag_by_default(value, test, unit) == flag_by_default(
                    converted, test, other
                ), (value, unit)


# Results beyond the assay's limit ("<0.01").


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<0.01", ("<", "0.01")),
        (" < 0.01 ", ("<", "0.01")),
        (">1000", (">", "1000")),
        ("2.1", ("", "2.1")),
        ("", ("", "")),
    ],
)
def test_a_result_is_read_with_its_qualifier(text, expected):
    assert lab.parse_result(text) == expected


def test_a_result_below_the_limit_is_written_as_the_lab_writes_it():
    assert lab.format_result(D("0.010"), "<") == "<0.01"
    assert lab.format_result(D("2.100")) == "2.1"


@pytest.mark.parametrize(
    "limit, qualifier, low, high, expected",
    [
        (D("0.01"), "<", LOW, HIGH, Flag.LOW),  # a TSH below the assay's limit
        (D("0.4"), "<", LOW, HIGH, Flag.LOW),  # below the lower limit itself
        (D("0.5"), "<", LOW, HIGH, None),  # low or normal: cannot tell
        (D("10"), "<", D("0"), D("34"), Flag.NORMAL),  # anti-TPO "<10": negative
        (D("35"), "<", D("0"), D("34"), None),
        (D("1000"), ">", D("0"), D("34"), Flag.HIGH),
        (D("4.5"), ">", LOW, HIGH, Flag.HIGH),
        (D("4"), ">", LOW, HIGH, None),
        (D("2"), "", LOW, HIGH, Flag.NORMAL),
    ],
)
def test_a_result_beyond_the_limit_is_flagged_only_when_the_range_can_tell(
    limit, qualifier, low, high, expected
):
    assert lab.qualified_flag(limit, qualifier, low, high) == expected


def test_a_free_t4_typed_against_the_wrong_unit_is_caught():
    message = lab.implausibility("ft4", Decimal("15"), "ng/dL")
    assert message == "15 ng/dL is not a possible Free T4 result. Did you mean pmol/L?"
    assert lab.implausibility("ft4", Decimal("15"), "pmol/L") is None
    assert lab.implausibility("ft4", Decimal("1.2"), "ng/dL") is None


def test_an_impossible_tsh_asks_for_a_check():
    assert lab.implausibility("tsh", Decimal("5000"), "mIU/L").endswith("Check the value.")

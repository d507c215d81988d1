"""Laboratory results: the ward's catalogue and its conversions, the stored result, and
charting one result or a sample's panel."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from tracker.lib.history import save_with_history
from tracker.observations import lab
from tracker.observations.charting import ChartRefused
from tracker.observations.labs import (
    PanelRefused,
    chart_panel,
    chart_result,
    mark_entered_in_error,
)
from tracker.observations.models import LabResult, LabValue
from tracker.thyroid import lab as thyroid_lab
from tracker.thyroid.models import ThyroidResult

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
D = Decimal
T = lab.LabTest

lab_values = st.decimals(
    min_value=D("0.001"), max_value=D("9999.999"), places=3, allow_nan=False, allow_infinity=False
)

MULTI_UNIT = [(test, code) for test, spec in lab.LAB_TESTS.items() for code in spec.units]


# The catalogue, without a database.


def test_the_catalogue_has_exactly_the_wards_tests_under_their_codes():
    assert {test.name: test.value for test in T} == {
        "CREATININE": "creatinine",
        "UREA": "urea",
        "POTASSIUM": "potassium",
        "MAGNESIUM": "magnesium",
        "CALCIUM": "calcium",
        "PHOSPHATE": "phosphate",
        "BICARBONATE": "bicarbonate",
        "BILIRUBIN": "bilirubin",
        "AST": "ast",
        "ALT": "alt",
        "CK": "ck",
        "TROPONIN": "troponin",
        "HAEMOGLOBIN": "haemoglobin",
        "WHITE_CELLS": "wbc",
        "NEUTROPHILS": "neutrophils",
        "PLATELETS": "platelets",
    }
    assert set(lab.LAB_TESTS) == set(T)


def test_each_test_lists_its_canonical_unit_first():
    assert {test: list(spec.units) for test, spec in lab.LAB_TESTS.items()} == {
        T.CREATININE: ["mg/dL", "umol/L"],
        T.UREA: ["mmol/L", "mg/dL BUN"],
        T.POTASSIUM: ["mmol/L"],
        T.MAGNESIUM: ["mmol/L", "mg/dL"],
        T.CALCIUM: ["mmol/L", "mg/dL"],
        T.PHOSPHATE: ["mmol/L", "mg/dL"],
        T.BICARBONATE: ["mmol/L"],
        T.BILIRUBIN: ["umol/L", "mg/dL"],
        T.AST: ["U/L"],
        T.ALT: ["U/L"],
        T.CK: ["U/L"],
        T.TROPONIN: ["ng/L", "ng/mL"],
        T.HAEMOGLOBIN: ["g/L", "g/dL"],
        T.WHITE_CELLS: ["10*9/L"],
        T.NEUTROPHILS: ["10*9/L"],
        T.PLATELETS: ["10*9/L"],
    }


def _loinc_check_digit(number: str) -> int:
    """LOINC's mod 10 check digit (the Luhn algorithm on the part before the hyphen)."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        doubled = int(digit) * (2 if position % 2 == 0 else 1)
        total += doubled // 10 + doubled % 10
    return (10 - total % 10) % 10


@pytest.mark.parametrize(("test", "unit"), MULTI_UNIT)
def test_every_loinc_code_has_a_valid_check_digit(test, unit):
    code = lab.LAB_TESTS[test].units[unit].loinc
    number, _, check = code.partition("-")
    assert number.isdigit() and check.isdigit(), code
    assert _loinc_check_digit(number) == int(check), code


def test_a_mistyped_loinc_code_fails_the_check_digit():
    assert _loinc_check_digit("2160") == 0
    assert _loinc_check_digit("2161") != 0


def test_molar_and_mass_units_have_their_own_loinc_codes_and_haemoglobin_one():
    for test, spec in lab.LAB_TESTS.items():
        codes = [unit.loinc for unit in spec.units.values()]
        if test == T.HAEMOGLOBIN:
            # Hb in g/L and g/dL are both mass per volume: one LOINC property.
            assert codes == ["718-7", "718-7"]
        else:
            assert len(set(codes)) == len(codes), test


@pytest.mark.parametrize(("test", "unit"), MULTI_UNIT)
def test_each_default_range_is_in_order_and_fits_the_column(test, unit):
    low, high = lab.LAB_TESTS[test].units[unit].default_range
    assert 0 <= low < high
    for limit in (low, high):
        assert limit == limit.quantize(D("0.001"))


@pytest.mark.parametrize(("test", "unit"), MULTI_UNIT)
def test_each_other_units_range_is_the_canonical_range_as_that_unit_reports_it(test, unit):
    """One range in two units, so a result flags alike in either (within the last place)."""
    spec = lab.LAB_TESTS[test]
    canonical = spec.units[spec.canonical].default_range
    shown = tuple(spec.shown_in(limit, spec.canonical, unit) for limit in canonical)
    assert shown == spec.units[unit].default_range


def test_one_mg_per_dl_of_creatinine_is_88_42_umol_per_l():
    assert lab.convert(D("1"), T.CREATININE, "mg/dL", "umol/L") == D("88.42")
    assert lab.convert(D("106.104"), T.CREATININE, "umol/L", "mg/dL") == D("1.2")


def test_a_bun_in_mg_per_dl_times_0_357_is_urea_in_mmol_per_l():
    assert lab.convert(D("28"), T.UREA, "mg/dL BUN", "mmol/L") == D("10")
    bun = D("14")
    urea = lab.convert(bun, T.UREA, "mg/dL BUN", "mmol/L")
    assert abs(urea - bun * D("0.357")) < D("0.01")


def test_urea_in_plain_mg_per_dl_is_refused_because_it_could_be_urea_or_its_nitrogen():
    with pytest.raises(lab.LabError) as refused:
        lab.unit_of(T.UREA, "mg/dL")
    assert "use mmol/L or mg/dL BUN" in str(refused.value)


def test_bun_and_urea_are_coded_apart():
    units = lab.LAB_TESTS[T.UREA].units
    assert (units["mmol/L"].loinc, units["mg/dL BUN"].loinc) == ("22664-7", "3094-0")
    # FHIR gets UCUM's code; the annotation is ours, kept in the stored unit.
    assert units["mg/dL BUN"].code == "mg/dL"


def test_bilirubin_converts_by_17_1_both_ways_exactly():
    assert lab.convert(D("1.2"), T.BILIRUBIN, "mg/dL", "umol/L") == D("20.52")
    assert lab.convert(D("20.52"), T.BILIRUBIN, "umol/L", "mg/dL") == D("1.2")


@pytest.mark.parametrize(
    ("test", "value", "from_unit", "to_unit", "expected"),
    [
        (T.TROPONIN, "0.05", "ng/mL", "ng/L", "50"),
        (T.HAEMOGLOBIN, "12.5", "g/dL", "g/L", "125"),
        (T.MAGNESIUM, "1", "mmol/L", "mg/dL", "2.431"),
        (T.CALCIUM, "2.5", "mmol/L", "mg/dL", "10.02"),
        (T.PHOSPHATE, "1", "mmol/L", "mg/dL", "3.097"),
    ],
)
def test_each_conversion_uses_its_factor(test, value, from_unit, to_unit, expected):
    assert lab.convert(D(value), test, from_unit, to_unit) == D(expected)


CONVERTED = [(t, u) for t, u in MULTI_UNIT if len(lab.LAB_TESTS[t].units) > 1]


@pytest.mark.parametrize(("test", "unit"), CONVERTED)
@given(value=lab_values)
def test_a_value_converted_and_back_is_what_went_in_to_the_places_entered(test, unit, value):
    spec = lab.LAB_TESTS[test]
    for other in spec.units:
        there = spec.convert(value, unit, other)
        assert spec.convert(there, other, unit).quantize(value) == value


@pytest.mark.parametrize(
    ("test", "unit"), [(t, u) for t, u in CONVERTED if u != lab.LAB_TESTS[t].canonical]
)
@given(value=lab_values)
def test_a_value_multiplied_into_another_unit_comes_back_exactly(test, unit, value):
    """Multiplying by a decimal factor ends, so the way back divides exactly."""
    spec = lab.LAB_TESTS[test]
    source, target = spec.canonical, unit
    if not isinstance(spec.units[unit].per_canonical, Decimal):
        source, target = unit, spec.canonical  # bilirubin: ×17.1 from mg/dL to µmol/L
    there = spec.convert(value, source, target)
    assert spec.convert(there, target, source) == value


def test_a_value_is_shown_in_every_unit_to_the_places_labs_report():
    shown = [
        (value, unit.label) for value, unit in lab.in_every_unit(D("1.2"), T.CREATININE, "mg/dL")
    ]
    assert shown == [(D("1.2"), "mg/dL"), (D("106"), "µmol/L")]
    shown = [
        (value, unit.label) for value, unit in lab.in_every_unit(D("106"), T.CREATININE, "umol/L")
    ]
    assert shown == [(D("106"), "µmol/L"), (D("1.20"), "mg/dL")]


def test_a_test_reported_in_one_unit_is_shown_in_it_alone():
    assert [unit.label for _, unit in lab.in_every_unit(D("4"), T.POTASSIUM, "mmol/L")] == [
        "mmol/L"
    ]


@pytest.mark.parametrize(
    ("test", "value", "unit", "hint"),
    [
        (T.CREATININE, "100", "mg/dL", "Did you mean µmol/L?"),
        (T.HAEMOGLOBIN, "12", "g/L", "Did you mean g/dL?"),
        (T.CALCIUM, "9.2", "mmol/L", "Did you mean mg/dL?"),
        (T.POTASSIUM, "45", "mmol/L", "Check the value."),
        (T.PLATELETS, "150000", "10*9/L", "Check the value."),
    ],
)
def test_a_value_no_patient_has_is_refused_naming_the_unit_it_fits(test, value, unit, hint):
    message = lab.implausibility(test, D(value), unit)
    assert message.startswith(f"{value} ")
    assert "is not a possible" in message
    assert message.endswith(hint)


@pytest.mark.parametrize("test", list(T))
def test_the_ends_of_the_plausible_range_are_possible(test):
    spec = lab.LAB_TESTS[test]
    for limit in spec.plausible:
        assert lab.implausibility(test, limit, spec.canonical) is None


def test_an_unknown_test_or_unit_is_refused_with_a_message_for_the_user():
    with pytest.raises(lab.LabError, match="sodium is not a laboratory test the chart knows"):
        lab.spec_of("sodium")
    with pytest.raises(
        lab.LabError, match="mmol/L is not a unit for Creatinine: use mg/dL or umol/L"
    ):
        lab.unit_of(T.CREATININE, "mmol/L")


def test_the_thyroid_results_share_this_machinery():
    for name in (
        "Flag",
        "Qualifier",
        "Unit",
        "TestSpec",
        "LabError",
        "flag",
        "qualified_flag",
        "format_number",
        "format_result",
        "parse_result",
    ):
        assert getattr(thyroid_lab, name) is getattr(lab, name), name
    assert issubclass(ThyroidResult, LabValue)
    assert issubclass(LabResult, LabValue)


def test_the_thyroid_constraints_keep_their_names():
    names = {constraint.name for constraint in ThyroidResult._meta.constraints}
    assert {
        "thyroid_value_not_negative",
        "thyroid_qualifier_known",
        "thyroid_range_in_order",
    } <= names


# The stored result.


def make_result(personas, **values) -> LabResult:
    fields = {
        "patient": personas.patient,
        "test": T.CREATININE,
        "value": D("1.5"),
        "unit": "mg/dL",
        "range_low": D("0.6"),
        "range_high": D("1.3"),
        "taken_at": NOW - timedelta(hours=1),
        "recorded_by": personas.nurse_on_team,
        **values,
    }
    result = LabResult(**fields)
    save_with_history(result, by=personas.nurse_on_team, reason="test")
    return result


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "qualifier", "flag"),
    [
        ("1.5", "", "high"),
        ("0.5", "", "low"),
        ("1.3", "", "normal"),
        ("0.6", "", "normal"),
        ("0.5", "<", "low"),
    ],
)
def test_the_flag_is_read_against_the_labs_range_on_save(personas, value, qualifier, flag):
    assert make_result(personas, value=D(value), qualifier=qualifier).flag == flag


@pytest.mark.django_db
def test_a_result_knows_its_spec_code_and_other_units(personas):
    result = make_result(personas)
    assert result.spec is lab.LAB_TESTS[T.CREATININE]
    assert result.loinc == "2160-0"
    assert result.shown_value == "1.5"
    assert result.is_abnormal
    assert result.value_in("umol/L") == D("132.63")
    assert result.canonical_value == D("1.5")
    assert result.other_units() == [("133", "µmol/L")]
    assert str(result) == "Creatinine 1.5 mg/dL"


@pytest.mark.django_db
def test_the_canonical_value_of_a_result_in_another_unit_is_converted(personas):
    result = make_result(
        personas, value=D("132.63"), unit="umol/L", range_low=None, range_high=None
    )
    assert result.canonical_value == D("1.5")
    assert result.loinc == "14682-9"
    assert str(result) == "Creatinine 132.63 µmol/L"


@pytest.mark.django_db
def test_a_result_below_the_assays_limit_keeps_its_sign_in_every_unit(personas):
    result = make_result(
        personas,
        test=T.TROPONIN,
        value=D("0.01"),
        qualifier="<",
        unit="ng/mL",
        range_low=D("0"),
        range_high=D("0.026"),
    )
    assert result.shown_value == "<0.01"
    assert result.other_units() == [("<10", "ng/L")]
    assert result.flag == "normal"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"value": D("-1")}, "obs_lab_value_not_negative"),
        ({"qualifier": "~"}, "obs_lab_qualifier_known"),
        ({"range_low": D("2"), "range_high": D("1")}, "obs_lab_range_in_order"),
        ({"unit": "mmol/L"}, "obs_lab_unit_known_for_test"),
        ({"test": T.UREA, "unit": "mg/dL"}, "obs_lab_unit_known_for_test"),
    ],
)
def test_the_database_refuses_a_result_that_breaks_a_rule(personas, values, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make_result(personas, **values)


@pytest.mark.django_db
def test_a_saved_result_has_a_history_row(personas):
    result = make_result(personas)
    assert result.history.count() == 1


# Charting.


@pytest.fixture
def chart(personas, course):
    """Chart one result for the patient, taken `minutes_ago`, by the nurse on the team."""

    def chart_it(*, minutes_ago=10, **values):
        values = {"test": T.CREATININE, "value": D("1.1"), "unit": "mg/dL", **values}
        return chart_result(
            personas.patient,
            by=personas.nurse_on_team,
            taken_at=NOW - timedelta(minutes=minutes_ago),
            **values,
        )

    return chart_it


def refusal(call, **values) -> ChartRefused:
    with pytest.raises(ChartRefused) as refused:
        call(**values)
    assert not LabResult.objects.exists()
    return refused.value


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_a_result_is_charted_on_the_current_course_with_the_default_range(chart, personas, course):
    result = chart(value=D("1.1"), note=" after fluids ")
    stored = LabResult.objects.get()
    assert stored == result
    assert (stored.value, stored.unit, stored.qualifier) == (D("1.1"), "mg/dL", "")
    assert (stored.range_low, stored.range_high) == (D("0.6"), D("1.3"))
    assert stored.flag == "normal"
    assert stored.taken_at == NOW - timedelta(minutes=10)
    assert stored.course == course
    assert stored.recorded_by == personas.nurse_on_team
    assert stored.note == "after fluids"
    assert stored.history.get().history_change_reason == "Laboratory result charted"


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_the_default_range_is_the_one_of_the_unit_charted(chart):
    result = chart(value=D("120"), unit="umol/L")
    assert (result.range_low, result.range_high) == (D("53"), D("115"))
    assert result.flag == "high"


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_the_labs_own_range_is_kept_and_read(chart):
    result = chart(value=D("1.25"), range_low=D("0.5"), range_high=D("1.2"))
    assert (result.range_low, result.range_high) == (D("0.5"), D("1.2"))
    assert result.flag == "high"


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_a_result_below_the_assays_limit_is_charted_with_its_qualifier(chart):
    result = chart(test=T.TROPONIN, value=D("3"), qualifier="<", unit="ng/L")
    assert (result.shown_value, result.flag) == ("<3", "normal")


@pytest.mark.django_db
@pytest.mark.now(NOW)
@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"unit": "mmol/L"}, "unit", "mmol/L is not a unit for Creatinine: use mg/dL or umol/L."),
        ({"value": D("100")}, "value", "Did you mean µmol/L?"),
        (
            {"range_low": D("2"), "range_high": D("1")},
            "range_low",
            "lower limit of the range is above",
        ),
        ({"value": D("-1")}, "value", "must be a number from 0"),
        ({"value": D("1.2345")}, "value", "at most 3 decimal places"),
        ({"value": "abc"}, "value", "not a number"),
        ({"value": None}, "value", "Enter the creatinine result."),
        ({"range_high": "x"}, "range_high", "upper limit of the range is not a number"),
        ({"qualifier": "="}, "value", 'starts with "<" or ">" only'),
        ({"test": "sodium"}, "test", "not a laboratory test the chart knows"),
        (
            {"value": D("1"), "qualifier": "<", "range_low": D("0.6"), "range_high": D("1.3")},
            "value",
            "could be inside or outside the range",
        ),
    ],
)
def test_a_result_that_breaks_a_rule_is_refused_naming_the_field(chart, values, field, message):
    refused = refusal(chart, **values)
    assert refused.field == field
    assert message in refused.message


@pytest.mark.django_db
@pytest.mark.now(NOW)
@pytest.mark.parametrize(
    ("minutes_ago", "message"), [(-30, "in the future"), (25 * 60, "more than 24 hours ago")]
)
def test_a_sample_time_the_chart_refuses_is_refused(chart, minutes_ago, message):
    refused = refusal(chart, minutes_ago=minutes_ago)
    assert refused.field == "taken_at"
    assert message in refused.message


def panel(personas, rows, *, minutes_ago=30, note=""):
    return chart_panel(
        personas.patient,
        by=personas.nurse_on_team,
        taken_at=NOW - timedelta(minutes=minutes_ago),
        results=rows,
        note=note,
    )


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_a_panel_charts_every_result_of_the_sample_at_one_time(personas, course):
    results = panel(
        personas,
        [
            {"test": T.CREATININE, "value": D("106"), "unit": "umol/L"},
            {"test": T.POTASSIUM, "value": D("3.1"), "unit": "mmol/L"},
            {
                "test": T.PLATELETS,
                "value": D("45"),
                "unit": "10*9/L",
                "range_low": D("140"),
                "range_high": D("400"),
            },
        ],
        note="Morning bloods",
    )
    assert [r.test for r in results] == [T.CREATININE, T.POTASSIUM, T.PLATELETS]
    assert {r.taken_at for r in LabResult.objects.all()} == {NOW - timedelta(minutes=30)}
    assert {r.course for r in results} == {course}
    assert {r.note for r in results} == {"Morning bloods"}
    assert [r.flag for r in results] == ["normal", "low", "low"]
    assert LabResult.objects.get(test=T.PLATELETS).range_low == D("140")


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_a_panel_with_one_bad_result_charts_none_and_names_each_bad_row(personas, course):
    with pytest.raises(PanelRefused) as refused:
        panel(
            personas,
            [
                {"test": T.CREATININE, "value": D("1.1"), "unit": "mg/dL"},
                {"test": T.HAEMOGLOBIN, "value": D("12"), "unit": "g/L"},
                {
                    "test": T.CALCIUM,
                    "value": D("2.3"),
                    "unit": "mmol/L",
                    "range_low": D("2.6"),
                    "range_high": D("2.2"),
                },
            ],
        )
    assert not LabResult.objects.exists()
    assert [r.field for r in refused.value.refusals] == ["haemoglobin_value", "calcium_range_low"]
    assert [r.message for r in refused.value.refusals] == [
        "12 g/L is not a possible Haemoglobin result. Did you mean g/dL?",
        "Calcium: the lower limit of the range is above its upper limit.",
    ]
    assert "Did you mean g/dL?" in refused.value.refusals[0].message


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_an_empty_panel_or_a_test_twice_is_refused(personas, course):
    with pytest.raises(ChartRefused, match="at least one result"):
        panel(personas, [])
    row = {"test": T.POTASSIUM, "value": D("4"), "unit": "mmol/L"}
    with pytest.raises(ChartRefused, match="once in a panel"):
        panel(personas, [row, row])
    assert not LabResult.objects.exists()


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_a_panel_at_a_time_the_chart_refuses_charts_nothing(personas, course):
    with pytest.raises(ChartRefused) as refused:
        panel(
            personas, [{"test": T.POTASSIUM, "value": D("4"), "unit": "mmol/L"}], minutes_ago=-60
        )
    assert refused.value.field == "taken_at"
    assert not LabResult.objects.exists()


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_an_unknown_value_in_a_panel_row_is_a_programming_error(personas, course):
    with pytest.raises(TypeError, match="flag"):
        panel(personas, [{"test": T.POTASSIUM, "value": D("4"), "unit": "mmol/L", "flag": "low"}])


# Marking in error and reading the latest.


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_a_result_is_marked_entered_in_error_with_a_reason_and_kept(chart, personas):
    result = chart()
    mark_entered_in_error(result, by=personas.clinician_on_team, reason="Haemolysed sample")
    stored = LabResult.objects.get()
    assert (stored.state, stored.error_reason) == ("entered_in_error", "Haemolysed sample")
    assert stored.history.first().history_user == personas.clinician_on_team
    with pytest.raises(ChartRefused, match="already marked entered in error"):
        mark_entered_in_error(stored, by=personas.nurse_on_team, reason="Again")
    with pytest.raises(ChartRefused, match="Say why"):
        mark_entered_in_error(chart(), by=personas.nurse_on_team, reason=" ")


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_the_latest_of_each_test_skips_older_results_and_results_in_error(chart, personas):
    chart(value=D("1.0"), minutes_ago=300)
    newest = chart(value=D("1.4"), minutes_ago=60)
    wrong = chart(value=D("9.9"), minutes_ago=5)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Other patient's sample")
    potassium = chart(test=T.POTASSIUM, value=D("4.1"), unit="mmol/L", minutes_ago=120)
    latest = LabResult.objects.for_patient(personas.patient).latest_of_each_test()
    assert set(latest) == {newest, potassium}
    assert list(LabResult.objects.of(T.POTASSIUM)) == [potassium]


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_another_patients_results_are_not_read(chart, personas):
    chart()
    other = personas.other_patient.patient
    assert not LabResult.objects.for_patient(other).latest_of_each_test().exists()


def test_a_unit_the_catalogue_no_longer_has_is_shown_as_stored():
    """An old row whose unit was dropped still shows on a page and in the admin."""
    assert LabResult(test=T.CREATININE, unit="mg/L").unit_label == "mg/L"
    assert LabResult(test=T.CREATININE, unit="umol/L").unit_label == "µmol/L"

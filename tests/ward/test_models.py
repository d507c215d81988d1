from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import NORMAL_OBSERVATIONS, PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.ward.models import HoldRule, PreDoseCheck

pytestmark = pytest.mark.django_db


def rule(measure, comparison, threshold=None, **fields):
    """An unsaved rule: fires() and str() need no database."""
    fields.setdefault("hold_reason", "institutional")
    threshold = None if threshold is None else Decimal(threshold)
    return HoldRule(measure=measure, comparison=comparison, threshold=threshold, **fields)


@pytest.mark.parametrize(
    ("comparison", "value", "fires"),
    [
        ("lt", 89, True),
        ("lt", 90, False),
        ("le", 90, True),
        ("le", 91, False),
        ("gt", 91, True),
        ("gt", 90, False),
        ("ge", 90, True),
        ("ge", 89, False),
    ],
)
def test_a_rule_fires_on_its_side_of_the_threshold(comparison, value, fires):
    assert rule("systolic_bp", comparison, "90").fires({"systolic_bp": value}) is fires


def test_a_rule_compares_decimal_values_exactly():
    fever = rule("temperature_c", "ge", "38.5")
    assert fever.fires({"temperature_c": Decimal("38.5")})
    assert not fever.fires({"temperature_c": Decimal("38.4")})


@pytest.mark.parametrize("comparison", ["lt", "le", "gt", "ge"])
def test_a_value_not_measured_never_fires(comparison):
    assert not rule("urine_ml", comparison, "100").fires({"urine_ml": None})
    assert not rule("urine_ml", comparison, "100").fires({})


@pytest.mark.parametrize(("value", "fires"), [(True, True), (False, False), (None, False)])
def test_a_yes_no_rule_fires_only_on_yes(value, fires):
    assert rule("on_pressors", "yes").fires({"on_pressors": value}) is fires


@pytest.mark.parametrize(
    ("measure", "comparison", "threshold", "text"),
    [
        ("systolic_bp", "lt", "90.00", "Systolic BP < 90 mmHg"),
        ("spo2", "lt", "90.00", "SpO₂ < 90%"),
        ("heart_rate", "gt", "130.00", "Heart rate > 130/min"),
        ("temperature_c", "ge", "38.50", "Temperature ≥ 38.5 °C"),
        ("urine_ml", "le", "100.00", "Urine since the last dose ≤ 100 mL"),
        ("mental_status_changed", "yes", None, "Mental status changed"),
        ("on_pressors", "yes", None, "On pressors"),
    ],
)
def test_a_rule_reads_as_a_nurse_would_say_it(measure, comparison, threshold, text):
    assert str(rule(measure, comparison, threshold)) == text


def test_the_shipped_active_rules_read_as_the_label_says():
    assert [str(r) for r in HoldRule.objects.active()] == [
        "AF, SVT or bradycardia needing treatment",
        "Systolic BP < 90 mmHg",
        "SpO₂ < 90%",
        "Mental status changed",
        "Stool occult blood positive",
        "Creatinine > 4.5 mg/dL",
        "Sepsis with clinical instability",
        "Bullous dermatitis or marked skin worsening",
    ]


def test_the_centres_rules_are_shipped_inactive():
    inactive = HoldRule.objects.filter(is_active=False)
    assert [str(r) for r in inactive] == [
        "Heart rate > 130/min",
        "Weight gain over the admission weight > 15%",
    ]


def test_each_shipped_rule_names_its_source_and_the_older_label_rows_say_so():
    sources = dict(HoldRule.objects.values_list("measure", "source"))
    assert "2024" in sources["arrhythmia"] and "2024" in sources["occult_blood_positive"]
    for measure in ("creatinine_mg_dl", "sepsis_unstable", "skin_bullous"):
        assert "older" in sources[measure]


@pytest.mark.parametrize(
    ("measure", "comparison", "threshold"),
    [
        ("mental_status_changed", "yes", "1"),  # yes/no with a threshold
        ("on_pressors", "gt", "0"),  # yes/no with a number comparison
        ("systolic_bp", "lt", None),  # a number without a threshold
        ("systolic_bp", "yes", None),  # a number with "is yes"
    ],
)
def test_the_database_refuses_a_comparison_that_does_not_fit_the_measure(
    measure, comparison, threshold
):
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(measure, comparison, threshold, source="test").save()


@pytest.fixture
def course():
    return make_course(PatientFactory(weight_kg=Decimal("70.0")))


def pre_dose_check(course, **fields):
    values = {
        **NORMAL_OBSERVATIONS,
        "dose": course.doses.get(dose_in_course=1),
        "decision": "give",
        "recorded_by": make_user(Role.NURSE),
    }
    return PreDoseCheck(**{**values, **fields})


def test_weight_gain_is_a_percentage_of_the_course_weight(course):
    values = pre_dose_check(course, weight_kg=Decimal("80.5")).rule_values()
    assert values["weight_gain_percent"] == Decimal("15")


def test_weight_loss_is_a_negative_gain(course):
    values = pre_dose_check(course, weight_kg=Decimal("63.0")).rule_values()
    assert values["weight_gain_percent"] == Decimal("-10")


def test_no_weight_means_no_weight_gain(course):
    assert pre_dose_check(course).rule_values()["weight_gain_percent"] is None


def test_a_gain_just_over_the_threshold_fires_the_weight_rule(course):
    weight_rule = HoldRule.objects.get(measure="weight_gain_percent")
    assert weight_rule.fires(pre_dose_check(course, weight_kg=Decimal("80.6")).rule_values())
    assert not weight_rule.fires(pre_dose_check(course, weight_kg=Decimal("80.5")).rule_values())


def test_the_check_values_carry_mental_status_as_yes_or_no(course):
    assert pre_dose_check(course, mental_status="changed").rule_values()["mental_status_changed"]
    assert not pre_dose_check(course).rule_values()["mental_status_changed"]


def test_evaluating_a_check_keeps_a_snapshot_of_what_fired(course):
    check = pre_dose_check(course, spo2=88, mental_status="changed")
    fired = check.evaluate(HoldRule.objects.active())
    assert [(f["text"], f["hold_reason"]) for f in fired] == [
        ("SpO₂ < 90%", "hypoxia"),
        ("Mental status changed", "mental_status"),
    ]
    assert check.fired_rules == fired
    assert check.suggestion == "hold"


@pytest.mark.parametrize("spo2", [49, 101])
def test_the_database_refuses_an_impossible_saturation(course, spo2):
    with pytest.raises(IntegrityError), transaction.atomic():
        pre_dose_check(course, spo2=spo2).save()


# The label's other withhold rows (docs/clinical-sources.md §1) -----------------------------

ALL_ASSESSED = {
    "rhythm": "sinus",
    "occult_blood": "negative",
    "skin_bullous": "no",
    "sepsis_unstable": "no",
    "hepatic_failure": "no",
}


def fired_texts(check):
    return [f["text"] for f in check.evaluate(HoldRule.objects.active())]


@pytest.mark.parametrize(
    ("finding", "text"),
    [
        ({"rhythm": "af"}, "AF, SVT or bradycardia needing treatment"),
        ({"rhythm": "svt"}, "AF, SVT or bradycardia needing treatment"),
        ({"rhythm": "bradycardia"}, "AF, SVT or bradycardia needing treatment"),
        ({"occult_blood": "positive"}, "Stool occult blood positive"),
        ({"skin_bullous": "yes"}, "Bullous dermatitis or marked skin worsening"),
        ({"sepsis_unstable": "yes"}, "Sepsis with clinical instability"),
    ],
)
def test_each_label_row_the_nurse_attests_fires_its_shipped_rule(course, finding, text):
    assert fired_texts(pre_dose_check(course, **{**ALL_ASSESSED, **finding})) == [text]


def test_sinus_tachycardia_is_no_label_withhold(course):
    check = pre_dose_check(course, **{**ALL_ASSESSED, "rhythm": "sinus_tachycardia"})
    assert fired_texts(check) == []


def test_a_creatinine_above_4_5_taken_in_the_last_day_fires_the_renal_rule(course):
    check = pre_dose_check(course, **ALL_ASSESSED)
    check.creatinine_taken_at = check.taken_at - timedelta(hours=6)
    check.creatinine_mg_dl = Decimal("4.6")
    assert fired_texts(check) == ["Creatinine > 4.5 mg/dL"]
    check.creatinine_mg_dl = Decimal("4.5")
    assert fired_texts(check) == []


def test_a_creatinine_more_than_a_day_old_is_not_checked(course):
    check = pre_dose_check(course, **ALL_ASSESSED, creatinine_mg_dl=Decimal("5.0"))
    check.creatinine_taken_at = check.taken_at - timedelta(hours=25)
    assert fired_texts(check) == []
    assert check.unchecked_criteria(HoldRule.objects.active()) == ["Creatinine > 4.5 mg/dL"]


def test_a_check_lists_the_label_criteria_it_had_no_data_for(course):
    check = pre_dose_check(course)
    assert check.unchecked_criteria(HoldRule.objects.active()) == [
        "AF, SVT or bradycardia needing treatment",
        "Stool occult blood positive",
        "Creatinine > 4.5 mg/dL",
        "Sepsis with clinical instability",
        "Bullous dermatitis or marked skin worsening",
        "Signs of hepatic failure",
    ]


def test_signs_of_hepatic_failure_stop_the_course_and_need_the_prescriber(course):
    check = pre_dose_check(course, **{**ALL_ASSESSED, "hepatic_failure": "yes"})
    assert fired_texts(check) == []
    assert check.stops_course
    assert check.needs_prescriber
    assert check.suggestion == "hold"


def test_the_database_refuses_a_creatinine_without_its_time(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        pre_dose_check(course, creatinine_mg_dl=Decimal("1.0")).save()

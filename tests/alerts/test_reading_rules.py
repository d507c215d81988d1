"""Rules on readings the patient recorded at home: what one may hold, in clean(), in the
database and in the admin, where each edit keeps its reason."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.alerts.models import Alert, AlertRule

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/alerts/alertrule/"


@pytest.mark.parametrize(
    "fields, errors",
    [
        (
            {"trigger": "reading", "measure": "temperature_c"},
            {"at_least": ["Give the threshold: the reading that alerts."]},
        ),
        (
            {"trigger": "reading", "measure": "temperature_c", "at_least": 50},
            {"at_least": ["A temperature from 34.0 to 43.0 °C."]},
        ),
        (
            {"trigger": "reading", "measure": "weight_gain_percent", "at_least": 0},
            {"at_least": ["A weight gain from 1 to 50 %."]},
        ),
        (
            {"trigger": "reading", "measure": "systolic_bp", "at_least": 400},
            {"at_least": ["A systolic BP from 40 to 300 mmHg."]},
        ),
        (
            {"trigger": "reading", "at_least": 38},
            {"measure": ["Choose the measure it reads: temperature, weight gain, …"]},
        ),
        (
            {"trigger": "reading", "measure": "temperature_c", "at_least": 38, "term": "Fever"},
            {
                "term": [
                    "A rule for “reading recorded at home” does not read the term: leave it empty."
                ]
            },
        ),
        (
            {
                "trigger": "reading",
                "measure": "systolic_bp",
                "at_least": 90,
                "below": True,
                "strictly_above": True,
            },
            {"below": ["A rule alerts below or above its threshold, not both."]},
        ),
        (
            {"trigger": "lab", "test": "potassium", "at_least": 3, "below": True},
            {"below": ["Only a rule on readings at home alerts below its threshold."]},
        ),
        (
            {"trigger": "patient_answer", "attribute": "temperature", "measure": "temperature_c"},
            {
                "measure": [
                    "A rule for “patient's answer to a symptom question” does not read the measure: "
                    "leave it empty."
                ],
                "at_least": ["Give the threshold: the answer or grade that alerts."],
            },
        ),
    ],
)
def test_clean_refuses_a_reading_rule_that_does_not_fit(fields, errors):
    with pytest.raises(ValidationError) as refused:
        AlertRule(name="Test", severity="high", **fields).clean()
    assert refused.value.message_dict == errors


@pytest.mark.parametrize(
    "fields",
    [
        {"trigger": "reading", "at_least": 38},  # no measure
        {"trigger": "reading", "measure": "temperature_c"},  # no threshold
        {"trigger": "lab", "below": True},
        {
            "trigger": "reading",
            "measure": "systolic_bp",
            "at_least": 90,
            "below": True,
            "strictly_above": True,
        },
    ],
)
def test_the_database_refuses_what_clean_refuses(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertRule.objects.create(name="Test", severity="high", **fields)


def test_the_database_refuses_an_alert_on_a_reading_without_the_reading(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            patient=personas.patient, trigger="reading", severity="high", text="x"
        )


def test_the_shipped_home_rules_are_in_a_new_database():
    rules = AlertRule.objects.filter(trigger="reading").order_by("name")
    assert {(r.measure, r.at_least, r.strictly_above, r.below, r.severity) for r in rules} == {
        ("temperature_c", 40, True, False, "urgent"),
        ("temperature_c", 38, False, False, "high"),
        ("weight_gain_percent", 5, False, False, "high"),
        ("systolic_bp", 90, False, True, "high"),
    }


def test_an_admin_edits_a_home_rule_with_a_reason(as_persona, personas):
    rule = AlertRule.objects.get(name="Weight gain of 5% or more at home")
    form = {
        "name": rule.name,
        "trigger": "reading",
        "severity": "high",
        "active": "on",
        "measure": "weight_gain_percent",
        "at_least": "7",
        "source": rule.source,
        "change_reason": "Our protocol: 7 %",
    }
    client = as_persona("admin")
    assert client.post(f"{CHANGELIST}{rule.pk}/change/", form).status_code == 302
    rule.refresh_from_db()
    assert rule.at_least == 7
    assert rule.history.first().history_change_reason == "Our protocol: 7 %"


def test_the_admin_refuses_below_on_a_rule_that_is_not_a_reading(as_persona):
    rule = AlertRule.objects.get(name="Potassium above 5.5 mmol/L")
    form = {
        "name": rule.name,
        "trigger": "lab",
        "severity": "high",
        "active": "on",
        "test": "potassium",
        "flag": "high",
        "at_least": "5.5",
        "below": "on",
        "source": rule.source,
        "change_reason": "Try",
    }
    response = as_persona("admin").post(f"{CHANGELIST}{rule.pk}/change/", form)
    assert response.status_code == 200
    assert "Only a rule on readings at home alerts below its threshold." in response.text

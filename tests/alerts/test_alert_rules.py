"""Alert rules as data: each trigger's matching, the most severe rule winning, rules
switched off or edited taking effect at once, the high-dose-only rules, the patient's
advice, lab and event alerts, the admin and what a rule may hold."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert, AlertRule
from tracker.alerts.rules import report_severity
from tracker.observations.infusions import end_event, start_event
from tracker.observations.labs import chart_panel, chart_result
from tracker.symptoms.models import CtcaeTerm, ProSymptom
from tracker.symptoms.reporting import record_event, report_symptom
from tracker.thyroid.recording import record_result

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


@pytest.fixture
def patient():
    return PatientFactory(given_name="Ada", family_name="Byron", user=make_user(Role.PATIENT))


@pytest.fixture
def nurse(patient):
    nurse = make_user(Role.NURSE)
    patient.care_team.add(nurse)
    return nurse


def rule(name):
    return AlertRule.objects.get(name=name)


def edit(name, **fields):
    AlertRule.objects.filter(name=name).update(**fields)


def report(patient, slug, temperature_c=None, **answers):
    symptom = ProSymptom.objects.get(slug=slug)
    return report_symptom(
        patient, symptom, by=patient.user, answers=answers, temperature_c=temperature_c
    )


def graded(patient, nurse, term, grade):
    term = CtcaeTerm.objects.get(version="5.0", term=term)
    return record_event(patient, term, by=nurse, grade=grade, onset_at=NOW, attribution="possible")


def lab(patient, nurse, test, value, unit, **fields):
    return chart_result(
        patient, by=nurse, test=test, value=value, unit=unit, taken_at=NOW, **fields
    )


# Patient answers: per symptom, per attribute, at a threshold on the 0–4 answer.


def test_a_rule_for_one_symptom_matches_only_that_symptom(patient):
    AlertRule.objects.create(
        name="Headache moderate",
        trigger="patient_answer",
        severity="high",
        symptom="headache",
        attribute="severity",
        at_least=2,
    )
    report(patient, "nausea", frequency=1, severity=2)
    assert not Alert.objects.exists()

    saved = report(patient, "headache", frequency=1, severity=2, interference=0)
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule, alert.symptom_report) == (
        "high",
        rule("Headache moderate"),
        saved,
    )
    assert alert.text == "Ada Byron reported headache: severity moderate (2)."


@pytest.mark.parametrize(
    "temperature, severity, name",
    [
        (None, "routine", "Fever reported"),
        ("37.9", "routine", "Fever reported"),
        ("38.0", "high", "Fever of 38.0 °C or more"),
        ("40.0", "high", "Fever of 38.0 °C or more"),
        ("40.1", "urgent", "Fever above 40.0 °C"),
    ],
)
def test_a_fever_goes_by_the_temperature_measured(patient, temperature, severity, name):
    temperature_c = Decimal(temperature) if temperature else None
    report(patient, "fever", temperature_c=temperature_c, presence=True)
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule.name) == (severity, name)


def test_no_fever_raises_nothing(patient):
    report(patient, "fever", presence=False)
    assert not Alert.objects.exists()


def test_the_most_severe_rule_met_wins_and_the_text_lists_every_answer_that_alerted(patient):
    report(patient, "swelling", frequency=4, severity=4, interference=4)
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule) == ("urgent", rule("Any answer “very severe”"))
    assert alert.text == (
        "Ada Byron reported swelling of arms or legs: frequency almost constantly (4), "
        "severity very severe (4), interference very much (4)."
    )


def test_a_switched_off_rule_raises_nothing(patient):
    edit("Any answer “very severe”", active=False)
    report(patient, "nausea", frequency=1, severity=4)
    assert Alert.objects.get().severity == "high"  # "severe" still holds

    edit("Any answer “severe”", active=False)
    report(patient, "nausea", frequency=1, severity=4)
    assert Alert.objects.count() == 1


def test_an_edited_threshold_takes_effect_at_the_next_entry(patient, nurse):
    graded(patient, nurse, "Vomiting", 2)
    assert not Alert.objects.exists()

    edit("Any term grade 3 or more", at_least=2)
    graded(patient, nurse, "Vomiting", 2)
    assert Alert.objects.get().severity == "high"


def test_the_patients_advice_follows_the_rules_the_team_is_alerted_by(patient):
    severe = report(patient, "nausea", frequency=1, severity=3)
    assert report_severity(severe) == Alert.objects.get().severity == "high"

    edit("Any answer “severe”", severity="urgent")
    assert report_severity(severe) == "urgent"
    edit("Any answer “severe”", active=False)
    assert report_severity(severe) is None


# Staff grades: per term or any, and high-dose-only rules.


@pytest.mark.parametrize("term", ["Confusion", "Agitation", "Somnolence", "Psychosis"])
def test_a_mental_status_change_of_grade_2_is_urgent(patient, nurse, term):
    graded(patient, nurse, term, 2)
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule.name) == ("urgent", f"{term} grade 2 or more")
    assert alert.text == f"Ada Byron: {term}, grade 2."


def test_any_seizure_is_urgent_and_other_grade_2s_raise_nothing(patient, nurse):
    graded(patient, nurse, "Nausea", 2)
    assert not Alert.objects.exists()
    graded(patient, nurse, "Seizure", 1)
    assert Alert.objects.get().severity == "urgent"


def test_hypotension_grade_2_is_high_only_on_a_high_dose_course(patient, nurse):
    graded(patient, nurse, "Hypotension", 2)
    assert not Alert.objects.exists()

    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    graded(patient, nurse, "Hypotension", 2)
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule.name) == (
        "high",
        "Hypotension grade 2 or more on a high-dose course",
    )


def test_a_home_course_is_not_a_high_dose_course(patient, nurse):
    make_course(patient, slug="sc-5on2off", start="2027-03-10 08:00")
    graded(patient, nurse, "Hypotension", 2)
    assert not Alert.objects.exists()


def test_a_high_dose_course_starting_after_tomorrow_does_not_count_yet(patient, nurse):
    make_course(patient, slug="hd-iv-label", start="2027-03-12 08:00")
    graded(patient, nurse, "Hypotension", 2)
    assert not Alert.objects.exists()


# Thyroid results: test, flag and threshold.


def test_a_thyroid_threshold_edited_in_the_admin_reads_at_or_above(patient, nurse):
    edit("TSH above 10 mIU/L", at_least=Decimal(8), strictly_above=False)
    record_result(
        patient, by=nurse, test="tsh", value=Decimal("8"), unit="mIU/L", collected_at=NOW
    )
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule.name) == ("high", "TSH above 10 mIU/L")
    assert alert.text == "Ada Byron: TSH 8 mIU/L is high, at or above 8 mIU/L."


# Laboratory results: one alert per result or panel, at most.


def test_a_creatinine_of_3_or_more_is_high(patient, nurse):
    saved = lab(patient, nurse, "creatinine", "3.1", "mg/dL")
    alert = Alert.objects.get()
    assert (alert.trigger, alert.severity, alert.lab_result) == ("lab", "high", saved)
    assert alert.rule.name == "Creatinine 3.0 mg/dL or more"
    assert alert.text == "Ada Byron: Creatinine 3.1 mg/dL is high, at or above 3 mg/dL."


def test_a_threshold_reads_the_value_in_the_tests_first_unit(patient, nurse):
    lab(patient, nurse, "creatinine", "300", "umol/L")  # 3.39 mg/dL
    assert Alert.objects.get().severity == "high"


def test_a_result_just_out_of_range_is_routine_and_one_in_range_raises_nothing(patient, nurse):
    lab(patient, nurse, "creatinine", "1.0", "mg/dL")
    assert not Alert.objects.exists()
    lab(patient, nurse, "creatinine", "1.5", "mg/dL")
    alert = Alert.objects.get()
    assert (alert.severity, alert.rule.name) == ("routine", "Laboratory result out of range")
    assert alert.text == "Ada Byron: Creatinine 1.5 mg/dL is high."


def test_a_panel_raises_one_alert_naming_the_most_severe_result(patient, nurse):
    saved = chart_panel(
        patient,
        by=nurse,
        taken_at=NOW - timedelta(hours=1),
        results=[
            {"test": "platelets", "value": "90", "unit": "10*9/L"},
            {"test": "magnesium", "value": "0.8", "unit": "mmol/L"},
            {"test": "potassium", "value": "5.8", "unit": "mmol/L"},
        ],
    )
    alert = Alert.objects.get()
    assert (alert.severity, alert.lab_result) == ("high", saved[2])
    assert alert.rule.name == "Potassium above 5.5 mmol/L"
    assert alert.text == (
        "Ada Byron: Platelets 90 ×10⁹/L is low; Potassium 5.8 mmol/L is high, above 5.5 mmol/L."
    )


def test_a_panel_in_range_raises_nothing(patient, nurse):
    chart_panel(
        patient,
        by=nurse,
        taken_at=NOW,
        results=[{"test": "potassium", "value": "4.0", "unit": "mmol/L"}],
    )
    assert not Alert.objects.exists()


# Charted events: alerted once, as they are charted.


@pytest.mark.parametrize(
    "kind, severity",
    [
        ("icu_transfer", "urgent"),
        ("intubation", "urgent"),
        ("coma_psychosis", "urgent"),
        ("seizure", "urgent"),
        ("dialysis", "high"),
    ],
)
def test_a_charted_event_alerts_once(patient, nurse, kind, severity):
    event = start_event(patient, by=nurse, kind=kind, started_at=NOW - timedelta(hours=2))
    end_event(event, by=nurse, at=NOW)
    alert = Alert.objects.get(trigger="event")
    assert (alert.severity, alert.clinical_event, alert.rule.event_kind) == (
        severity,
        event,
        kind,
    )
    assert alert.text == f"Ada Byron: {event.name} charted."


def test_an_other_event_raises_nothing(patient, nurse):
    start_event(patient, by=nurse, kind="other", other_name="Chest drain", started_at=NOW)
    assert not Alert.objects.exists()


# What a rule may hold: clean() says what does not fit, the database refuses it too.


@pytest.mark.parametrize(
    "fields, errors",
    [
        (
            {
                "trigger": "patient_answer",
                "attribute": "severity",
                "at_least": 3,
                "term": "Nausea",
            },
            {
                "term": [
                    "A rule for “patient's answer to a symptom question” does not read the term: "
                    "leave it empty."
                ]
            },
        ),
        (
            {"trigger": "patient_answer", "attribute": "severity", "at_least": 5},
            {"at_least": ["An answer runs from 0 to 4."]},
        ),
        (
            {"trigger": "patient_answer", "attribute": "presence", "at_least": 2},
            {"at_least": ["A yes/no answer: 1 is yes."]},
        ),
        (
            {"trigger": "patient_answer", "attribute": "temperature", "at_least": 50},
            {"at_least": ["A temperature from 34.0 to 43.0 °C."]},
        ),
        (
            {"trigger": "patient_answer", "at_least": 3},
            {"attribute": ["Choose the answer it reads: frequency, severity, …"]},
        ),
        (
            {"trigger": "staff_grade", "at_least": 0},
            {"at_least": ["A CTCAE grade runs from 1 to 5."]},
        ),
        (
            {"trigger": "staff_grade"},
            {"at_least": ["Give the threshold: the answer or grade that alerts."]},
        ),
        (
            {"trigger": "event", "event_kind": "seizure", "at_least": 1},
            {"at_least": ["A charted event alerts as it is charted: leave it empty."]},
        ),
        (
            {"trigger": "lab", "test": "creatinine", "flag": "raised"},
            {"flag": ["A flag is “low” or “high”; leave it empty for either."]},
        ),
    ],
)
def test_clean_refuses_a_rule_whose_fields_do_not_fit_its_trigger(fields, errors):
    with pytest.raises(ValidationError) as refused:
        AlertRule(name="Test", severity="high", **fields).full_clean()
    assert refused.value.message_dict == errors


def test_the_database_refuses_a_term_on_a_patient_answer_rule():
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertRule.objects.create(
            name="Test",
            trigger="patient_answer",
            severity="high",
            attribute="severity",
            at_least=3,
            term="Nausea",
        )


def test_the_database_refuses_an_answer_threshold_above_4():
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertRule.objects.create(
            name="Test",
            trigger="patient_answer",
            severity="high",
            attribute="severity",
            at_least=5,
        )

"""When an entry raises an alert: each rule at its boundary, through the operations that save entries."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.symptoms.models import CtcaeTerm, ProSymptom
from tracker.symptoms.reporting import EntryRefused, record_event, report_symptom
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


def report(patient, slug, **answers):
    symptom = ProSymptom.objects.get(slug=slug)
    return report_symptom(patient, symptom, by=patient.user, answers=answers)


def term(name):
    return CtcaeTerm.objects.get(version="5.0", term=name)


def event(patient, nurse, name, grade):
    return record_event(
        patient, term(name), by=nurse, grade=grade, onset_at=NOW, attribution="possible"
    )


def tsh(patient, nurse, value, **fields):
    return record_result(
        patient,
        by=nurse,
        test="tsh",
        value=Decimal(value),
        unit="mIU/L",
        collected_at=NOW,
        **fields,
    )


# Patient answers: severity decides; frequency alone is routine; interference "very much" is high.


@pytest.mark.parametrize(
    "slug, answers",
    [
        ("nausea", {"frequency": 2, "severity": 2}),
        ("swelling", {"frequency": 2, "severity": 2, "interference": 3}),
        ("fatigue", {"severity": 2, "interference": 3}),
        ("rash", {"presence": True}),  # a yes/no item has no scale
        ("nausea", {"frequency": 0, "severity": 4}),  # "Never" scores severity 0
    ],
)
def test_answers_below_the_thresholds_raise_no_alert(patient, slug, answers):
    report(patient, slug, **answers)
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    "slug, answers, severity, words",
    [
        ("nausea", {"frequency": 1, "severity": 4}, "urgent", "severity very severe (4)"),
        ("fatigue", {"severity": 4, "interference": 0}, "urgent", "severity very severe (4)"),
        ("nausea", {"frequency": 1, "severity": 3}, "high", "severity severe (3)"),
        (
            "swelling",
            {"frequency": 4, "severity": 3, "interference": 4},
            "high",
            "frequency almost constantly (4), severity severe (3), interference very much (4)",
        ),
        ("fatigue", {"severity": 2, "interference": 4}, "high", "interference very much (4)"),
        ("diarrhoea", {"frequency": 4}, "high", "frequency almost constantly (4)"),
        ("diarrhoea", {"frequency": 3}, "routine", "frequency frequently (3)"),
        ("nausea", {"frequency": 3, "severity": 1}, "routine", "frequency frequently (3)"),
        (
            "headache",
            {"frequency": 3, "severity": 2, "interference": 1},
            "routine",
            "frequency frequently (3)",
        ),
    ],
)
def test_answers_at_a_threshold_alert_the_care_team_with_its_severity(
    patient, slug, answers, severity, words
):
    saved = report(patient, slug, **answers)
    alert = Alert.objects.get()
    assert alert.trigger == Alert.Trigger.PATIENT_ANSWER
    assert alert.severity == severity
    assert (alert.patient, alert.symptom_report) == (patient, saved)
    assert alert.is_open
    assert alert.created_at == NOW
    assert alert.text == f"Ada Byron reported {saved.symptom.name.lower()}: {words}."


def test_a_refused_report_raises_no_alert(patient):
    with pytest.raises(EntryRefused):
        report(patient, "nausea", frequency=4)  # severity not answered
    assert not Alert.objects.exists()


# Staff grades: 3 or more.


@pytest.mark.parametrize("name", ["Nausea", "Vomiting"])
def test_a_grade_2_raises_no_alert(patient, nurse, name):
    event(patient, nurse, name, 2)
    assert not Alert.objects.exists()


@pytest.mark.parametrize("grade, severity", [(3, "high"), (4, "urgent"), (5, "urgent")])
def test_a_grade_of_3_or_more_alerts_the_care_team(patient, nurse, grade, severity):
    saved = event(patient, nurse, "Vomiting", grade)
    alert = Alert.objects.get()
    assert alert.trigger == Alert.Trigger.STAFF_GRADE
    assert alert.severity == severity
    assert (alert.patient, alert.adverse_event) == (patient, saved)
    assert alert.text == f"Ada Byron: Vomiting, grade {grade}."


def test_nausea_grade_3_alerts(patient, nurse):
    event(patient, nurse, "Nausea", 3)
    assert Alert.objects.get().text == "Ada Byron: Nausea, grade 3."


def test_a_grade_the_term_does_not_define_is_refused_without_an_alert(patient, nurse):
    with pytest.raises(EntryRefused):
        event(patient, nurse, "Nausea", 4)
    assert not Alert.objects.exists()


def test_a_text_too_long_for_its_column_is_shortened_not_refused(nurse):
    # Names at their longest, and a term as long as an admin may add.
    patient = PatientFactory(given_name="A" * 100, family_name="B" * 100, care_team=[nurse])
    long_term = CtcaeTerm.objects.create(
        version="5.0", term="T" * 120, category="Other", grade_3="Severe"
    )
    record_event(patient, long_term, by=nurse, grade=3, onset_at=NOW, attribution="possible")
    text = Alert.objects.get().text
    assert len(text) == 300
    assert text.startswith("A" * 100 + " " + "B" * 100 + ": TTT")
    assert text.endswith("…")


# Thyroid results: outside the lab's range.


@pytest.mark.parametrize("value", ["0.4", "4.5", "2.1"])
def test_a_tsh_on_or_within_the_range_limits_raises_no_alert(patient, nurse, value):
    tsh(patient, nurse, value)  # the default range, 0.4–4.5 mIU/L
    assert not Alert.objects.exists()


@pytest.mark.parametrize("value, words", [("0.399", "low"), ("4.501", "high")])
def test_a_tsh_just_outside_the_range_alerts_the_care_team(patient, nurse, value, words):
    saved = tsh(patient, nurse, value)
    alert = Alert.objects.get()
    assert alert.trigger == Alert.Trigger.THYROID
    assert alert.severity == Alert.Severity.ROUTINE
    assert (alert.patient, alert.thyroid_result) == (patient, saved)
    assert alert.text == f"Ada Byron: TSH {value} mIU/L is {words}."


def test_the_labs_own_range_decides(patient, nurse):
    # 4.0 is normal by the default range but high by this lab's.
    tsh(patient, nurse, "4.0", range_low=Decimal("0.5"), range_high=Decimal("3.9"))
    assert Alert.objects.get().text == "Ada Byron: TSH 4 mIU/L is high."
    tsh(patient, nurse, "0.45", range_low=Decimal("0.3"), range_high=Decimal("3.9"))
    assert Alert.objects.count() == 1


def test_a_low_free_t4_in_pmol_alerts(patient, nurse):
    record_result(
        patient, by=nurse, test="ft4", value=Decimal("9.9"), unit="pmol/L", collected_at=NOW
    )
    assert Alert.objects.get().text == "Ada Byron: Free T4 9.9 pmol/L is low."


# Thyroid results: a TSH above 10 mIU/L is called out; a positive anti-TPO is information.


@pytest.mark.parametrize("value", ["10", "10.001"])
def test_a_tsh_of_10_is_routine_and_just_above_it_is_high(patient, nurse, value):
    tsh(patient, nurse, value)
    alert = Alert.objects.get()
    if value == "10":
        assert alert.severity == Alert.Severity.ROUTINE
        assert alert.text == "Ada Byron: TSH 10 mIU/L is high."
    else:
        assert alert.severity == Alert.Severity.HIGH
        assert alert.text == "Ada Byron: TSH 10.001 mIU/L is high, above 10 mIU/L."


def test_a_tsh_reported_above_the_assays_limit_of_10_is_high(patient, nurse):
    tsh(patient, nurse, "10", qualifier=">")
    alert = Alert.objects.get()
    assert alert.severity == Alert.Severity.HIGH
    assert alert.text == "Ada Byron: TSH >10 mIU/L is high, above 10 mIU/L."


def test_a_tsh_above_10_within_the_labs_own_range_raises_nothing(patient, nurse):
    tsh(patient, nurse, "12", range_low=Decimal("0.4"), range_high=Decimal("15"))
    assert not Alert.objects.exists()  # the lab's range decides whether it alerts at all


def anti_tpo(patient, nurse, value):
    return record_result(
        patient, by=nurse, test="tpo", value=Decimal(value), unit="IU/mL", collected_at=NOW
    )


@pytest.mark.parametrize("value", ["35", "600", "99999"])
def test_a_positive_anti_tpo_is_routine_information_never_urgent(patient, nurse, value):
    anti_tpo(patient, nurse, value)
    alert = Alert.objects.get()
    assert alert.severity == Alert.Severity.ROUTINE
    assert alert.text == (
        f"Ada Byron: Anti-TPO antibodies {value} IU/mL is positive. For information: "
        "a risk of thyroiditis, not a thyroid disorder; keep to the TSH checks."
    )


def test_an_anti_tpo_on_the_cut_off_raises_nothing(patient, nurse):
    anti_tpo(patient, nurse, "34")
    assert not Alert.objects.exists()

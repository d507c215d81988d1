"""The symptoms patients can report: the leaflet's warning signs, honest about their source,
and a fever with the temperature the patient measured (docs/clinical-sources.md §2)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.symptoms.models import Attribute, CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import EntryRefused, report_symptom
from tracker.symptoms.templatetags.side_effects import answers_scored
from tracker.symptoms.templatetags.symptoms import answers_in_words

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
FREQ, SEV, INTF, PRES = (
    Attribute.FREQUENCY,
    Attribute.SEVERITY,
    Attribute.INTERFERENCE,
    Attribute.PRESENCE,
)


@pytest.fixture
def patient():
    return PatientFactory(given_name="Ada", family_name="Byron", user=make_user(Role.PATIENT))


def item(slug):
    return ProSymptom.objects.get(slug=slug)


def fever(patient, temperature_c=None):
    return report_symptom(
        patient,
        item("fever"),
        by=patient.user,
        answers={"presence": True},
        temperature_c=temperature_c,
    )


# The list: PRO-CTCAE items where they exist, the app's own items where they do not.


@pytest.mark.parametrize(
    "slug, wording, attributes",
    [
        ("sad", "sad or unhappy feelings", [FREQ, SEV, INTF]),
        ("hoarse-voice", "hoarse voice", [SEV]),
        ("palpitations", "pounding or racing heartbeat (palpitations)", [FREQ, SEV]),
        (
            "injection-site",
            "pain, swelling, or redness at the site of drug injection or IV",
            [PRES],
        ),
    ],
)
def test_the_leaflets_signs_use_the_pro_ctcae_items_that_exist(slug, wording, attributes):
    symptom = item(slug)
    assert (symptom.item, symptom.attributes(), symptom.is_pro_ctcae) == (
        wording,
        attributes,
        True,
    )


def test_fever_feeling_cold_weight_gain_and_dizziness_on_standing_are_the_apps_own_items():
    own = set(ProSymptom.objects.filter(is_pro_ctcae=False).values_list("slug", flat=True))
    assert own == {"fever", "feeling-cold", "weight-gain", "dizziness-standing"}
    # The PRO-CTCAE dizziness item stays as it is, beside the app's own.
    assert item("dizziness").is_pro_ctcae


@pytest.mark.parametrize(
    "slug, term",
    [
        ("concentration", "Concentration impairment"),
        ("hot-flashes", "Hot flashes"),
        ("fever", "Fever"),
        ("feeling-cold", "Chills"),
        ("dizziness-standing", "Hypotension"),
        ("weight-gain", "Weight gain"),
        ("palpitations", "Palpitations"),
        ("hoarse-voice", "Hoarseness"),
        ("sad", "Depression"),
    ],
)
def test_each_item_is_graded_with_the_ctcae_term_for_the_same_side_effect(slug, term):
    assert item(slug).ctcae_term == term


def test_every_item_names_a_current_term_staff_can_grade():
    terms = set(CtcaeTerm.objects.current().values_list("term", flat=True))
    assert set(ProSymptom.objects.values_list("ctcae_term", flat=True)) <= terms


def test_only_the_fever_item_takes_a_temperature():
    assert list(ProSymptom.objects.filter(asks_temperature=True)) == [item("fever")]


# A fever and its temperature.


def test_a_fever_keeps_the_temperature_the_patient_measured(patient):
    saved = fever(patient, Decimal("38.6"))
    stored = SymptomReport.objects.get(pk=saved.pk)
    assert (stored.present, stored.temperature_c, stored.temperature_text) == (
        True,
        Decimal("38.6"),
        "38.6 °C",
    )
    assert answers_scored(stored) == "Presence: Yes (1); Temperature: 38.6 °C"
    assert answers_in_words(stored) == "Yes · 38.6 °C"


def test_a_fever_may_be_reported_without_a_temperature(patient):
    assert fever(patient).temperature_c is None


@pytest.mark.parametrize("value", ["33.9", "43.1", "98.6"])
def test_a_temperature_no_thermometer_would_show_is_refused_and_nothing_is_written(patient, value):
    with pytest.raises(EntryRefused, match=r"between 34\.0 and 43\.0 °C") as refused:
        fever(patient, Decimal(value))
    assert refused.value.field == "temperature"
    assert SymptomReport.objects.count() == 0 and Alert.objects.count() == 0


def test_a_temperature_is_refused_on_an_item_that_does_not_take_one(patient):
    with pytest.raises(EntryRefused, match="cannot be added to nausea"):
        report_symptom(
            patient,
            item("nausea"),
            by=patient.user,
            answers={"frequency": 1, "severity": 1},
            temperature_c=Decimal("38.0"),
        )
    assert SymptomReport.objects.count() == 0


def test_the_database_refuses_an_implausible_temperature(patient):
    saved = fever(patient)
    saved.temperature_c = Decimal("55.0")
    with pytest.raises(IntegrityError), transaction.atomic():
        saved.save()


@pytest.mark.parametrize(
    "temperature, severity, words",
    [
        (None, "routine", "no temperature given"),
        ("37.9", "routine", "temperature 37.9 °C"),
        ("38.0", "high", "temperature 38.0 °C"),
        ("40.0", "high", "temperature 40.0 °C"),
        ("40.1", "urgent", "temperature 40.1 °C"),
    ],
)
def test_a_fever_alerts_the_care_team_by_the_temperature_measured(
    patient, temperature, severity, words
):
    saved = fever(patient, temperature and Decimal(temperature))
    alert = Alert.objects.get()
    assert (alert.severity, alert.symptom_report) == (severity, saved)
    assert alert.text == f"Ada Byron reported fever: {words}."


def test_another_presence_item_still_raises_no_alert(patient):
    report_symptom(patient, item("weight-gain"), by=patient.user, answers={"presence": True})
    assert Alert.objects.count() == 0

"""Reporting a fever on the phone: the temperature after the last answer, in °C or °F,
or none; and the care team sees it (docs/clinical-sources.md §2)."""

import csv
import io
from decimal import Decimal

import pytest

from tracker.alerts.models import Alert
from tracker.symptoms.models import CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import report_symptom

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
FEVER = "/me/symptoms/fever/"
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
YES = {"presence": "yes"}


def with_temperature(value, unit="C", **extra):
    return {**YES, "temperature_step": "1", "temperature": value, "unit": unit, **extra}


def test_the_last_answer_to_fever_asks_for_the_temperature_and_saves_nothing_yet(as_persona):
    response = as_persona("the_patient").post(FEVER, YES)
    assert response.status_code == 200
    assert "Did you take your temperature?" in response.text
    assert '<input type="hidden" name="presence" value="yes">' in response.text
    assert '<input type="hidden" name="temperature_step" value="1">' in response.text
    assert 'inputmode="decimal"' in response.text
    assert "Save without a temperature" in response.text
    assert SymptomReport.objects.count() == 0


def test_the_temperature_in_celsius_is_saved_with_the_fever(as_persona, personas):
    response = as_persona("the_patient").post(FEVER, with_temperature("38,6"))
    report = SymptomReport.objects.get()
    assert response.status_code == 302
    assert response.url == f"/me/symptoms/reports/{report.pk}/"
    assert (report.patient, report.present, report.temperature_c) == (
        personas.patient,
        True,
        Decimal("38.6"),
    )
    detail = as_persona("the_patient").get(response.url)
    assert "Your temperature</dt><dd>38.6 °C</dd>" in detail.text


def test_a_temperature_in_fahrenheit_is_stored_in_celsius(as_persona):
    as_persona("the_patient").post(FEVER, with_temperature("101.3", unit="F"))
    assert SymptomReport.objects.get().temperature_c == Decimal("38.5")


def test_the_patient_may_save_the_fever_without_a_temperature(as_persona):
    response = as_persona("the_patient").post(FEVER, with_temperature("", without_temperature="1"))
    assert response.status_code == 302
    assert SymptomReport.objects.get().temperature_c is None
    assert Alert.objects.get().severity == "routine"


@pytest.mark.parametrize(
    "value, unit",
    [("hot", "C"), ("50", "C"), ("38.6", "F"), ("120", "F"), ("NaN", "C"), ("3e1", "F")],
)
def test_a_temperature_no_thermometer_would_show_asks_again_and_saves_nothing(
    as_persona, value, unit
):
    response = as_persona("the_patient").post(FEVER, with_temperature(value, unit))
    assert response.status_code == 400
    assert "Did you take your temperature?" in response.text
    assert "between 34.0 and 43.0 °C (93.2 and 109.4 °F)" in response.text
    assert f'value="{value}"' in response.text
    assert '<input type="hidden" name="presence" value="yes">' in response.text
    assert SymptomReport.objects.count() == 0 and Alert.objects.count() == 0


def test_a_temperature_posted_with_another_symptom_is_ignored(as_persona):
    response = as_persona("the_patient").post("/me/symptoms/rash/", with_temperature("39.0"))
    assert response.status_code == 302
    assert SymptomReport.objects.get().temperature_c is None


@pytest.mark.parametrize("name", STAFF)
def test_staff_cannot_report_a_fever_for_the_patient(as_persona, name):
    assert as_persona(name).post(FEVER, with_temperature("39.0")).status_code == 403
    assert SymptomReport.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.post(FEVER, with_temperature("39.0"))
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert SymptomReport.objects.count() == 0


def test_another_patient_reports_a_fever_only_for_themselves(as_persona, personas):
    as_persona("other_patient").post(FEVER, with_temperature("38.2"))
    report = SymptomReport.objects.get()
    assert report.patient.user == personas.other_patient


# What the care team sees.


@pytest.fixture
def fever_report(personas):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="fever"),
        by=personas.the_patient,
        answers={"presence": True},
        temperature_c=Decimal("39.4"),
    )


def test_the_review_shows_the_measured_temperature(as_persona, fever_report):
    response = as_persona("clinician_on_team").get(f"/symptom-reports/{fever_report.pk}/review/")
    assert response.status_code == 200
    assert "39.4 °C" in response.text and "(measured by the patient)" in response.text


def test_the_timeline_and_the_csv_show_the_temperature(as_persona, personas, fever_report):
    client = as_persona("nurse_on_team")
    timeline = client.get(f"/patients/{personas.patient.pk}/side-effects/")
    assert "Temperature: 39.4 °C" in timeline.text
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/patients/{personas.patient.pk}/side-effects.csv").content.decode()
            )
        )
    )
    assert [row["temperature_c"] for row in rows] == ["39.4"]


def test_the_alert_names_the_temperature(fever_report, personas):
    alert = Alert.objects.get()
    assert alert.severity == "high"
    assert alert.text == f"{personas.patient.full_name} reported fever: temperature 39.4 °C."


# Grading with a term whose texts are, or are not yet, checked.


def test_the_grading_form_says_whether_the_terms_texts_were_checked(as_persona, personas):
    client = as_persona("clinician_on_team")
    url = f"/patients/{personas.patient.pk}/side-effects/new/?term="
    checked = CtcaeTerm.objects.get(term="Diarrhea")
    unchecked = CtcaeTerm.objects.get(term="Sinus tachycardia")
    assert (
        "Grade texts checked against the CTCAE v5.0 row" in client.get(f"{url}{checked.pk}").text
    )
    assert "Not yet checked:" in client.get(f"{url}{unchecked.pk}").text


def test_the_list_asks_about_fever_first_and_names_the_services_own_questions(as_persona):
    response = as_persona("the_patient").get("/me/symptoms/")
    assert response.context["symptoms"][0].slug == "fever"
    assert "Did you have any fever?" in response.text
    assert "How often did you have pounding or racing heartbeat (palpitations)?" in response.text
    assert (
        "The questions about fever, feeling cold, dizziness when standing up and weight gain "
        "are this service's own: PRO-CTCAE has none for them."
    ) in response.text

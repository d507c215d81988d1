"""An alert's own page: the alert, the entry that raised it, and the Acknowledge form."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.alerts.views.test_views import raise_alert
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.symptoms.models import ProSymptom
from tracker.symptoms.reporting import mark_event_in_error, report_symptom
from tracker.thyroid.recording import record_result

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
CARE_TEAM = ["nurse_on_team", "clinician_on_team"]
OFF_TEAM = ["nurse_off_team", "clinician_off_team"]
PATIENTS = ["the_patient", "other_patient"]


@pytest.fixture
def alert(personas):
    return raise_alert(personas.patient, personas.clinician_on_team, grade=3)


def page(alert):
    return f"/alerts/{alert.pk}/"


def acknowledge_url(alert):
    return f"/alerts/{alert.pk}/acknowledge/"


# Who may open it.


@pytest.mark.parametrize("name", CARE_TEAM)
def test_the_care_team_sees_the_alert_with_the_acknowledge_button(as_persona, alert, name):
    response = as_persona(name).get(page(alert))
    assert response.status_code == 200
    assert response.context["alert"] == alert
    assert alert.text in response.text
    assert f'action="{acknowledge_url(alert)}"' in response.text
    assert 'name="note"' in response.text
    assert f'name="next" value="{page(alert)}"' in response.text


def test_the_admin_sees_the_alert_without_the_button(as_persona, alert):
    response = as_persona("admin").get(page(alert))
    assert response.status_code == 200
    assert alert.text in response.text
    assert f'action="{acknowledge_url(alert)}"' not in response.text


@pytest.mark.parametrize("name", OFF_TEAM)
def test_staff_off_the_team_get_404(as_persona, alert, name):
    assert as_persona(name).get(page(alert)).status_code == 404


@pytest.mark.parametrize("name", PATIENTS)
def test_patients_may_not_open_an_alert(as_persona, alert, name):
    assert as_persona(name).get(page(alert)).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, alert):
    response = client.get(page(alert))
    assert response.status_code == 302
    assert response.url == f"/login/?next={page(alert)}"


def test_an_unknown_alert_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/alerts/999999/").status_code == 404


def test_the_page_takes_only_get(as_persona, alert):
    assert as_persona("nurse_on_team").post(page(alert)).status_code == 405


# What it shows.


def test_a_staff_grade_alert_shows_the_graded_entry_and_links_to_its_record(
    as_persona, personas, alert
):
    response = as_persona("nurse_on_team").get(page(alert))
    event = alert.adverse_event
    assert "Vomiting" in response.text
    assert "Grade 3" in response.text
    assert event.grade_text in response.text
    assert personas.clinician_on_team.get_full_name() in response.text
    assert f'href="/patients/{personas.patient.pk}/side-effects/"' in response.text
    assert "High" in response.text


def test_a_patient_report_alert_shows_the_answers(as_persona, personas):
    report = report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="short-of-breath"),
        by=personas.the_patient,
        answers={"severity": 4, "interference": 2},
        note="Worse lying down",
    )
    alert = report.alerts.get()
    response = as_persona("clinician_on_team").get(page(alert))
    assert response.status_code == 200
    assert "Shortness of breath" in response.text
    assert "Very severe (4)" in response.text
    assert "Worse lying down" in response.text
    assert "Urgent" in response.text
    # A clinician may review the report from here.
    assert f'href="/symptom-reports/{report.pk}/review/?next={page(alert)}"' in response.text


def test_a_nurse_is_not_offered_the_review(as_persona, personas):
    report = report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="short-of-breath"),
        by=personas.the_patient,
        answers={"severity": 4, "interference": 2},
    )
    response = as_persona("nurse_on_team").get(page(report.alerts.get()))
    assert "/review/" not in response.text


def test_a_thyroid_alert_shows_the_result(as_persona, personas):
    result = record_result(
        personas.patient,
        by=personas.nurse_on_team,
        test="tsh",
        value=Decimal("9.5"),
        unit="mIU/L",
        collected_at=NOW,
    )
    alert = result.alerts.get()
    response = as_persona("nurse_on_team").get(page(alert))
    assert "TSH" in response.text
    assert "9.5" in response.text
    assert "↑ High" in response.text
    assert f'href="/patients/{personas.patient.pk}/thyroid/"' in response.text
    assert "Routine" in response.text


def test_an_entry_marked_in_error_says_so(as_persona, personas, alert):
    mark_event_in_error(alert.adverse_event, by=personas.nurse_on_team, reason="Wrong patient")
    response = as_persona("nurse_on_team").get(page(alert))
    assert "Entered in error: Wrong patient" in response.text
    # Still open: someone must acknowledge it.
    assert f'action="{acknowledge_url(alert)}"' in response.text


def test_an_acknowledged_alert_says_who_acknowledged_it_and_has_no_button(
    as_persona, personas, alert
):
    acknowledge_alert(alert, by=personas.nurse_on_team, note="Antiemetic given")
    response = as_persona("clinician_on_team").get(page(alert))
    assert f"Acknowledged by {personas.nurse_on_team.get_full_name()}" in response.text
    assert "Antiemetic given" in response.text
    assert f'action="{acknowledge_url(alert)}"' not in response.text


# Acknowledging from it, and reaching it.


def test_acknowledging_on_the_page_comes_back_to_it(as_persona, personas, alert):
    client = as_persona("nurse_on_team")
    response = client.post(
        acknowledge_url(alert), {"note": "Seen", "next": page(alert)}, follow=True
    )
    assert response.redirect_chain == [(page(alert), 302)]
    assert f"Acknowledged by {personas.nurse_on_team.get_full_name()}" in response.text
    assert not Alert.objects.get(pk=alert.pk).is_open


@pytest.mark.parametrize("path", ["/alerts/", "/clinic/"])
def test_alert_lists_link_to_the_alerts_own_page(as_persona, alert, path):
    response = as_persona("clinician_on_team").get(path)
    assert f'href="{page(alert)}"' in response.text


def test_the_page_runs_a_fixed_number_of_queries(as_persona, alert, django_assert_max_num_queries):
    client = as_persona("nurse_on_team")
    with django_assert_max_num_queries(12):
        client.get(page(alert))


def test_acknowledging_with_htmx_on_the_page_keeps_the_card_without_a_link_to_itself(
    as_persona, alert
):
    response = as_persona("nurse_on_team").post(
        acknowledge_url(alert), {"note": "", "next": page(alert)}, HTTP_HX_REQUEST="true"
    )
    assert "Acknowledged by" in response.text
    assert f'href="{page(alert)}"' not in response.text


# A reading the patient recorded at home.


@pytest.mark.parametrize(
    ("values", "shown", "link"),
    [
        ({"temperature_c": Decimal("38.6")}, "Temp 38.6 °C", "/chart/vitals/"),
        ({"weight_kg": Decimal("75.0")}, "Weight 75.0 kg", "/chart/weight/"),
    ],
)
def test_a_home_reading_alert_shows_the_reading_and_opens_its_chart_page(
    as_persona, personas, values, shown, link
):
    from tracker.observations.home import record_readings

    record_readings(personas.patient, by=personas.the_patient, taken_at=NOW, **values)
    alert = Alert.objects.get(trigger="reading")
    text = as_persona("nurse_on_team").get(page(alert)).content.decode()
    assert "at home" in text and shown in text
    assert f'href="/patients/{personas.patient.pk}{link}"' in text

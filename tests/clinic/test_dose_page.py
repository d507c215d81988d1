"""A dose's page: who may see it, what staff and the patient each see, its open alerts."""

from datetime import timedelta

import pytest

from tests.factories import NORMAL_OBSERVATIONS, record_given, record_normal_check
from tracker.ward.recording import PROCEED, record_check, record_dose

# Dose 1 of the default course is planned at 08:00 EST (13:00 UTC) on 10 March 2027.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 13:30Z")]
IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
RECORDERS = ["nurse_on_team", "clinician_on_team"]
NOT_RECORDERS = ["the_patient", "admin"]
NORMAL = NORMAL_OBSERVATIONS


@pytest.fixture
def dose(course):
    return course.doses.get(dose_in_course=1)


# Who may see it.


@pytest.mark.parametrize("name", IN_SCOPE)
def test_the_dose_page_is_shown_in_scope(as_persona, dose, name):
    response = as_persona(name).get(f"/doses/{dose.pk}/")
    assert response.status_code == 200
    assert response.context["dose"] == dose
    assert "Wednesday 10 March 2027, 08:00 EST" in response.text


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_dose_page_is_404_out_of_scope(as_persona, dose, name):
    assert as_persona(name).get(f"/doses/{dose.pk}/").status_code == 404


def test_the_dose_page_sends_anonymous_visitors_to_login(client, dose):
    response = client.get(f"/doses/{dose.pk}/")
    assert response.status_code == 302
    assert response.url == f"/login/?next=/doses/{dose.pk}/"


def test_an_unknown_dose_is_404(as_persona):
    assert as_persona("admin").get("/doses/999999/").status_code == 404


@pytest.mark.parametrize(
    "name, buttons", [*((n, True) for n in RECORDERS), *((n, False) for n in NOT_RECORDERS)]
)
def test_only_recorders_get_the_record_and_check_buttons(as_persona, dose, name, buttons):
    response = as_persona(name).get(f"/doses/{dose.pk}/")
    assert response.context["can_record"] is buttons
    assert (f'href="/doses/{dose.pk}/record/"' in response.text) is buttons
    assert (f'href="/doses/{dose.pk}/check/"' in response.text) is buttons


# What staff and the patient each see.


def test_the_patients_dose_page_hides_staff_notes_and_pre_dose_checks(as_persona, personas, dose):
    nurse = personas.nurse_on_team
    record_check(
        dose,
        by=personas.clinician_on_team,
        decision="give",
        decision_note="SBP low, registrar agreed to give",
        override_reason="Baseline systolic 88, well and asymptomatic",
        taken_at=dose.planned_at - timedelta(minutes=10),
        **{**NORMAL, "systolic_bp": 88},
    )
    record_given(dose, nurse, notes="Anxious about the rigors; staff only")

    seen_by_nurse = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/")
    assert "Anxious about the rigors" in seen_by_nurse.text
    assert "Pre-dose checks" in seen_by_nurse.text
    assert "SBP low, registrar agreed to give" in seen_by_nurse.text
    assert "Baseline systolic 88, well and asymptomatic" in seen_by_nurse.text
    assert len(seen_by_nurse.context["checks"]) == 1

    seen_by_patient = as_persona("the_patient").get(f"/doses/{dose.pk}/")
    assert seen_by_patient.status_code == 200
    assert seen_by_patient.context["checks"] == []
    assert seen_by_patient.context["staff"] is False
    assert "Given" in seen_by_patient.text
    assert "Anxious about the rigors" not in seen_by_patient.text
    assert "Pre-dose check" not in seen_by_patient.text
    assert "SBP low, registrar agreed to give" not in seen_by_patient.text
    assert "Systolic BP &lt; 90 mmHg" not in seen_by_patient.text
    assert "Baseline systolic 88" not in seen_by_patient.text


def test_the_dose_page_shows_the_course_counts(as_persona, personas, dose):
    record_given(dose, personas.nurse_on_team)
    response = as_persona("the_patient").get(f"/doses/{dose.pk}/")
    assert response.context["counts"].course.given == 1
    assert response.context["counts"].course.remaining == 27
    assert "1 given, 0 held, 0 not given, 27 to come, of 28" in response.text


def test_the_dose_page_links_a_recorded_dose_to_its_correction(as_persona, personas, dose):
    record = record_given(dose, personas.nurse_on_team)
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/")
    assert f'href="/records/{record.pk}/correct/"' in response.text
    assert f'href="/doses/{dose.pk}/record/"' not in response.text


def test_the_patient_sees_why_a_dose_was_held_but_not_the_teams_note(as_persona, personas, dose):
    check = dict(NORMAL, systolic_bp=85, decision_note="Fluids first; call registrar")
    record_check(dose, by=personas.nurse_on_team, decision="hold", **check)
    patient_page = as_persona("the_patient").get(f"/doses/{dose.pk}/").text
    assert "Systolic BP below 90 mmHg" in patient_page
    assert "registrar" not in patient_page
    assert "measured 85" not in patient_page
    nurse_page = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/").text
    assert "registrar" in nurse_page
    assert "measured 85" in nurse_page


# The patient's open alerts.


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team", "admin"])
def test_the_dose_page_shows_open_alerts_most_severe_first(as_persona, dose, alerts, name):
    response = as_persona(name).get(f"/doses/{dose.pk}/")
    assert response.context["open_alerts"] == list(alerts)
    words = [response.text.index(f">{word}</span>") for word in ("Urgent", "High", "Routine")]
    assert words == sorted(words)
    assert 'class="badge severity severity-urgent">Urgent' in response.text
    assert response.text.count("Open the alert") == 3
    may_acknowledge = name != "admin"
    assert (f'action="/alerts/{alerts[0].pk}/acknowledge/"' in response.text) is may_acknowledge


def test_the_patient_sees_no_alerts_on_their_dose_page(as_persona, dose, alerts):
    response = as_persona("the_patient").get(f"/doses/{dose.pk}/")
    assert response.context["open_alerts"] == []
    assert alerts[0].text not in response.text


def test_an_alert_acknowledged_from_the_dose_page_comes_back_to_it(as_persona, dose, alerts):
    client = as_persona("nurse_on_team")
    page = client.get(f"/doses/{dose.pk}/")
    assert f'name="next" value="/doses/{dose.pk}/"' in page.text
    response = client.post(f"/alerts/{alerts[0].pk}/acknowledge/", {"next": f"/doses/{dose.pk}/"})
    assert response.url == f"/doses/{dose.pk}/"
    assert client.get(f"/doses/{dose.pk}/").context["open_alerts"] == list(alerts[1:])


def test_the_dose_page_shows_staff_why_a_dose_was_given_off_time_or_past_an_alert(
    as_persona, personas, dose, alerts
):
    late = dose.planned_at + timedelta(hours=3)
    record_normal_check(dose, personas.nurse_on_team, taken_at=late - timedelta(minutes=5))
    record_dose(
        dose,
        by=personas.nurse_on_team,
        now=late,
        outcome="given",
        given_at=late,
        amount_iu=dose.course.dose_iu,
        given_by=personas.nurse_on_team,
        different_time_reason="waited for the registrar",
        urgent_alerts={alerts[0].pk: PROCEED},
        proceed_reason="registrar reviewed",
    )
    seen_by_nurse = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/").text
    assert "Given at a different time: waited for the registrar" in seen_by_nurse
    assert f"Given despite the urgent alert “{alerts[0].text}”: registrar reviewed" in (
        seen_by_nurse
    )
    seen_by_patient = as_persona("the_patient").get(f"/doses/{dose.pk}/").text
    assert "waited for the registrar" not in seen_by_patient

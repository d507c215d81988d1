"""The dose decision panel on the pre-dose check and record pages, and the check it informs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course
from tracker.observations.infusions import start_event
from tracker.observations.models import VitalSigns
from tracker.observations.vitals import chart_vitals
from tracker.ward.models import DoseRecord, PreDoseCheck

# Dose 1 of the default course is planned at 08:00 EST (13:00 UTC) on 10 March 2027.
NOW = datetime(2027, 3, 10, 12, 45, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


@pytest.fixture
def dose(course):
    return course.doses.get(dose_in_course=1)


@pytest.fixture
def low_pressure(personas, course):
    return chart_vitals(
        personas.patient,
        by=personas.nurse_on_team,
        taken_at=NOW - timedelta(minutes=40),
        systolic_bp=84,
        diastolic_bp=50,
        heart_rate=118,
    )


def normal_check(**changes):
    return {
        "taken_date": "2027-03-10",
        "taken_time": "07:40",
        "systolic_bp": "118",
        "heart_rate": "84",
        "spo2": "97",
        "temperature": "37.0",
        "temperature_unit": "C",
        "mental_status": "normal",
        "on_pressors": "no",
        "hold_reason": "",
        "decision_note": "",
        "rhythm": "sinus",
        "occult_blood": "negative",
        "skin_bullous": "no",
        "sepsis_unstable": "no",
        "hepatic_failure": "no",
        "record": "1",
        **changes,
    }


def rows(response):
    panel = response.context["panel"]
    return {r.rule.slug: r.status for r in panel.assessment.results}


def test_an_empty_chart_shows_no_data_never_a_pass(as_persona, dose):
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/")
    assert rows(response)["hypotension"] == "no_data"
    assert rows(response)["oliguria-rising-creatinine"] == "no_data"
    assert "No data" in response.text
    assert "no systolic BP charted in the last 4 h" in response.text
    assert "Chart or check what has no data before deciding" in response.text
    assert "every criterion was checked" not in response.text


def test_a_low_pressure_on_the_chart_is_met_with_its_reason(as_persona, dose, low_pressure):
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/")
    assert rows(response)["hypotension"] == "met"
    assert "systolic BP 84 mmHg, 40 min ago" in response.text
    assert "Withhold this dose" in response.text


def test_a_normal_check_does_not_clear_a_low_pressure_on_the_chart(as_persona, dose, low_pressure):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", normal_check(decision="give")
    )
    assert response.status_code == 200
    assert "only a clinician can authorise giving it" in response.text
    assert not PreDoseCheck.objects.exists()


def test_holding_keeps_the_chart_rule_and_its_reason_on_the_check_and_the_record(
    as_persona, dose, low_pressure
):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", normal_check(decision="hold")
    )
    assert response.status_code == 302
    check = PreDoseCheck.objects.get()
    assert check.fired_rules == [
        {
            "chart_rule": "hypotension",
            "text": "Systolic BP below 90 mmHg",
            "why": "systolic BP 84 mmHg, 35 min ago",
            "hold_reason": "hypotension",
            "action": "withhold",
        }
    ]
    held = DoseRecord.objects.get()
    assert held.hold_reason == "hypotension"
    assert "Systolic BP below 90 mmHg (systolic BP 84 mmHg, 35 min ago)" in held.reason_note


def test_a_clinician_may_give_past_the_chart_rule_with_a_reason(as_persona, dose, low_pressure):
    response = as_persona("clinician_on_team").post(
        f"/doses/{dose.pk}/check/",
        normal_check(decision="give", override_reason="Rechecked manually at 118, cuff error"),
    )
    assert response.status_code == 302
    assert PreDoseCheck.objects.get().needs_prescriber


def test_an_intubation_past_72_hours_says_the_course_stops(as_persona, personas, dose):
    start_event(
        personas.patient,
        by=personas.nurse_on_team,
        kind="intubation",
        started_at=NOW - timedelta(hours=20),
        now=NOW,
    )
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/")
    assert rows(response)["intubation-over-72-hours"] == "not_met"
    assert "intubation for 20 h so far" in response.text


def test_the_record_page_shows_the_panel_beside_the_form(as_persona, dose, low_pressure):
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/record/")
    assert rows(response)["hypotension"] == "met"
    assert "Dose decision" in response.text


def test_a_home_dose_has_no_panel(as_persona, personas):
    home = make_course(personas.patient, slug="sc-5on2off", by=personas.clinician_on_team)
    dose = home.doses.order_by("planned_at").first()
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/record/")
    assert response.context["panel"] is None
    assert "Dose decision" not in response.text


@pytest.mark.parametrize("path", ["/doses/{pk}/check/", "/doses/{pk}/record/"])
def test_the_panel_takes_the_same_queries_for_10_and_1000_observations(
    as_persona, personas, course, dose, path
):
    client = as_persona("nurse_on_team")
    url = path.format(pk=dose.pk)

    def add(count, start):
        VitalSigns.objects.bulk_create(
            VitalSigns(
                patient=personas.patient,
                course=course,
                taken_at=NOW - timedelta(minutes=3 * (start + i)),
                systolic_bp=110,
                diastolic_bp=70,
                heart_rate=90,
                recorded_by=personas.nurse_on_team,
            )
            for i in range(count)
        )

    add(10, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(990, 11)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["panel"].summary.vitals[0].count > 10
    assert len(many) == len(few)


def test_a_check_keeps_the_chart_criteria_it_had_no_data_for(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", normal_check(decision="give")
    )
    assert response.status_code == 302
    check = PreDoseCheck.objects.get()
    assert "hypotension" in {rule["chart_rule"] for rule in check.chart_no_data}
    record_page = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/record/")
    assert "<strong>no data</strong> on the chart for Systolic BP below 90 mmHg" in (
        record_page.text
    )


def test_a_rule_met_since_the_check_needs_a_new_check_before_giving(as_persona, personas, dose):
    as_persona("nurse_on_team").post(f"/doses/{dose.pk}/check/", normal_check(decision="give"))
    chart_vitals(
        personas.patient,
        by=personas.nurse_on_team,
        taken_at=NOW - timedelta(minutes=2),
        systolic_bp=82,
        diastolic_bp=48,
    )
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/",
        {
            "outcome": "given",
            "given_date": "2027-03-10",
            "given_time": "07:45",
            "amount_miu": "42",
            "given_by": personas.nurse_on_team.pk,
        },
    )
    assert response.status_code == 200
    assert "Since the pre-dose check the chart meets: Systolic BP below 90 mmHg" in response.text
    assert "Record a new pre-dose check before giving the dose." in response.text
    assert not DoseRecord.objects.exists()


def test_the_check_starts_from_the_pressor_and_creatinine_on_the_chart(as_persona, personas, dose):
    from tracker.observations.infusions import start_infusion
    from tracker.observations.labs import chart_result

    nurse = personas.nurse_on_team
    chart_result(
        personas.patient,
        by=nurse,
        test="creatinine",
        value=Decimal("150"),
        unit="umol/L",
        taken_at=NOW - timedelta(hours=3),
        now=NOW,
    )
    start_infusion(
        personas.patient,
        by=nurse,
        agent="norepinephrine",
        rate=Decimal("0.05"),
        started_at=NOW - timedelta(hours=1),
        now=NOW,
    )
    form = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/").context["form"]
    assert form["on_pressors"].value() == "yes"
    assert form["creatinine_mg_dl"].value() == Decimal("1.70")
    assert str(form["creatinine_time"].value()) == "04:45:00"


def test_nothing_charted_leaves_the_pressor_answer_to_the_nurse(as_persona, dose):
    form = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/").context["form"]
    assert form["on_pressors"].value() is None
    assert form["creatinine_mg_dl"].value() is None

"""The chart's rules read against a course's chart: met, not met, no data, alerts once."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ship_dose_alert_rules
from tracker.alerts.models import Alert, AlertRule
from tracker.observations import charting, rules
from tracker.observations.fluids import chart_fluid
from tracker.observations.infusions import change_rate, end_event, start_event, start_infusion
from tracker.observations.models import (
    ChartRule,
    LabResult,
    RuleCondition,
    RuleFiring,
    VitalSigns,
)
from tracker.observations.rules import reassess_open_courses
from tracker.observations.trends import Status
from tracker.observations.vitals import chart_vitals, mark_entered_in_error

# 10:00 in New York on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal
H = timedelta(hours=1)


@pytest.fixture
def nurse(personas):
    return personas.nurse_on_team


@pytest.fixture
def vitals(personas, course, nurse):
    def chart_it(ago=timedelta(0), **values):
        values = {"systolic_bp": 118, "diastolic_bp": 70, **values}
        return chart_vitals(personas.patient, by=nurse, taken_at=NOW - ago, **values)

    return chart_it


@pytest.fixture
def lab(personas, course, nurse):
    def record(test, value, unit, ago=timedelta(hours=1)):
        result = LabResult(
            patient=personas.patient, test=test, value=D(value), unit=unit, taken_at=NOW - ago
        )
        return charting.save_observation(result, by=nurse, reason="Lab result", now=NOW - ago + H)

    return record


def result(course, slug, at=NOW):
    found = {r.rule.slug: r for r in rules.assess(course, at).results}
    return found[slug]


def test_an_empty_chart_has_no_data_for_the_bedside_criteria(course, shipped_data):
    assessment = rules.assess(course, NOW)
    statuses = {r.rule.slug: r.status for r in assessment.results}
    assert statuses["hypotension"] == Status.NO_DATA
    assert statuses["hypoxia"] == Status.NO_DATA
    assert statuses["creatinine-above-4-5"] == Status.NO_DATA
    # Nothing charted of an event means it has not happened.
    assert statuses["intubation-over-72-hours"] == Status.NOT_MET
    assert not assessment.met
    assert assessment.no_data


def test_a_low_systolic_is_met_with_the_value_and_its_age(course, vitals, shipped_data):
    vitals(ago=2 * H, systolic_bp=84, diastolic_bp=50)
    found = result(course, "hypotension")
    assert found.status == Status.MET
    assert found.why == "systolic BP 84 mmHg, 2 h ago"


def test_the_latest_set_decides_and_an_older_low_one_does_not(course, vitals, shipped_data):
    vitals(ago=3 * H, systolic_bp=84, diastolic_bp=50)
    vitals(ago=H, systolic_bp=104)
    assert result(course, "hypotension").status == Status.NOT_MET


def test_a_set_entered_in_error_no_longer_counts(course, vitals, nurse, shipped_data):
    low = vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    mark_entered_in_error(low, by=nurse, reason="Wrong patient")
    assert result(course, "hypotension").status == Status.NO_DATA


def test_a_creatinine_in_micromoles_is_read_in_mg_per_dl(course, lab, shipped_data):
    lab("creatinine", "406.7", "umol/L")  # 4.6 mg/dL
    found = result(course, "creatinine-above-4-5")
    assert found.status == Status.MET
    assert "creatinine 4.6 mg/dL" in found.why


def test_creatinine_4_needs_hyperkalaemia_acidosis_or_overload_with_it(course, lab, shipped_data):
    lab("creatinine", "4.0", "mg/dL")
    assert result(course, "creatinine-4-with-complication").status == Status.NO_DATA
    lab("potassium", "5.0", "mmol/L")
    lab("bicarbonate", "24", "mmol/L")
    assert result(course, "creatinine-4-with-complication").status == Status.NO_DATA
    lab("potassium", "5.6", "mmol/L", ago=timedelta(minutes=30))
    found = result(course, "creatinine-4-with-complication")
    assert found.status == Status.MET
    assert "potassium 5.6 mmol/L" in found.why


def test_oliguria_for_16_hours_with_a_rising_creatinine_is_met(
    course, personas, nurse, lab, shipped_data
):
    for hour in range(17, 0, -1):
        chart_fluid(
            personas.patient,
            by=nurse,
            direction="output",
            kind="urine",
            volume_ml=40 if hour == 17 else 6,
            taken_at=NOW - (hour - 1) * H,
            period_start=NOW - hour * H,
            now=NOW,
        )
    lab("creatinine", "2.1", "mg/dL", ago=timedelta(hours=30))
    lab("creatinine", "3.4", "mg/dL", ago=timedelta(hours=2))
    found = result(course, "oliguria-rising-creatinine")
    assert found.status == Status.MET
    assert found.why == (
        "urine output under 10 mL/h for the last 16 h (latest 6 mL/h); "
        "creatinine 2.1 → 3.4 mg/dL over 28 h"
    )


def test_an_intubation_past_72_hours_stops_the_course(course, personas, nurse, shipped_data):
    event = start_event(
        personas.patient, by=nurse, kind="intubation", started_at=NOW - 20 * H, now=NOW
    )
    assert result(course, "intubation-over-72-hours").status == Status.NOT_MET
    later = NOW + 53 * H
    assert result(course, "intubation-over-72-hours", at=later).status == Status.MET
    end_event(event, by=nurse, at=NOW, now=NOW)
    assert result(course, "intubation-over-72-hours", at=later).status == Status.NOT_MET


def test_a_rule_newly_met_raises_one_urgent_alert_however_much_is_charted(
    course, vitals, shipped_data
):
    vitals(ago=2 * H, systolic_bp=84, diastolic_bp=50)
    vitals(ago=H, systolic_bp=82, diastolic_bp=48)
    firing = RuleFiring.objects.get()
    assert firing.rule.slug == "hypotension"
    assert firing.alert.severity == Alert.Severity.URGENT
    assert firing.alert.trigger == Alert.Trigger.CHART_RULE
    assert "Systolic BP below 90 mmHg" in firing.alert.text
    assert "withhold the next dose" in firing.alert.text
    assert Alert.objects.count() == 1


def test_the_alert_carries_the_chart_rules_alert_rule_and_its_severity(
    course, vitals, shipped_data
):
    rule = ship_dose_alert_rules()["chart_rule"]
    vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    assert Alert.objects.values_list("rule", "severity").get() == (rule.pk, "urgent")

    rule.severity = Alert.Severity.HIGH
    rule.save()
    vitals(ago=timedelta(minutes=30), systolic_bp=110)
    vitals(systolic_bp=85, diastolic_bp=50)
    assert Alert.objects.values_list("rule", "severity").first() == (rule.pk, "high")


def test_a_met_rule_reaches_the_team_as_urgent_with_its_alert_rule_switched_off(
    course, vitals, shipped_data
):
    ship_dose_alert_rules()
    AlertRule.objects.filter(trigger=Alert.Trigger.CHART_RULE).update(active=False)
    vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    assert Alert.objects.values_list("rule", "severity").get() == (None, "urgent")


def test_a_rule_no_longer_met_closes_and_a_new_low_fires_again(course, vitals, shipped_data):
    vitals(ago=3 * H, systolic_bp=84, diastolic_bp=50)
    vitals(ago=2 * H, systolic_bp=110)
    assert RuleFiring.objects.get().cleared_at == NOW
    vitals(ago=H, systolic_bp=86, diastolic_bp=50)
    assert RuleFiring.objects.count() == 2
    assert Alert.objects.count() == 2


def test_a_chart_that_stops_being_kept_leaves_the_firing_open(course, vitals, shipped_data):
    vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    rules.reassess(course, now=NOW + 10 * H)
    assert RuleFiring.objects.open().count() == 1


def test_a_switched_off_rule_neither_reads_nor_fires(course, vitals, shipped_data):
    ChartRule.objects.filter(slug="hypotension").update(is_active=False)
    vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    assert "hypotension" not in {r.rule.slug for r in rules.assess(course, NOW).results}
    assert not RuleFiring.objects.exists()


def test_a_centres_own_rule_reads_like_a_shipped_one(course, vitals, shipped_data):
    rule = ChartRule.objects.create(
        slug="tachycardia",
        name="Heart rate above 130",
        action="withhold",
        hold_reason="institutional",
        source="Our ward",
    )
    RuleCondition.objects.create(
        rule=rule,
        parameter="heart_rate",
        test="sustained",
        comparison="gt",
        threshold=130,
        hours=2,
    )
    for hours_ago in (3, 2, 1, 0):
        vitals(ago=hours_ago * H, heart_rate=140)
    assert result(course, "tachycardia").why == (
        "heart rate over 130/min for the last 3 h (latest 140/min)"
    )


def test_a_home_course_takes_no_chart_rules(personas, nurse, shipped_data):
    from tests.factories import make_course

    home = make_course(personas.patient, by=personas.clinician_on_team, slug="sc-5on2off")
    assert not rules.applies_to(home)
    assert rules.reassess(home, now=NOW) == []


def test_reading_the_rules_takes_the_same_queries_for_10_and_200_entries(
    course, vitals, lab, nurse, shipped_data
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            rules.assess(course, NOW)
        return len(captured)

    for minutes in range(10):
        vitals(ago=timedelta(minutes=minutes * 15), heart_rate=80)
    few = queries()
    VitalSigns.objects.bulk_create(
        VitalSigns(
            patient=course.patient,
            course=course,
            taken_at=NOW - timedelta(minutes=minutes * 15),
            heart_rate=80,
            recorded_by=nurse,
        )
        for minutes in range(10, 200)
    )
    lab("creatinine", "1.0", "mg/dL")
    assert queries() == few


def test_low_pressure_with_a_pressor_turned_up_meets_the_older_labels_row(
    course, vitals, personas, nurse, shipped_data
):
    ChartRule.objects.filter(slug="hypotension-rising-pressors").update(is_active=True)
    infusion = start_infusion(
        personas.patient,
        by=nurse,
        agent="norepinephrine",
        rate=D("0.05"),
        started_at=NOW - 8 * H,
        now=NOW - 8 * H,
    )
    vitals(ago=H, systolic_bp=86, diastolic_bp=50)
    assert result(course, "hypotension-rising-pressors").status == Status.NOT_MET
    change_rate(infusion, by=nurse, rate=D("0.1"), at=NOW - 2 * H, now=NOW)
    found = result(course, "hypotension-rising-pressors")
    assert found.status == Status.MET
    assert found.why == (
        "systolic BP 86 mmHg, 1 h ago; "
        "norepinephrine (µg/kg/min) up from 0.05 to 0.1 in the last 6 h"
    )


def test_the_alert_says_it_is_a_chart_rule_and_leads_to_the_chart(
    as_persona, personas, course, vitals, shipped_data
):
    vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    alert = Alert.objects.get()
    response = as_persona("nurse_on_team").get(f"/alerts/{alert.pk}/")
    assert response.status_code == 200
    assert "Chart rule" in response.text
    assert f'href="/patients/{personas.patient.pk}/flowsheet/"' in response.text


def test_a_periodic_reading_catches_an_intubation_passing_72_hours(
    course, personas, nurse, shipped_data
):
    start_event(personas.patient, by=nurse, kind="intubation", started_at=NOW - 20 * H, now=NOW)
    assert reassess_open_courses(now=NOW + 52 * H) == []
    [firing] = reassess_open_courses(now=NOW + 53 * H)
    assert firing.rule.slug == "intubation-over-72-hours"
    assert "stop aldesleukin" in firing.alert.text
    assert reassess_open_courses(now=NOW + 60 * H) == []


def test_the_command_names_each_rule_newly_met(course, personas, nurse, shipped_data):
    start_event(personas.patient, by=nurse, kind="coma_psychosis", started_at=NOW - 2 * H, now=NOW)
    out = StringIO()
    with time_machine.travel(NOW + 46 * H, tick=False):
        call_command("reassess_charts", stdout=out)
    assert out.getvalue().endswith("0 rule(s) newly met.\n")
    with time_machine.travel(NOW + 47 * H, tick=False):
        call_command("reassess_charts", stdout=out)
    assert (
        f"{personas.patient.mrn}: coma-over-48-hours (coma or toxic psychosis for 49 h so far)"
        in out.getvalue()
    )


def test_a_sample_is_read_once_it_is_all_in(course, personas, nurse, shipped_data):
    from tracker.observations.labs import chart_panel

    def sample(hours_ago, creatinine, potassium):
        chart_panel(
            personas.patient,
            by=nurse,
            taken_at=NOW - hours_ago * H,
            now=NOW - hours_ago * H + H,
            results=[
                {"test": "creatinine", "value": creatinine, "unit": "mg/dL"},
                {"test": "potassium", "value": potassium, "unit": "mmol/L"},
            ],
        )

    sample(10, "3.9", "5.6")
    sample(2, "4.0", "5.5")
    assert not Alert.objects.filter(trigger=Alert.Trigger.CHART_RULE).exists()
    sample(1, "4.0", "5.6")
    assert RuleFiring.objects.get().rule.slug == "creatinine-4-with-complication"


def test_an_intubation_begun_in_intensive_care_days_ago_is_charted_and_counted(
    course, personas, nurse, shipped_data
):
    start_event(personas.patient, by=nurse, kind="intubation", started_at=NOW - 50 * H, now=NOW)
    [firing] = rules.reassess(course, now=NOW + 23 * H)
    assert firing.rule.slug == "intubation-over-72-hours"
    assert firing.why == "intubation for 73 h so far"


def test_a_firing_withdrawn_with_its_reading_closes(course, vitals, nurse, shipped_data):
    low = vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    mark_entered_in_error(low, by=nurse, reason="Another patient's")
    firing = RuleFiring.objects.get()
    assert firing.cleared_at == NOW
    assert firing.history.first().history_change_reason.startswith("No longer met")


def test_a_firing_of_a_rule_switched_off_closes(course, vitals, shipped_data):
    vitals(ago=H, systolic_bp=84, diastolic_bp=50)
    ChartRule.objects.filter(slug="hypotension").update(is_active=False)
    rules.reassess(course, now=NOW)
    assert RuleFiring.objects.get().history.first().history_change_reason == (
        "The rule is switched off"
    )


def test_a_rule_with_no_conditions_is_no_data_never_a_pass(course, shipped_data):
    ChartRule.objects.get(slug="hypoxia").conditions.all().delete()
    found = result(course, "hypoxia")
    assert found.status == Status.NO_DATA
    assert found.why == "the rule has no conditions set"


def test_a_pressor_window_is_elapsed_hours_across_the_change_of_clocks(
    course, personas, nurse, shipped_data
):
    from zoneinfo import ZoneInfo

    ChartRule.objects.filter(slug="hypotension-rising-pressors").update(is_active=True)
    # 14 March 2027: New York's clocks go forward at 02:00.  Six hours before
    # 07:30 EDT is 00:30 EST; on the wall clock it would be 01:30.
    at = datetime(2027, 3, 14, 7, 30, tzinfo=ZoneInfo("America/New_York"))
    started = datetime(2027, 3, 14, 6, 0, tzinfo=UTC)  # 01:00 EST: inside six hours
    with time_machine.travel(at, tick=False):
        start_infusion(
            personas.patient,
            by=nurse,
            agent="norepinephrine",
            rate=D("0.05"),
            started_at=started,
            now=at,
        )
        chart_vitals(personas.patient, by=nurse, taken_at=at, systolic_bp=85, diastolic_bp=50)
    found = result(course, "hypotension-rising-pressors", at=at)
    assert found.status == Status.MET
    assert "norepinephrine (µg/kg/min) up from 0 to 0.05 in the last 6 h" in found.why

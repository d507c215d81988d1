"""Pre-dose checks: the rules that fire are shown first; the nurse decides and it is saved."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regimens.models import Dose
from tests.factories import record_given
from tracker.ward.models import DoseRecord, PreDoseCheck, WithholdOverride

# It is 07:45 EST, before dose 1 at 08:00 EST.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 12:45Z")]

RECORDERS = ["nurse_on_team", "clinician_on_team"]
NOT_RECORDERS = ["the_patient", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


@pytest.fixture
def dose(course):
    return course.doses.get(dose_in_course=1)


def obs(**changes):
    data = {
        "systolic_bp": "120",
        "heart_rate": "80",
        "temperature": "37.0",
        "temperature_unit": "C",
        "spo2": "97",
        "weight_kg": "",
        "urine_ml": "",
        "mental_status": "normal",
        "on_pressors": "no",
        "decision": "",
        "hold_reason": "",
        "decision_note": "",
    }
    data.update(changes)
    return data


def evaluate(**changes):
    return obs(evaluate="1", **changes)


def record(**changes):
    return obs(record="1", **changes)


def fired(response):
    return [rule["text"] for rule in response.context["fired"]]


def assert_nothing_saved(dose):
    assert PreDoseCheck.objects.count() == 0
    assert DoseRecord.objects.count() == 0
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


# Access.


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_takes_a_check(as_persona, personas, dose, name):
    client = as_persona(name)
    response = client.get(f"/doses/{dose.pk}/check/")
    assert response.status_code == 200
    assert "Systolic BP &lt; 90 mmHg" in response.text  # the active rules are listed
    response = client.post(f"/doses/{dose.pk}/check/", record(decision="give"))
    assert response.status_code == 302
    assert PreDoseCheck.objects.get().recorded_by == getattr(personas, name)


@pytest.mark.parametrize("name", NOT_RECORDERS)
def test_the_patient_and_the_admin_may_not_take_a_check(as_persona, dose, name):
    client = as_persona(name)
    assert client.get(f"/doses/{dose.pk}/check/").status_code == 403
    response = client.post(f"/doses/{dose.pk}/check/", record(decision="hold", systolic_bp="85"))
    assert response.status_code == 403
    assert_nothing_saved(dose)


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_a_check_out_of_scope_is_404(as_persona, dose, name):
    client = as_persona(name)
    assert client.get(f"/doses/{dose.pk}/check/").status_code == 404
    response = client.post(f"/doses/{dose.pk}/check/", record(decision="hold", systolic_bp="85"))
    assert response.status_code == 404
    assert_nothing_saved(dose)


def test_a_check_sends_anonymous_visitors_to_login(client, dose):
    for response in (
        client.get(f"/doses/{dose.pk}/check/"),
        client.post(f"/doses/{dose.pk}/check/", record(decision="give")),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert_nothing_saved(dose)


# Evaluating the rules before deciding.


def test_a_low_systolic_bp_fires_its_rule_and_preselects_hypotension(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", evaluate(systolic_bp="85")
    )
    assert response.status_code == 200
    assert fired(response) == ["Systolic BP < 90 mmHg"]
    assert response.context["form"]["hold_reason"].value() == "hypotension"
    assert '<option value="hypotension" selected>' in response.text
    assert "Withhold this dose." in response.text
    assert "only a clinician can authorise giving it" in response.text
    assert_nothing_saved(dose)


def test_normal_observations_fire_nothing(as_persona, dose):
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/check/", evaluate())
    assert fired(response) == []
    assert "the dose may be given" not in response.text
    assert "No hold rule fired. Not checked:" in response.text
    assert "Stool occult blood positive" in response.context["unchecked"]
    assert response.context["form"]["hold_reason"].value() == ""
    assert_nothing_saved(dose)


def test_several_rules_fire_and_the_first_reason_is_preselected(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/",
        evaluate(systolic_bp="85", spo2="88", mental_status="changed"),
    )
    assert fired(response) == ["Systolic BP < 90 mmHg", "SpO₂ < 90%", "Mental status changed"]
    assert response.context["form"]["hold_reason"].value() == "hypotension"


def test_a_reason_the_nurse_chose_is_kept(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", evaluate(systolic_bp="85", hold_reason="arrhythmia")
    )
    assert response.context["form"]["hold_reason"].value() == "arrhythmia"


def test_htmx_evaluates_without_saving_even_with_record(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/",
        record(systolic_bp="85", decision="hold"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert fired(response) == ["Systolic BP < 90 mmHg"]
    assert_nothing_saved(dose)


# Recording the check and the decision.


def test_holding_records_the_held_dose_and_changes_the_course_counts(
    as_persona, personas, course, dose
):
    client = as_persona("nurse_on_team")
    before = client.get(f"/courses/{course.pk}/").context["counts"].course
    assert (before.held, before.remaining) == (0, 28)

    response = client.post(f"/doses/{dose.pk}/check/", record(systolic_bp="85", decision="hold"))
    assert response.status_code == 302
    assert response.url == f"/doses/{dose.pk}/"
    check = PreDoseCheck.objects.get()
    held = DoseRecord.objects.get()
    assert (check.decision, check.systolic_bp, check.recorded_by) == (
        "hold",
        85,
        personas.nurse_on_team,
    )
    assert [rule["text"] for rule in check.fired_rules] == ["Systolic BP < 90 mmHg"]
    assert (held.outcome, held.hold_reason, held.pre_dose_check) == ("held", "hypotension", check)
    assert held.reason_note == "Pre-dose check: Systolic BP < 90 mmHg (measured 85)"
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.HELD

    page = client.get(f"/courses/{course.pk}/")
    after = page.context["counts"].course
    assert (after.held, after.remaining) == (1, 27)
    assert "<td>0</td><td>1</td><td>0</td><td>27</td><td>28</td>" in page.text


def test_holding_from_the_shift_goes_back_to_the_shift(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/?from=shift", record(systolic_bp="85", decision="hold")
    )
    assert response.status_code == 302
    assert response.url == "/ward/"
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.HELD


def test_a_nurse_cannot_give_despite_a_rule_even_with_a_note(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/",
        record(systolic_bp="85", decision="give", decision_note="baseline SBP 86"),
    )
    assert response.status_code == 200
    assert "only a clinician can authorise giving it" in response.text
    assert 'name="override_reason"' not in response.text
    assert fired(response) == ["Systolic BP < 90 mmHg"]
    assert_nothing_saved(dose)


@pytest.mark.parametrize("shift, url", [(False, "/doses/{}/"), (True, "/ward/")])
def test_asking_the_prescriber_saves_the_check_and_leaves_the_dose_scheduled(
    as_persona, dose, shift, url
):
    data = record(systolic_bp="85", decision="ask")
    if shift:
        data["from"] = "shift"
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/check/", data)
    assert response.status_code == 302
    assert response.url == url.format(dose.pk)
    assert PreDoseCheck.objects.get().decision == "ask"
    assert DoseRecord.objects.count() == 0
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


def test_a_clinician_gives_despite_a_rule_with_a_reason_and_opens_the_record_form(
    as_persona, personas, dose
):
    client = as_persona("clinician_on_team")
    assert 'name="override_reason"' in client.get(f"/doses/{dose.pk}/check/").text
    data = record(systolic_bp="85", decision="give", override_reason="Baseline SBP 86, well")
    response = client.post(f"/doses/{dose.pk}/check/", data)
    assert response.status_code == 302
    assert response.url == f"/doses/{dose.pk}/record/"
    check = PreDoseCheck.objects.get()
    override = WithholdOverride.objects.get()
    assert (override.pre_dose_check, override.authorised_by) == (check, personas.clinician_on_team)
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


def test_a_clinician_giving_despite_a_rule_with_a_dot_for_a_reason_saves_nothing(as_persona, dose):
    data = record(systolic_bp="85", decision="give", override_reason=".")
    response = as_persona("clinician_on_team").post(f"/doses/{dose.pk}/check/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"]
    assert_nothing_saved(dose)


def test_signs_of_hepatic_failure_say_the_label_stops_the_course(as_persona, dose):
    for name, link in (("clinician_on_team", True), ("nurse_on_team", False)):
        response = as_persona(name).post(
            f"/doses/{dose.pk}/check/", evaluate(hepatic_failure="yes")
        )
        assert "the label stops the course" in response.text
        assert (f"/courses/{dose.course.pk}/discontinue/" in response.text) is link
    assert_nothing_saved(dose)


def test_the_label_findings_are_saved_with_the_check(as_persona, dose):
    data = record(
        decision="hold",
        rhythm="af",
        occult_blood="negative",
        skin_bullous="no",
        sepsis_unstable="no",
        hepatic_failure="no",
        creatinine_mg_dl="1.1",
        creatinine_date="2027-03-10",
        creatinine_time="06:00",
    )
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/check/", data)
    assert response.status_code == 302
    check = PreDoseCheck.objects.get()
    assert (check.rhythm, check.occult_blood, check.creatinine_mg_dl) == (
        "af",
        "negative",
        Decimal("1.1"),
    )
    assert check.creatinine_taken_at == datetime(2027, 3, 10, 11, 0, tzinfo=UTC)
    held = DoseRecord.objects.get()
    assert held.hold_reason == "arrhythmia"


def test_a_creatinine_without_its_sample_time_is_refused(as_persona, dose):
    data = record(decision="give", creatinine_mg_dl="5.0")
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/check/", data)
    assert response.status_code == 200
    assert "Enter the date and time of the sample." in response.text
    assert_nothing_saved(dose)


def test_hepatic_failure_is_not_offered_as_a_reason_for_a_new_hold(as_persona, dose):
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/")
    assert 'value="hepatic"' not in response.text


def test_a_temperature_in_fahrenheit_is_stored_in_celsius(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/",
        record(temperature="101.3", temperature_unit="F", decision="give"),
    )
    assert response.status_code == 302
    assert PreDoseCheck.objects.get().temperature_c == Decimal("38.5")


@pytest.mark.parametrize(
    "temperature, unit, message",
    [
        ("60", "C", "Enter a temperature between 30 and 45 °C (86–113 °F)."),
        ("29.9", "C", "Enter a temperature between 30 and 45 °C (86–113 °F)."),
        ("113.2", "F", "Enter a temperature between 30 and 45 °C (86–113 °F)."),
        ("abc", "C", "Enter a number."),
        ("NaN", "C", "Enter a number."),
        ("37.0", "K", "Select a valid choice"),
    ],
)
def test_an_impossible_temperature_is_refused(as_persona, dose, temperature, unit, message):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/",
        record(temperature=temperature, temperature_unit=unit, decision="give"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(
        message in error
        for error in errors.get("temperature", []) + errors.get("temperature_unit", [])
    )
    assert_nothing_saved(dose)


def test_recording_without_a_decision_is_refused(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", record(systolic_bp="85")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["decision"] == [
        "Choose to give, hold, or ask the prescriber."
    ]
    assert fired(response) == ["Systolic BP < 90 mmHg"]
    assert_nothing_saved(dose)


def test_holding_when_no_rule_fired_needs_a_note(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", record(decision="hold", hold_reason="skin")
    )
    assert response.status_code == 200
    assert "No rule suggests holding. Add a note to say why the dose is held." in response.text
    assert_nothing_saved(dose)


def test_holding_when_no_rule_fired_without_a_reason_saves_nothing(as_persona, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", record(decision="hold", decision_note="looks unwell")
    )
    assert response.status_code == 200
    assert "Choose why the dose was held." in response.text
    # The check was saved before the held record was refused: both are rolled back.
    assert_nothing_saved(dose)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"systolic_bp": "abc"}, "systolic_bp"),
        ({"systolic_bp": "30"}, "systolic_bp"),
        ({"systolic_bp": "99999999999999999999"}, "systolic_bp"),
        ({"heart_rate": ""}, "heart_rate"),
        ({"spo2": "101"}, "spo2"),
        ({"weight_kg": "1e9"}, "weight_kg"),
        ({"urine_ml": "-5"}, "urine_ml"),
        ({"mental_status": "odd"}, "mental_status"),
        ({"on_pressors": ""}, "on_pressors"),
        ({"decision": "maybe"}, "decision"),
        ({"hold_reason": "bored"}, "hold_reason"),
        ({"decision_note": "x" * 201}, "decision_note"),
    ],
)
def test_bad_observations_are_shown_on_the_form(as_persona, dose, changes, field):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", record(**{"decision": "give", **changes})
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["fired"] is None
    assert_nothing_saved(dose)


def test_a_recorded_dose_takes_no_check(as_persona, personas, dose):
    record_given(dose, personas.nurse_on_team)
    client = as_persona("nurse_on_team")
    refusal = "This dose is already recorded as given. To change it, correct that record."
    assert refusal in client.get(f"/doses/{dose.pk}/check/").text
    response = client.post(f"/doses/{dose.pk}/check/", record(decision="give"))
    assert response.status_code == 200
    assert refusal in response.text
    assert PreDoseCheck.objects.count() == 1  # the one taken before the dose
    assert DoseRecord.objects.get().outcome == "given"


# The time the check was taken.


@pytest.mark.parametrize("name", RECORDERS)
def test_the_check_form_offers_the_time_taken_defaulting_to_now(as_persona, dose, name):
    response = as_persona(name).get(f"/doses/{dose.pk}/check/")
    assert 'name="taken_date" value="2027-03-10"' in response.text
    assert 'name="taken_time" value="07:45"' in response.text


def test_a_check_charted_late_keeps_the_time_it_was_taken(as_persona, dose):
    with time_machine.travel("2027-03-10 12:53Z", tick=False):
        response = as_persona("nurse_on_team").post(
            f"/doses/{dose.pk}/check/",
            record(decision="give", taken_date="2027-03-10", taken_time="07:40"),
        )
    assert response.status_code == 302
    check = PreDoseCheck.objects.get()
    assert check.taken_at == datetime(2027, 3, 10, 12, 40, tzinfo=UTC)
    assert check.recorded_at == datetime(2027, 3, 10, 12, 53, tzinfo=UTC)


@pytest.mark.parametrize(
    "date, time, message",
    [
        ("2027-03-10", "07:51", "The time taken is in the future."),
        ("2027-03-09", "19:44", "The time taken is more than 12 hours ago."),
        ("2027-03-10", "07:45", None),
    ],
)
def test_a_time_taken_in_the_future_or_too_long_ago_is_refused(
    as_persona, dose, date, time, message
):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/check/", record(decision="give", taken_date=date, taken_time=time)
    )
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert message in response.context["form"].non_field_errors()[0]
    assert not PreDoseCheck.objects.exists()


def test_a_time_taken_that_never_happened_is_refused(as_persona, course):
    # The clocks went forward at 02:00 on 14 March 2027 in New York.
    dose = course.doses.get(dose_in_course=13)
    with time_machine.travel("2027-03-14 12:00Z", tick=False):
        response = as_persona("nurse_on_team").post(
            f"/doses/{dose.pk}/check/",
            record(decision="give", taken_date="2027-03-14", taken_time="02:30"),
        )
    assert response.status_code == 200
    assert "does not exist" in response.context["form"].errors["taken_time"][0]
    assert not PreDoseCheck.objects.exists()


def test_the_mental_status_radio_has_no_blank_choice(as_persona, dose):
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/check/")
    assert "---------" not in response.text
    assert 'name="mental_status" value=""' not in response.text
    assert response.context["form"].fields["mental_status"].choices == [
        ("normal", "Normal"),
        ("changed", "Changed"),
    ]


def test_saving_a_check_reads_the_chart_once(as_persona, dose):
    # Recording reads the chart for its rules; the page reads it only to show the form again.
    with CaptureQueriesContext(connection) as queries:
        response = as_persona("nurse_on_team").post(
            f"/doses/{dose.pk}/check/", record(decision="give")
        )
    assert response.status_code == 302
    chart_reads = [q for q in queries if 'FROM "observations_vitalsigns"' in q["sql"]]
    assert len(chart_reads) == 1
    assert PreDoseCheck.objects.get(dose=dose).decision == "give"

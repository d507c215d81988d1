"""Recording a dose: who may, what is stored, and every refusal (its page: tests/clinic)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regimens.courses import cancel_course
from regimens.models import Dose
from tests.factories import record_given, record_normal_check
from tracker.ward.models import DoseRecord

# Dose 1 of the default course is planned at 08:00 EST (13:00 UTC) on 10 March 2027.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 13:30Z")]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
RECORDERS = ["nurse_on_team", "clinician_on_team"]
NOT_RECORDERS = ["the_patient", "admin"]


@pytest.fixture
def dose(course, personas):
    """Dose 1, with a normal pre-dose check five minutes before it."""
    dose = course.doses.get(dose_in_course=1)
    record_normal_check(dose, personas.nurse_on_team)
    return dose


@pytest.fixture
def unchecked(course):
    """Dose 1, with no pre-dose check."""
    return course.doses.get(dose_in_course=1)


def given(personas, **changes):
    data = {
        "outcome": "given",
        "given_date": "2027-03-10",
        "given_time": "08:05",
        "amount_miu": "42",
        "given_by": personas.nurse_on_team.pk,
    }
    data.update(changes)
    return data


def status(dose):
    return Dose.objects.get(pk=dose.pk).status


def assert_nothing_written(dose):
    assert DoseRecord.objects.count() == 0
    assert status(dose) == Dose.Status.SCHEDULED


HTMX = {"HX-Request": "true"}


# Access to recording.


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_gets_the_record_form(as_persona, personas, dose, name):
    response = as_persona(name).get(f"/doses/{dose.pk}/record/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["amount_miu"].value() == Decimal("42")
    assert str(form["given_time"].value()) == "08:30:00"
    assert form["given_by"].value() == getattr(personas, name).pk
    assert "On the patient's clock (America/New_York)." in response.text


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_records_a_dose(as_persona, personas, dose, name):
    response = as_persona(name).post(f"/doses/{dose.pk}/record/", given(personas))
    assert response.status_code == 302
    record = DoseRecord.objects.get()
    assert record.recorded_by == getattr(personas, name)
    assert record.given_by == personas.nurse_on_team


@pytest.mark.parametrize("name", NOT_RECORDERS)
def test_the_patient_and_the_admin_may_not_record(as_persona, personas, dose, name):
    client = as_persona(name)
    assert client.get(f"/doses/{dose.pk}/record/").status_code == 403
    assert client.post(f"/doses/{dose.pk}/record/", given(personas)).status_code == 403
    assert_nothing_written(dose)


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_recording_out_of_scope_is_404(as_persona, personas, dose, name):
    client = as_persona(name)
    assert client.get(f"/doses/{dose.pk}/record/").status_code == 404
    assert client.post(f"/doses/{dose.pk}/record/", given(personas)).status_code == 404
    assert_nothing_written(dose)


def test_recording_sends_anonymous_visitors_to_login(client, personas, dose):
    for response in (
        client.get(f"/doses/{dose.pk}/record/"),
        client.post(f"/doses/{dose.pk}/record/", given(personas)),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert_nothing_written(dose)


# What is stored.


def test_a_given_dose_is_stored_at_the_utc_instant_of_the_patients_clock(
    as_persona, personas, dose
):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, notes="  no reaction  "), follow=True
    )
    assert response.redirect_chain == [(f"/doses/{dose.pk}/", 302)]
    record = DoseRecord.objects.get()
    assert record.outcome == "given"
    assert record.given_at == datetime(2027, 3, 10, 13, 5, tzinfo=UTC)
    assert record.amount_iu == Decimal("42000000")
    assert record.given_by == personas.nurse_on_team
    assert record.recorded_by == personas.nurse_on_team
    assert record.notes == "no reaction"
    assert status(dose) == Dose.Status.GIVEN
    assert f"{personas.patient.full_name}: Dose 1 (cycle 1, dose 1) given." in response.text


def test_a_dose_after_the_clocks_go_forward_is_stored_on_daylight_time(
    as_persona, personas, course
):
    # Dose 13 is at 09:00 EDT (13:00 UTC) on 14 March, the day the clocks go forward.
    dose = course.doses.get(dose_in_course=13)
    record_normal_check(dose, personas.nurse_on_team)
    with time_machine.travel("2027-03-14 13:30Z", tick=False):
        response = as_persona("nurse_on_team").post(
            f"/doses/{dose.pk}/record/",
            given(
                personas,
                given_date="2027-03-14",
                given_time="09:10",
                # Doses 1 to 12 have no record here: the form asks to confirm the time.
                different_time="on",
                different_time_reason="earlier doses charted on paper",
            ),
        )
    assert response.status_code == 302
    assert DoseRecord.objects.get().given_at == datetime(2027, 3, 14, 13, 10, tzinfo=UTC)


def test_a_held_dose_is_stored_with_its_reason(as_persona, personas, dose):
    data = {"outcome": "held", "hold_reason": "other", "reason_note": "rigors"}
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/record/", data)
    assert response.status_code == 302
    record = DoseRecord.objects.get()
    assert (record.outcome, record.hold_reason, record.reason_note) == ("held", "other", "rigors")
    assert record.given_at is None
    assert status(dose) == Dose.Status.HELD


def test_a_given_time_five_minutes_ahead_is_accepted(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, given_time="08:35")
    )
    assert response.status_code == 302
    assert DoseRecord.objects.get().given_at == datetime(2027, 3, 10, 13, 35, tzinfo=UTC)


# Where the nurse goes next.


@pytest.mark.parametrize("where", ["body", "query"])
def test_recording_from_the_shift_goes_back_to_the_shift(as_persona, personas, dose, where):
    client = as_persona("nurse_on_team")
    if where == "body":
        response = client.post(f"/doses/{dose.pk}/record/", given(personas, **{"from": "shift"}))
    else:
        response = client.post(f"/doses/{dose.pk}/record/?from=shift", given(personas))
    assert response.status_code == 302
    assert response.url == "/ward/"
    assert status(dose) == Dose.Status.GIVEN


def test_the_form_from_the_shift_keeps_the_way_back(as_persona, dose):
    response = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/record/?from=shift")
    assert response.context["from_shift"] is True
    assert '<input type="hidden" name="from" value="shift">' in response.text
    assert 'href="/ward/">Back to shift</a>' in response.text


def test_htmx_gets_only_the_form(as_persona, dose):
    response = as_persona("nurse_on_team").get(
        f"/doses/{dose.pk}/record/?from=shift", headers=HTMX
    )
    assert response.status_code == 200
    assert response.templates[0].name == "ward/includes/record_form.html"
    assert "ward/dose_record.html" not in [t.name for t in response.templates]
    assert "<html" not in response.text
    assert 'name="outcome"' in response.text
    assert '<input type="hidden" name="from" value="shift">' in response.text


def test_htmx_from_the_shift_swaps_in_the_recorded_card(as_persona, personas, dose, settings):
    settings.CLINIC_TIME_ZONE = "Europe/London"  # the shift page's clock
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, **{"from": "shift"}), headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#dose-{dose.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "<html" not in response.text
    assert f'id="dose-{dose.pk}"' in response.text
    given_at = 'Wed 10 Mar, 13:05 GMT <small class="text-body-secondary">08:05 EST patient\'s time'
    assert f"{given_at}</small> · 42 MIU" in response.text
    assert "View or correct" in response.text
    assert f"/doses/{dose.pk}/record/" not in response.text
    assert status(dose) == Dose.Status.GIVEN


def test_htmx_elsewhere_redirects_the_page_to_the_dose(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas), headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/doses/{dose.pk}/"
    assert status(dose) == Dose.Status.GIVEN


def test_htmx_with_bad_input_returns_the_form_with_its_errors(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/",
        given(personas, amount_miu="abc", **{"from": "shift"}),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert "<html" not in response.text
    assert "Enter a number." in response.text
    assert_nothing_written(dose)


# Refusals: a clear message, nothing written, never a 500.

NOT_GIVEN_OTHER = {"outcome": "not_given", "not_given_reason": "other", "reason_note": "  "}


@pytest.mark.parametrize(
    "data, field, message",
    [
        pytest.param({"outcome": ""}, "outcome", "This field is required.", id="no-outcome"),
        pytest.param({"outcome": "lost"}, "outcome", "Select a valid choice", id="bad-outcome"),
        pytest.param(
            {"outcome": "held"},
            "hold_reason",
            "Choose why the dose was held.",
            id="held-no-reason",
        ),
        pytest.param(
            {"outcome": "held", "hold_reason": "other"},
            "reason_note",
            "Add a note to say what the reason was.",
            id="held-other-no-note",
        ),
        pytest.param(
            {"outcome": "not_given"},
            "not_given_reason",
            "Choose why the dose was not given.",
            id="not-given-no-reason",
        ),
        pytest.param(
            NOT_GIVEN_OTHER,
            "reason_note",
            "Add a note to say what the reason was.",
            id="other-no-note",
        ),
        pytest.param({"amount_miu": "abc"}, "amount_miu", "Enter a number.", id="amount-abc"),
        pytest.param({"amount_miu": "NaN"}, "amount_miu", "Enter a number.", id="amount-nan"),
        pytest.param(
            {"amount_miu": "0"}, "amount_miu", "greater than or equal to 0.001", id="zero"
        ),
        pytest.param(
            {"amount_miu": "1234567.5"}, "amount_miu", "no more than 6 digits", id="amount-huge"
        ),
        pytest.param({"amount_miu": ""}, "amount_miu", "Needed for a given dose.", id="no-amount"),
        pytest.param({"given_time": ""}, "given_time", "Needed for a given dose.", id="no-time"),
        pytest.param({"given_time": "25:00"}, "given_time", "Enter a valid time.", id="bad-time"),
        pytest.param({"given_date": "2027-02-30"}, "given_date", "Enter a valid date.", id="date"),
        pytest.param({"given_by": ""}, "given_by", "Needed for a given dose.", id="no-giver"),
        pytest.param({"given_by": "abc"}, "given_by", "Select a valid choice", id="bad-giver"),
        pytest.param(
            {"given_by": "99999999999999999999"}, "given_by", "Select a valid choice", id="huge"
        ),
        pytest.param(
            {"outcome": "held", "hold_reason": "bored"},
            "hold_reason",
            "Select a valid choice",
            id="bad-hold-reason",
        ),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
    as_persona, personas, dose, data, field, message
):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, **data)
    )
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.text
    assert_nothing_written(dose)


def test_a_giver_off_the_care_team_is_refused(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, given_by=personas.nurse_off_team.pk)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["given_by"][0]
    assert_nothing_written(dose)


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param(
            {"given_time": "08:36"},
            "The time given is in the future. Record a dose once it has started.",
            id="six-minutes-ahead",
        ),
        pytest.param(
            {"given_date": "2027-03-09", "given_time": "07:59"},
            "more than 24 hours from the planned time",
            id="a-day-early",
        ),
    ],
)
def test_a_refused_record_is_explained_and_nothing_is_written(
    as_persona, personas, dose, data, message
):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, **data)
    )
    assert response.status_code == 200
    assert message in response.context["form"].non_field_errors()[0]
    assert message in response.text
    assert_nothing_written(dose)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("42.95", "42.95 MIU is more than the prescribed dose of 42 MIU."),
        ("30", "The dose is never reduced: if less went in, record a partial dose"),
    ],
)
def test_an_amount_off_the_prescription_is_refused_beside_the_amount(
    as_persona, personas, dose, amount, message
):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, amount_miu=amount)
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["amount_miu"][0]
    assert_nothing_written(dose)


def test_an_amount_within_0_1_ml_is_recorded_as_the_prescribed_dose(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, amount_miu="41.4")
    )
    assert response.status_code == 302
    assert DoseRecord.objects.get().amount_iu == Decimal("42000000")


def test_a_partial_dose_is_recorded_from_the_form_with_its_reason(as_persona, personas, dose):
    data = given(personas, outcome="partial", amount_miu="20", partial_reason="extravasation")
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/record/", data)
    assert response.status_code == 302
    record = DoseRecord.objects.get()
    assert (record.outcome, record.amount_iu, record.partial_reason) == (
        "partial",
        Decimal("20000000"),
        "extravasation",
    )
    assert status(dose) == Dose.Status.PARTIAL
    page = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/")
    assert "Partial dose" in page.text
    assert "20 MIU of 42 MIU prescribed" in page.text


def test_a_partial_dose_without_a_reason_is_refused_on_the_form(as_persona, personas, dose):
    data = given(personas, outcome="partial", amount_miu="20")
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/record/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["partial_reason"]
    assert_nothing_written(dose)


def test_a_nurse_cannot_record_a_dose_with_no_check_as_given(as_persona, personas, unchecked):
    client = as_persona("nurse_on_team")
    form = client.get(f"/doses/{unchecked.pk}/record/")
    assert "No pre-dose check in the last 3 hours." in form.text
    assert 'name="override_reason"' not in form.text
    response = client.post(
        f"/doses/{unchecked.pk}/record/",
        given(
            personas, notes="Pre-dose checks on the observation chart.", override_reason="x" * 30
        ),
    )
    assert response.status_code == 200
    assert "A clinician (the prescriber) must authorise giving it" in response.text
    assert_nothing_written(unchecked)


def test_a_clinician_records_a_dose_with_no_check_as_given_with_a_reason(
    as_persona, personas, unchecked
):
    client = as_persona("clinician_on_team")
    assert 'name="override_reason"' in client.get(f"/doses/{unchecked.pk}/record/").text
    refused = client.post(f"/doses/{unchecked.pk}/record/", given(personas, override_reason="."))
    assert refused.context["form"].errors["override_reason"]
    assert_nothing_written(unchecked)
    reason = "Observations on the ICU chart, all normal"
    saved = client.post(f"/doses/{unchecked.pk}/record/", given(personas, override_reason=reason))
    assert saved.status_code == 302
    override = DoseRecord.objects.get().withhold_override
    assert (override.kind, override.reason) == ("no_check", reason)
    assert override.authorised_by == personas.clinician_on_team


def test_a_time_in_the_spring_forward_gap_is_refused(as_persona, personas, course):
    # Dose 12 is at 00:00 EST on 14 March; at 02:00 the clocks jump to 03:00.
    dose = course.doses.get(dose_in_course=12)
    with time_machine.travel("2027-03-14 08:00Z", tick=False):
        response = as_persona("nurse_on_team").post(
            f"/doses/{dose.pk}/record/",
            given(personas, given_date="2027-03-14", given_time="02:30"),
        )
    assert response.status_code == 200
    errors = response.context["form"].errors["given_time"]
    assert errors == [
        "02:30 does not exist on 14 Mar 2027 in America/New_York: "
        "the clocks went forward. Check the time."
    ]
    assert_nothing_written(dose)


def test_recording_twice_is_refused_and_keeps_the_first_record(as_persona, personas, dose):
    client = as_persona("nurse_on_team")
    assert client.post(f"/doses/{dose.pk}/record/", given(personas)).status_code == 302
    response = client.post(
        f"/doses/{dose.pk}/record/", {"outcome": "held", "hold_reason": "hypotension"}
    )
    assert response.status_code == 200
    assert "This dose is already recorded as given." in response.text
    record = DoseRecord.objects.get()
    assert record.outcome == "given"
    assert status(dose) == Dose.Status.GIVEN


def test_the_form_for_a_recorded_dose_says_to_correct_it(as_persona, personas, dose):
    record_given(dose, personas.nurse_on_team)
    response = as_persona("clinician_on_team").get(f"/doses/{dose.pk}/record/")
    assert response.status_code == 200
    assert response.context["refusal"] == (
        "This dose is already recorded as given. To change it, correct that record."
    )
    assert response.context["refusal"] in response.text
    assert "Save record" not in response.text


def test_a_dose_of_a_cancelled_course_cannot_be_recorded(as_persona, personas, course):
    with time_machine.travel("2027-03-01 12:00Z", tick=False):
        cancel_course(course, by=personas.clinician_on_team, reason="wrong patient")
    dose = course.doses.get(dose_in_course=1)
    client = as_persona("nurse_on_team")
    assert "This dose was cancelled" in client.get(f"/doses/{dose.pk}/record/").text
    response = client.post(f"/doses/{dose.pk}/record/", given(personas))
    assert response.status_code == 200
    assert DoseRecord.objects.count() == 0


def test_a_date_at_the_end_of_the_calendar_is_refused_not_a_500(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, given_date="9999-12-31", given_time="23:59")
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert_nothing_written(dose)


def test_a_refused_record_form_links_to_the_dose_to_correct_it(as_persona, personas, dose):
    record_given(dose, personas.nurse_on_team)
    page = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/record/").text
    assert "already recorded as given" in page
    assert f'href="/doses/{dose.pk}/"' in page


# The patient's identity and open alerts where a dose is recorded.


def identity(personas) -> str:
    return f"MRN {personas.patient.mrn} · born 15 Jun 1970"


@pytest.mark.parametrize("path", ["/doses/{pk}/", "/doses/{pk}/record/", "/doses/{pk}/check/"])
def test_dose_and_record_pages_show_the_mrn_beside_the_name(as_persona, personas, dose, path):
    response = as_persona("nurse_on_team").get(path.format(pk=dose.pk))
    assert f"{personas.patient.full_name} <span" in response.text
    assert identity(personas) in response.text


@pytest.mark.parametrize("path", ["/doses/{pk}/", "/doses/{pk}/record/"])
def test_alerts_add_no_queries_to_the_dose_and_record_pages(
    as_persona, personas, dose, raise_alert, path
):
    client = as_persona("nurse_on_team")
    url = path.format(pk=dose.pk)
    at = dose.planned_at - timedelta(hours=2)
    raise_alert(personas.patient, personas.nurse_on_team, at=at)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    raise_alert(personas.patient, personas.nurse_on_team, at=at, term="Capillary leak syndrome")
    raise_alert(personas.patient, personas.nurse_on_team, at=at, grade=3)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(response.context["open_alerts"]) == 3
    assert len(three) == len(one)


@pytest.mark.parametrize("name", RECORDERS)
def test_the_record_form_asks_about_each_urgent_alert_only(as_persona, dose, alerts, name):
    response = as_persona(name).get(f"/doses/{dose.pk}/record/")
    urgent, high, routine = alerts
    form = response.context["form"]
    assert form.urgent_alerts == [urgent]
    assert f'name="alert_{urgent.pk}"' in response.text
    assert f'name="alert_{high.pk}"' not in response.text
    assert f'name="alert_{routine.pk}"' not in response.text
    assert "Acknowledge it" in response.text and "Proceed past it" in response.text


def test_giving_with_an_urgent_alert_unanswered_is_refused_on_the_form(
    as_persona, personas, dose, alerts
):
    response = as_persona("nurse_on_team").post(f"/doses/{dose.pk}/record/", given(personas))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Patient has an urgent open alert: {alerts[0].text.rstrip('.')}. "
        "Acknowledge it or say why you proceed."
    ]
    assert_nothing_written(dose)


def test_acknowledging_the_urgent_alert_on_the_record_form_saves_both(
    as_persona, personas, dose, alerts
):
    urgent = alerts[0]
    response = as_persona("nurse_on_team").post(
        f"/doses/{dose.pk}/record/", given(personas, **{f"alert_{urgent.pk}": "acknowledge"})
    )
    assert response.status_code == 302
    assert status(dose) == Dose.Status.GIVEN
    urgent.refresh_from_db()
    assert urgent.acknowledged_by == personas.nurse_on_team


def test_proceeding_past_the_urgent_alert_needs_a_reason_then_keeps_it(
    as_persona, personas, dose, alerts
):
    urgent, client = alerts[0], as_persona("nurse_on_team")
    proceed = {f"alert_{urgent.pk}": "proceed"}
    refused = client.post(f"/doses/{dose.pk}/record/", given(personas, **proceed))
    assert "Say why you proceed past the urgent alert" in refused.text
    assert_nothing_written(dose)
    saved = client.post(
        f"/doses/{dose.pk}/record/",
        given(personas, **proceed, proceed_reason="Registrar reviewed, BP 104 after fluids"),
    )
    assert saved.status_code == 302
    assert DoseRecord.objects.get().proceeded_past_alerts == [
        {
            "alert": urgent.pk,
            "text": urgent.text,
            "reason": "Registrar reviewed, BP 104 after fluids",
        }
    ]


def test_holding_with_an_urgent_alert_needs_no_answer(as_persona, dose, alerts):
    data = {"outcome": "held", "hold_reason": "hypotension"}
    assert as_persona("nurse_on_team").post(f"/doses/{dose.pk}/record/", data).status_code == 302


# A given time that looks like another dose's.


def test_the_record_form_asks_for_a_different_time_only_when_needed(as_persona, personas, dose):
    client = as_persona("nurse_on_team")
    assert 'name="different_time"' not in client.get(f"/doses/{dose.pk}/record/").text
    late_check = datetime(2027, 3, 10, 15, 55, tzinfo=UTC)
    record_normal_check(dose, personas.nurse_on_team, taken_at=late_check)
    with time_machine.travel("2027-03-10 16:30Z", tick=False):
        late = given(personas, given_time="11:00")
        asked = client.post(f"/doses/{dose.pk}/record/", late)
        assert asked.status_code == 200
        assert "11:00 Wednesday is 3 h after dose 1" in asked.text
        assert 'name="different_time"' in asked.text
        assert_nothing_written(dose)
        unexplained = client.post(f"/doses/{dose.pk}/record/", {**late, "different_time": "on"})
        assert unexplained.context["form"].errors["different_time_reason"] == [
            "Say why it was given at a different time."
        ]
        confirmed = {**late, "different_time": "on", "different_time_reason": "pump alarm"}
        assert client.post(f"/doses/{dose.pk}/record/", confirmed).status_code == 302
    record = DoseRecord.objects.get()
    assert record.different_time_reason == "pump alarm"


def test_a_time_in_another_doses_slot_is_refused_on_the_form(as_persona, personas, course):
    client = as_persona("nurse_on_team")
    record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
    third = course.doses.get(dose_in_course=3)
    with time_machine.travel("2027-03-10 21:30Z", tick=False):
        response = client.post(f"/doses/{third.pk}/record/", given(personas, given_time="16:10"))
    assert response.context["form"].non_field_errors() == [
        "16:10 Wednesday is nearest dose 2, planned 16:00 Wednesday; this is dose 3, "
        "planned 00:00 Thursday. Record it against dose 2."
    ]
    assert 'name="different_time"' not in response.text

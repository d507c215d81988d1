"""Correcting a record: it is kept, marked entered in error, and replaced or withdrawn."""

from datetime import UTC, datetime

import pytest

from regimens.models import Dose
from tests.factories import make_course, record_given
from tracker.ward.models import DoseRecord

# It is 08:30 EST; dose 1 was given at 08:00 EST.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 13:30Z")]

RECORDERS = ["nurse_on_team", "clinician_on_team"]
NOT_RECORDERS = ["the_patient", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
ERROR = DoseRecord.State.ENTERED_IN_ERROR


@pytest.fixture
def dose(personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    return course.doses.get(dose_in_course=1)


@pytest.fixture
def record(personas, dose):
    return record_given(dose, personas.nurse_on_team)


def url(record):
    return f"/records/{record.pk}/correct/"


def withdraw(reason="wrong patient's chart"):
    return {"action": "withdraw", "reason": reason}


def replace(**changes):
    data = {"action": "replace", "reason": "was held, not given", "outcome": "held"}
    data["hold_reason"] = "hypotension"
    data.update(changes)
    return data


def assert_unchanged(record):
    record.refresh_from_db()
    assert record.state == DoseRecord.State.ACTIVE
    assert record.error_reason == ""
    assert DoseRecord.objects.count() == 1
    assert Dose.objects.get(pk=record.dose_id).status == Dose.Status.GIVEN


# Access.


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_corrects_a_record(as_persona, personas, record, name):
    client = as_persona(name)
    response = client.get(url(record))
    assert response.status_code == 200
    assert response.context["record"] == record
    response = client.post(url(record), withdraw())
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == ERROR
    assert record.marked_in_error_by == getattr(personas, name)


@pytest.mark.parametrize("name", NOT_RECORDERS)
def test_the_patient_and_the_admin_may_not_correct(as_persona, record, name):
    client = as_persona(name)
    assert client.get(url(record)).status_code == 403
    assert client.post(url(record), withdraw()).status_code == 403
    assert client.post(url(record), replace()).status_code == 403
    assert_unchanged(record)


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_correcting_out_of_scope_is_404(as_persona, record, name):
    client = as_persona(name)
    assert client.get(url(record)).status_code == 404
    assert client.post(url(record), withdraw()).status_code == 404
    assert_unchanged(record)


def test_correcting_sends_anonymous_visitors_to_login(client, record):
    for response in (client.get(url(record)), client.post(url(record), withdraw())):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert_unchanged(record)


def test_an_unknown_record_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/records/999999/correct/").status_code == 404


# Replacing and withdrawing.


def test_replacing_keeps_the_old_record_in_error_and_saves_the_new_one(
    as_persona, personas, dose, record
):
    client = as_persona("clinician_on_team")
    response = client.post(url(record), replace(reason="  was held, not given  "))
    assert response.status_code == 302
    assert response.url == f"/doses/{dose.pk}/"
    record.refresh_from_db()
    new = DoseRecord.objects.active().get()
    assert record.state == ERROR
    assert record.error_reason == "was held, not given"
    assert record.marked_in_error_by == personas.clinician_on_team
    assert record.marked_in_error_at == datetime(2027, 3, 10, 13, 30, tzinfo=UTC)
    assert (new.outcome, new.hold_reason, new.replaces) == ("held", "hypotension", record)
    assert new.recorded_by == personas.clinician_on_team
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.HELD

    page = client.get(response.url)
    assert "corrected; the old record is kept, marked entered in error." in page.text
    assert "Entered in error" in page.text
    assert "corrects an earlier record" in page.text


def test_replacing_a_wrong_time_stores_the_new_time(as_persona, personas, record):
    data = replace(
        outcome="given",
        notes="Pre-dose checks on the observation chart.",
        given_date="2027-03-10",
        given_time="08:20",
        amount_miu="42",
        given_by=personas.nurse_on_team.pk,
        reason="wrong time",
    )
    assert as_persona("nurse_on_team").post(url(record), data).status_code == 302
    new = DoseRecord.objects.active().get()
    assert new.given_at == datetime(2027, 3, 10, 13, 20, tzinfo=UTC)
    assert new.replaces == record


def test_withdrawing_puts_the_dose_back_to_scheduled(as_persona, dose, record):
    response = as_persona("nurse_on_team").post(url(record), withdraw())
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == ERROR
    assert record.error_reason == "wrong patient's chart"
    assert not DoseRecord.objects.active().exists()
    assert DoseRecord.objects.count() == 1
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


# Refusals.


@pytest.mark.parametrize(
    "data, field, message",
    [
        pytest.param(withdraw(reason=""), "reason", "This field is required.", id="no-reason"),
        pytest.param(withdraw(reason="   "), "reason", "This field is required.", id="blank"),
        pytest.param(replace(reason=""), "reason", "This field is required.", id="replace-none"),
        pytest.param(replace(outcome=""), "outcome", "Choose what did happen.", id="no-outcome"),
        pytest.param(
            replace(hold_reason=""), "hold_reason", "Choose why the dose was held.", id="held"
        ),
        pytest.param(
            replace(outcome="given", amount_miu="abc"), "amount_miu", "Enter a number.", id="abc"
        ),
        pytest.param({"reason": "typo"}, "action", "This field is required.", id="no-action"),
        pytest.param(
            {"action": "delete", "reason": "x"}, "action", "Select a valid choice", id="bad-action"
        ),
    ],
)
def test_bad_corrections_are_shown_on_the_form(as_persona, record, data, field, message):
    response = as_persona("nurse_on_team").post(url(record), data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert_unchanged(record)


def test_a_refused_replacement_leaves_the_old_record_active(as_persona, personas, record):
    data = replace(
        outcome="given",
        notes="Pre-dose checks on the observation chart.",
        given_date="2027-03-10",
        given_time="09:00",  # 30 minutes from now
        amount_miu="42",
        given_by=personas.nurse_on_team.pk,
    )
    response = as_persona("nurse_on_team").post(url(record), data)
    assert response.status_code == 200
    assert "The time given is in the future." in response.text
    assert_unchanged(record)


def test_a_record_already_in_error_cannot_be_corrected_again(as_persona, dose, record):
    client = as_persona("nurse_on_team")
    assert client.post(url(record), withdraw(reason="first")).status_code == 302

    page = client.get(url(record))
    assert page.status_code == 200
    assert "This record is already marked as entered in error." in page.text
    assert "Save correction" not in page.text

    for data in (withdraw(reason="second"), replace(reason="second")):
        response = client.post(url(record), data)
        assert response.status_code == 200
        assert "This record is already marked as entered in error." in response.text
    record.refresh_from_db()
    assert record.error_reason == "first"
    assert DoseRecord.objects.count() == 1
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


def test_a_replacement_at_the_end_of_the_calendar_is_refused_not_a_500(
    as_persona, personas, record
):
    data = replace(
        outcome="given",
        notes="Pre-dose checks on the observation chart.",
        given_date="9999-12-31",
        given_time="23:59",
        amount_miu="42",
        given_by=personas.nurse_on_team.pk,
    )
    response = as_persona("nurse_on_team").post(url(record), data)
    assert response.status_code == 200
    assert_unchanged(record)


@pytest.mark.parametrize("name", RECORDERS)
def test_the_correction_form_shows_the_mrn_beside_the_name(as_persona, personas, record, name):
    response = as_persona(name).get(url(record))
    patient = personas.patient
    assert f"{patient.full_name} <span" in response.text
    assert f"MRN {patient.mrn} · born 15 Jun 1970" in response.text


def test_a_correction_outside_the_window_asks_to_confirm_the_different_time(
    as_persona, personas, record
):
    client = as_persona("nurse_on_team")
    data = replace(
        outcome="given",
        given_date="2027-03-10",
        given_time="05:30",
        amount_miu="42",
        given_by=personas.nurse_on_team.pk,
        reason="wrong time",
    )
    # The check was taken at 07:55: a dose given at 05:30 had none before it.
    refused = client.post(url(record), data)
    assert "A clinician (the prescriber) must authorise giving it" in refused.text
    assert_unchanged(record)
    client = as_persona("clinician_on_team")
    data["override_reason"] = "Night registrar reviewed the observations at 05:20"
    asked = client.post(url(record), data)
    assert asked.status_code == 200
    assert "05:30 Wednesday is 2 h 30 min before dose 1" in asked.text
    assert 'name="different_time"' in asked.text
    assert_unchanged(record)
    data.update(different_time="on", different_time_reason="given before the night shift ended")
    assert client.post(url(record), data).status_code == 302
    new = DoseRecord.objects.active().get()
    assert new.different_time_reason == "given before the night shift ended"
    assert new.withhold_override.authorised_by == personas.clinician_on_team

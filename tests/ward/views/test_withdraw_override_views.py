"""A clinician withdraws an authorisation to give made in error: who may, and when."""

from datetime import timedelta

import pytest

from regimens.models import Dose
from tests.factories import NORMAL_OBSERVATIONS, record_given
from tracker.ward.models import WithholdOverride
from tracker.ward.recording import (
    RecordRefused,
    authorise_override,
    record_check,
    record_dose,
    withdraw_override,
)

# It is 07:50 EST, ten minutes before dose 1 at 08:00 EST (13:00 UTC).
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 12:50Z")]

OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
NOT_PRESCRIBERS = ["the_patient", "nurse_on_team", "admin"]
REASON = {"reason": "Authorised for the wrong patient's dose"}


@pytest.fixture
def dose(course, personas):
    """Dose 1, withheld by a systolic BP of 85, then authorised by the clinician."""
    dose = course.doses.get(dose_in_course=1)
    record_check(
        dose,
        by=personas.nurse_on_team,
        decision="ask",
        taken_at=dose.planned_at - timedelta(minutes=15),
        now=dose.planned_at - timedelta(minutes=10),
        **{**NORMAL_OBSERVATIONS, "systolic_bp": 85},
    )
    return dose


@pytest.fixture
def override(dose, personas):
    return authorise_override(
        dose, by=personas.clinician_on_team, reason="Baseline SBP 85 on every admission"
    )


def withdraw_url(override):
    return f"/overrides/{override.pk}/withdraw/"


def test_the_clinician_withdraws_it_and_the_dose_is_withheld_again(
    as_persona, personas, dose, override
):
    client = as_persona("clinician_on_team")
    page = client.get(f"/doses/{dose.pk}/")
    assert withdraw_url(override) in page.text
    assert "Baseline SBP 85 on every admission" in client.get(withdraw_url(override)).text
    response = client.post(withdraw_url(override), REASON)
    assert response.status_code == 302
    assert response.url == f"/doses/{dose.pk}/"
    override.refresh_from_db()
    assert not override.is_active
    assert override.error_reason == REASON["reason"]
    latest = override.history.order_by("-history_id").first()
    assert latest.history_user == personas.clinician_on_team
    assert latest.history_change_reason.startswith("Authorisation withdrawn: ")
    page = client.get(f"/doses/{dose.pk}/").text
    assert "Withheld by the pre-dose check" in page
    assert "Authorise giving despite the withhold" in page


def test_after_withdrawal_a_nurse_cannot_record_the_dose_as_given(personas, dose, override):
    withdraw_override(override, by=personas.clinician_on_team, reason=REASON["reason"])
    with pytest.raises(RecordRefused, match="must authorise giving it"):
        record_dose(
            dose,
            by=personas.nurse_on_team,
            outcome="given",
            given_at=dose.planned_at,
            amount_iu=dose.prescribed_iu,
            given_by=personas.nurse_on_team,
            now=dose.planned_at,
        )
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


def test_an_authorisation_a_dose_was_given_under_is_not_withdrawn(
    as_persona, personas, dose, override
):
    record_given(dose, personas.nurse_on_team, now=dose.planned_at)
    response = as_persona("clinician_on_team").post(withdraw_url(override), REASON)
    assert response.status_code == 200
    assert "Correct that record first" in response.text
    override.refresh_from_db()
    assert override.is_active


def test_withdrawing_twice_says_it_is_already_withdrawn(as_persona, personas, override):
    withdraw_override(override, by=personas.clinician_on_team, reason=REASON["reason"])
    response = as_persona("clinician_on_team").post(withdraw_url(override), REASON)
    assert "This authorisation is already withdrawn." in response.text
    assert override.history.count() == 2


def test_a_withdrawal_needs_its_reason(as_persona, override):
    response = as_persona("clinician_on_team").post(withdraw_url(override), {"reason": " "})
    assert response.status_code == 200
    override.refresh_from_db()
    assert override.is_active


@pytest.mark.parametrize("name", NOT_PRESCRIBERS)
def test_no_one_but_a_clinician_may_withdraw(as_persona, override, name):
    client = as_persona(name)
    assert client.get(withdraw_url(override)).status_code == 403
    assert client.post(withdraw_url(override), REASON).status_code == 403
    assert WithholdOverride.objects.active().count() == 1


def test_the_nurse_sees_the_authorisation_but_no_way_to_withdraw_it(as_persona, dose, override):
    page = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/").text
    assert "Authorised:" in page
    assert withdraw_url(override) not in page


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_withdrawing_out_of_scope_is_404(as_persona, override, name):
    client = as_persona(name)
    assert client.get(withdraw_url(override)).status_code == 404
    assert client.post(withdraw_url(override), REASON).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, override):
    response = client.get(withdraw_url(override))
    assert response.status_code == 302
    assert response.url.startswith("/login/")

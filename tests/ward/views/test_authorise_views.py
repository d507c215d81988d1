"""A clinician authorises giving a dose the pre-dose rules withhold: who may, and when."""

from datetime import timedelta

import pytest

from regimens.models import Dose
from tests.factories import NORMAL_OBSERVATIONS, record_given, record_normal_check
from tracker.ward.models import WithholdOverride
from tracker.ward.recording import record_check

# It is 07:50 EST, ten minutes before dose 1 at 08:00 EST (13:00 UTC).
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 12:50Z")]

OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
NOT_PRESCRIBERS = ["the_patient", "nurse_on_team", "admin"]
REASON = {"reason": "Baseline SBP 85 on every admission, asymptomatic"}


@pytest.fixture
def dose(course, personas):
    """Dose 1, after a check whose systolic BP of 85 fired the label's rule."""
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


def authorise_url(dose):
    return f"/doses/{dose.pk}/authorise/"


def test_the_clinician_on_the_team_authorises_giving_with_a_reason(as_persona, personas, dose):
    client = as_persona("clinician_on_team")
    page = client.get(f"/doses/{dose.pk}/")
    assert "Authorise giving despite the withhold" in page.text
    form = client.get(authorise_url(dose))
    assert form.status_code == 200
    assert "Systolic BP &lt; 90 mmHg" in form.text
    response = client.post(authorise_url(dose), REASON)
    assert response.status_code == 302
    assert response.url == f"/doses/{dose.pk}/"
    override = WithholdOverride.objects.get()
    assert (override.kind, override.authorised_by) == ("fired_rules", personas.clinician_on_team)
    assert override.pre_dose_check == dose.checks.get()
    assert override.history.get().history_user == personas.clinician_on_team
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED


@pytest.mark.parametrize("name", NOT_PRESCRIBERS)
def test_no_one_but_a_clinician_may_authorise(as_persona, dose, name):
    client = as_persona(name)
    assert client.get(authorise_url(dose)).status_code == 403
    assert client.post(authorise_url(dose), REASON).status_code == 403
    assert not WithholdOverride.objects.exists()


def test_the_nurse_sees_the_withhold_but_no_way_to_authorise_it(as_persona, dose):
    page = as_persona("nurse_on_team").get(f"/doses/{dose.pk}/")
    assert "Withheld by the pre-dose check" in page.text
    assert "Only a clinician (the prescriber) can authorise giving it." in page.text
    assert authorise_url(dose) not in page.text


def test_the_patient_does_not_see_the_withhold(as_persona, dose):
    page = as_persona("the_patient").get(f"/doses/{dose.pk}/")
    assert "Withheld by the pre-dose check" not in page.text


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_authorising_out_of_scope_is_404(as_persona, dose, name):
    client = as_persona(name)
    assert client.get(authorise_url(dose)).status_code == 404
    assert client.post(authorise_url(dose), REASON).status_code == 404
    assert not WithholdOverride.objects.exists()


def test_authorising_sends_anonymous_visitors_to_login(client, dose):
    response = client.post(authorise_url(dose), REASON)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    assert not WithholdOverride.objects.exists()


@pytest.mark.parametrize("reason", ["", ".", "ok, give", "!!!!!!!!!!!!!!!!!!!!"])
def test_a_reason_that_is_no_reason_is_refused(as_persona, dose, reason):
    response = as_persona("clinician_on_team").post(authorise_url(dose), {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not WithholdOverride.objects.exists()


def test_an_override_is_refused_when_nothing_withholds_the_dose(as_persona, personas, course):
    dose = course.doses.get(dose_in_course=1)
    record_normal_check(
        dose, personas.nurse_on_team, taken_at=dose.planned_at - timedelta(hours=1)
    )
    response = as_persona("clinician_on_team").post(authorise_url(dose), REASON)
    assert response.status_code == 200
    assert "No override is needed." in response.text
    assert not WithholdOverride.objects.exists()


def test_authorising_twice_is_refused(as_persona, dose):
    client = as_persona("clinician_on_team")
    client.post(authorise_url(dose), REASON)
    response = client.post(authorise_url(dose), REASON)
    assert "already authorised" in response.text
    assert WithholdOverride.objects.count() == 1


def test_a_dose_due_with_no_check_offers_authorising_without_one(as_persona, course):
    dose = course.doses.get(dose_in_course=1)
    client = as_persona("clinician_on_team")
    assert "Authorise giving without a pre-dose check" in client.get(f"/doses/{dose.pk}/").text
    assert client.post(authorise_url(dose), REASON).status_code == 302
    override = WithholdOverride.objects.get()
    assert (override.kind, override.pre_dose_check) == ("no_check", None)


def test_a_recorded_dose_takes_no_override(as_persona, personas, course):
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    response = as_persona("clinician_on_team").get(authorise_url(dose))
    assert "already recorded as given" in response.text
    assert 'name="reason"' not in response.text

"""Asking to lift a retreatment flag, and confirming the lift: pages and personas."""

import pytest
import time_machine

from regimens.courses import discontinue_course
from regimens.models import RegimenTemplate
from tests.factories import make_course, make_user
from tracker.accounts.roles import Role
from tracker.patients.models import RetreatmentContraindication as Flag
from tracker.patients.retreatment import request_lift

pytestmark = pytest.mark.django_db

REASON = "ICU review: the intubation was for an aspiration pneumonia, not for IL-2 toxicity."
FORBIDDEN = ["the_patient", "nurse_on_team", "admin"]  # in scope, not a clinician
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


@pytest.fixture
def flag(personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        discontinue_course(
            course, by=personas.clinician_on_team, code="intubation", note="Ventilated 4 days"
        )
    return Flag.objects.get()


@pytest.fixture
def second_clinician(personas):
    other = make_user(Role.CLINICIAN, username="second-clinician")
    personas.patient.care_team.add(other)
    return other


@pytest.fixture
def requested(flag, personas):
    return request_lift(flag, by=personas.clinician_on_team, reason=REASON)


def lift_url(flag):
    return f"/retreatment-flags/{flag.pk}/lift/"


def confirm_url(flag):
    return f"/retreatment-flags/{flag.pk}/confirm-lift/"


def status_of(flag):
    flag.refresh_from_db()
    return flag.status


# Asking to lift -------------------------------------------------------------------------


def test_a_clinician_on_the_team_asks_to_lift_with_a_reason(as_persona, personas, flag):
    client = as_persona("clinician_on_team")
    page = client.get(lift_url(flag))
    assert page.status_code == 200
    assert "Intubation for more than 72 hours" in page.text
    response = client.post(lift_url(flag), {"reason": REASON}, follow=True)
    assert response.redirect_chain == [(f"/patients/{personas.patient.pk}/", 302)]
    assert "The flag stays until a second clinician confirms the lift." in response.text
    flag.refresh_from_db()
    assert flag.status == Flag.Status.LIFT_REQUESTED
    assert flag.lift_requested_by == personas.clinician_on_team
    assert flag.lift_reason == REASON


@pytest.mark.parametrize("reason", ["", "fine"])
def test_asking_to_lift_without_a_real_reason_is_refused(as_persona, flag, reason):
    response = as_persona("clinician_on_team").post(lift_url(flag), {"reason": reason})
    assert response.status_code == 200
    assert "Give the clinical reason" in response.text
    assert status_of(flag) == Flag.Status.ACTIVE


@pytest.mark.parametrize("name", FORBIDDEN)
def test_only_a_clinician_may_ask_to_lift(as_persona, flag, name):
    client = as_persona(name)
    assert client.get(lift_url(flag)).status_code == 403
    assert client.post(lift_url(flag), {"reason": REASON}).status_code == 403
    assert status_of(flag) == Flag.Status.ACTIVE


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_asking_to_lift_anothers_flag_is_not_found(as_persona, flag, name):
    client = as_persona(name)
    assert client.get(lift_url(flag)).status_code == 404
    assert client.post(lift_url(flag), {"reason": REASON}).status_code == 404
    assert status_of(flag) == Flag.Status.ACTIVE


def test_anonymous_visitors_asking_to_lift_go_to_login(client, flag):
    response = client.post(lift_url(flag), {"reason": REASON})
    assert response.url == f"/login/?next={lift_url(flag)}"
    assert status_of(flag) == Flag.Status.ACTIVE


# Confirming -----------------------------------------------------------------------------


def test_a_second_clinician_confirms_the_lift(
    as_persona, client, personas, requested, second_clinician
):
    client.force_login(second_clinician)
    page = client.get(confirm_url(requested))
    assert REASON in page.text
    response = client.post(confirm_url(requested), {"note": "Agreed"}, follow=True)
    assert "Lift confirmed: a new course may be started." in response.text
    requested.refresh_from_db()
    assert requested.status == Flag.Status.LIFTED
    assert requested.lift_confirmed_by == second_clinician
    # The patient's page keeps the flag's whole story: who set it, asked, confirmed.
    assert "Lift asked for" in response.text and "Lift confirmed" in response.text
    assert str(second_clinician) in response.text
    assert "Retreatment contraindicated:</strong>" not in response.text


def test_the_clinician_who_asked_cannot_confirm(as_persona, requested):
    client = as_persona("clinician_on_team")
    page = client.get(confirm_url(requested))
    assert "You asked for this lift, so you cannot confirm it" in page.text
    response = client.post(confirm_url(requested), {"note": ""})
    assert response.status_code == 200
    assert "a second, different clinician must confirm" in response.text
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


@pytest.mark.parametrize("name", FORBIDDEN)
def test_only_a_clinician_may_confirm(as_persona, requested, name):
    client = as_persona(name)
    assert client.get(confirm_url(requested)).status_code == 403
    assert client.post(confirm_url(requested), {"note": ""}).status_code == 403
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_confirming_anothers_lift_is_not_found(as_persona, requested, name):
    assert as_persona(name).post(confirm_url(requested), {"note": ""}).status_code == 404
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


def test_anonymous_visitors_confirming_go_to_login(client, requested):
    response = client.post(confirm_url(requested), {"note": ""})
    assert response.url == f"/login/?next={confirm_url(requested)}"
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


def test_a_lift_not_asked_for_cannot_be_confirmed(client, flag, second_clinician):
    client.force_login(second_clinician)
    response = client.post(confirm_url(flag), {"note": ""})
    assert response.status_code == 200
    assert "No clinician has asked to lift this flag yet" in response.text
    assert status_of(flag) == Flag.Status.ACTIVE


# Where the flag shows -------------------------------------------------------------------

FLAG_TEXT = "Retreatment contraindicated:</strong> aldesleukin stopped for good for"


@pytest.mark.parametrize("name", ["the_patient", "nurse_on_team", "clinician_on_team", "admin"])
def test_the_flag_shows_on_the_patients_pages(as_persona, personas, flag, name):
    client = as_persona(name)
    for url in (f"/patients/{personas.patient.pk}/", f"/courses/{flag.course_id}/"):
        text = client.get(url).text
        assert FLAG_TEXT in text, url
        assert "Intubation for more than 72 hours, 10 Mar 2027" in text


def test_a_pending_lift_shows_who_asked(as_persona, personas, requested):
    text = as_persona("nurse_on_team").get(f"/courses/{requested.course_id}/").text
    assert f"Lift asked for by {personas.clinician_on_team}" in text


def test_the_patients_page_offers_the_lift_to_clinicians_only(as_persona, personas, flag):
    url = f"/patients/{personas.patient.pk}/"
    assert lift_url(flag) in as_persona("clinician_on_team").get(url).text
    assert lift_url(flag) not in as_persona("nurse_on_team").get(url).text


def test_the_course_form_shows_the_flag_and_refuses(as_persona, personas, flag):
    client = as_persona("clinician_on_team")
    url = f"/patients/{personas.patient.pk}/courses/new/"
    assert "No new course can start while retreatment is contraindicated" in client.get(url).text
    template = RegimenTemplate.objects.get(slug="sc-5on2off")
    response = client.post(
        url,
        {
            "template": template.pk,
            "start_date": "2027-09-01",
            "start_time": "09:00",
            "time_zone": personas.patient.time_zone,
            "cycles": "1",
            "weight_kg": str(personas.patient.weight_kg),
            "weight_basis": "actual",
            "weight_measured_on": "2027-08-30",
            "height_cm": str(personas.patient.height_cm),
            "override_reason": "Trial protocol",
            "confirm": "1",
        },
    )
    assert response.status_code == 200
    assert "Retreatment is contraindicated: aldesleukin was stopped for good" in response.text
    assert personas.patient.courses.count() == 1


def test_discontinuing_for_a_label_criterion_on_the_page_flags_the_patient(as_persona, personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        client = as_persona("clinician_on_team")
        page = client.get(f"/courses/{course.pk}/discontinue/")
        assert page.status_code == 200, page
        form = page.text
        response = client.post(
            f"/courses/{course.pk}/discontinue/",
            {"code": "tamponade", "note": "Pericardial drain", "discharged_on": ""},
            follow=True,
        )
    assert '<optgroup label="Label criterion to stop permanently' in form
    assert 'value="toxicity"' not in form
    assert FLAG_TEXT in response.text
    assert "Cardiac tamponade, 10 Mar 2027" in response.text
    flag = Flag.objects.get()
    assert (flag.criterion, flag.note, flag.set_by) == (
        "tamponade",
        "Pericardial drain",
        personas.clinician_on_team,
    )


# Declining ------------------------------------------------------------------------------


def decline_url(flag):
    return f"/retreatment-flags/{flag.pk}/decline-lift/"


def test_a_second_clinician_declines_the_lift(client, requested, second_clinician):
    client.force_login(second_clinician)
    assert "Decline instead" in client.get(confirm_url(requested)).text
    response = client.post(decline_url(requested), {"reason": "Not yet: cardiology to review."})
    assert response.status_code == 302
    assert status_of(requested) == Flag.Status.ACTIVE


def test_the_clinician_who_asked_may_withdraw(as_persona, requested):
    client = as_persona("clinician_on_team")
    assert "Withdraw the request" in client.get(confirm_url(requested)).text
    assert client.post(decline_url(requested), {"reason": "Asked too soon"}).status_code == 302
    assert status_of(requested) == Flag.Status.ACTIVE


def test_declining_needs_a_reason(client, requested, second_clinician):
    client.force_login(second_clinician)
    response = client.post(decline_url(requested), {"reason": ""})
    assert response.status_code == 200
    assert "Say why the flag stays." in response.text
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


@pytest.mark.parametrize(
    "name, status", [*[(n, 403) for n in FORBIDDEN], *[(n, 404) for n in OUT_OF_SCOPE]]
)
def test_only_a_clinician_on_the_team_may_decline(as_persona, requested, name, status):
    assert as_persona(name).post(decline_url(requested), {"reason": "No"}).status_code == status
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


def test_anonymous_visitors_declining_go_to_login(client, requested):
    response = client.post(decline_url(requested), {"reason": "No"})
    assert response.url == f"/login/?next={decline_url(requested)}"
    assert status_of(requested) == Flag.Status.LIFT_REQUESTED


def test_the_flags_times_are_on_the_patients_clock(as_persona, personas, flag):
    # Set at 12:00 UTC, 07:00 in New York (the factory's patients live there).
    assert personas.patient.time_zone == "America/New_York"
    page = as_persona("clinician_on_team").get(f"/patients/{personas.patient.pk}/").text
    assert "Set 10 Mar 2027, 07:00 EST by" in page

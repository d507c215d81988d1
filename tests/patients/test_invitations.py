"""Inviting a patient to the app: the operation, the page, its personas and the e-mail."""

import re
from datetime import timedelta

import pytest
from django.core import mail

from tests.factories import PatientFactory, make_user
from tracker.accounts.models import Invitation, hash_invitation_token
from tracker.accounts.roles import Role
from tracker.patients.invitations import InvitationRefused, create_invitation, invite_patient

pytestmark = [pytest.mark.django_db, pytest.mark.now("2026-11-30 14:05Z")]

EMAIL = "jo.bloggs@example.org"
FORBIDDEN = ["the_patient", "nurse_on_team"]  # in scope, not allowed to invite
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


@pytest.fixture
def newcomer(personas):
    """A patient of the same team who has no login yet; London, 14:05 UTC is 14:05 local."""
    return PatientFactory(
        care_team=[personas.nurse_on_team, personas.clinician_on_team], time_zone="Europe/London"
    )


def invite_url(patient):
    return f"/patients/{patient.pk}/invite/"


def link_in(message) -> str:
    return re.search(r"https://il2\.example\.org/invitation/(\S+)/", message.body).group(0)


# The operation ----------------------------------------------------------------------------


def test_inviting_makes_a_patient_login_without_a_password(newcomer, personas, now):
    sent = create_invitation(
        newcomer, email="Jo.Bloggs@EXAMPLE.org", by=personas.clinician_on_team
    )
    newcomer.refresh_from_db()
    user = newcomer.user
    assert user.role == Role.PATIENT
    assert not user.has_usable_password()
    assert user.email == "Jo.Bloggs@example.org"
    assert user.username == "jo.bloggs@example.org"
    invitation = sent.invitation
    assert invitation.user == user
    assert invitation.created_by == personas.clinician_on_team
    assert invitation.expires_at == now + timedelta(hours=72)
    assert invitation.used_at is None and invitation.revoked_at is None
    # Only the hash is kept.
    assert invitation.token_hash == hash_invitation_token(sent.token)
    assert sent.token not in invitation.token_hash
    assert newcomer.history.latest().history_change_reason == "Login made to invite the patient"
    assert invitation.history.get().history_user == personas.clinician_on_team


def test_a_new_invitation_revokes_the_earlier_unused_one(newcomer, personas, clock, now):
    first = create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team).invitation
    clock.shift(timedelta(hours=1))
    second = create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team).invitation
    first.refresh_from_db()
    assert first.revoked_at == now + timedelta(hours=1)
    assert second.revoked_at is None
    assert Invitation.objects.filter(user=newcomer.user).count() == 2
    assert first.history.latest().history_change_reason == "Replaced by a new invitation"


def test_a_username_already_taken_gives_way_to_a_random_one(newcomer, personas):
    make_user(Role.NURSE, username=EMAIL)
    sent = create_invitation(
        newcomer, email="JO.BLOGGS@example.org", by=personas.clinician_on_team
    )
    # Not the address: the nurse's username is that address, in any case.
    assert re.fullmatch(r"patient-[0-9a-f]{8}", sent.invitation.user.username)


def test_it_refuses_a_patient_whose_login_has_a_password(personas):
    with pytest.raises(InvitationRefused, match="already has a login"):
        create_invitation(personas.patient, email=EMAIL, by=personas.clinician_on_team)
    assert not Invitation.objects.exists()


def test_it_refuses_an_address_another_login_uses(newcomer, personas):
    make_user(Role.NURSE, email="JO.bloggs@example.org")
    with pytest.raises(InvitationRefused, match="belongs to another login") as refusal:
        create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team)
    assert refusal.value.field == "email"
    newcomer.refresh_from_db()
    assert newcomer.user is None
    assert not Invitation.objects.exists()


def test_a_linked_login_without_a_password_is_reused_with_the_new_address(newcomer, personas):
    login = make_user(Role.PATIENT, username="invited-before", email="old@example.org")
    login.set_unusable_password()
    login.save()
    newcomer.user = login
    newcomer.save()
    sent = create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team)
    login.refresh_from_db()
    assert sent.invitation.user == login
    assert login.email == EMAIL
    assert login.username == "invited-before"


def test_it_refuses_a_login_that_is_switched_off(newcomer, personas):
    login = make_user(Role.PATIENT, is_active=False)
    login.set_unusable_password()
    login.save()
    newcomer.user = login
    newcomer.save()
    with pytest.raises(InvitationRefused, match="switched off"):
        create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team)


# The e-mail --------------------------------------------------------------------------------


def test_the_email_holds_the_link_the_expiry_on_the_patients_clock_and_no_health_details(
    newcomer, personas
):
    newcomer.time_zone = "America/New_York"
    newcomer.family_name = "Okonkwo"  # a faker name might be a word the e-mail uses ("Link")
    newcomer.save()
    sent = invite_patient(newcomer, email=EMAIL, by=personas.clinician_on_team)
    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert message.subject == "Set up your sign-in from your care team"
    assert f"https://il2.example.org/invitation/{sent.token}/" in message.body
    assert "works once" in message.body
    # 14:05 UTC + 72 h on New York's clock.
    assert "09:05 EST on Thursday 3 December" in message.body
    assert "jo.bloggs@example.org" in message.body  # the username to sign in with
    text = (message.subject + message.body).lower()
    for word in ("il-2", "aldesleukin", "interleukin", newcomer.family_name.lower(), newcomer.mrn):
        assert word.lower() not in text
    assert message.extra_headers["Message-ID"].startswith(f"<invitation-{sent.invitation.pk}@")


# The page and its personas --------------------------------------------------------------


@pytest.mark.parametrize("name", ["clinician_on_team", "admin"])
def test_a_clinician_or_admin_invites_a_patient(as_persona, newcomer, name):
    client = as_persona(name)
    page = client.get(invite_url(newcomer))
    assert page.status_code == 200
    assert "E-mail address" in page.text and "Send invitation" in page.text
    response = client.post(invite_url(newcomer), {"email": EMAIL}, follow=True)
    assert response.redirect_chain == [(f"/patients/{newcomer.pk}/", 302)]
    assert "Invitation sent to j…@example.org" in response.text
    assert "on 30 Nov, 14:05; expires 3 Dec, 14:05 GMT" in response.text
    assert len(mail.outbox) == 1


def test_the_patient_page_offers_the_invitation_to_a_clinician(as_persona, newcomer):
    page = as_persona("clinician_on_team").get(f"/patients/{newcomer.pk}/")
    assert "Invite to the app" in page.text
    assert invite_url(newcomer) in page.text


def test_the_patient_page_says_has_a_login(as_persona, personas):
    page = as_persona("clinician_on_team").get(f"/patients/{personas.patient.pk}/")
    assert "Has a login" in page.text
    assert "Invite to the app" not in page.text


def test_the_patient_page_does_not_offer_a_nurse_the_invitation(as_persona, newcomer):
    page = as_persona("nurse_on_team").get(f"/patients/{newcomer.pk}/")
    assert "Invite to the app" not in page.text


@pytest.mark.parametrize("name", FORBIDDEN)
def test_others_in_scope_may_not_invite(as_persona, personas, name):
    client = as_persona(name)
    assert client.get(invite_url(personas.patient)).status_code == 403
    assert client.post(invite_url(personas.patient), {"email": EMAIL}).status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_page_is_not_found_out_of_scope(as_persona, newcomer, name):
    client = as_persona(name)
    assert client.get(invite_url(newcomer)).status_code == 404
    assert client.post(invite_url(newcomer), {"email": EMAIL}).status_code == 404
    assert not Invitation.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, newcomer):
    response = client.post(invite_url(newcomer), {"email": EMAIL})
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    assert not Invitation.objects.exists()


def test_a_patient_with_a_login_is_offered_password_reset_instead(as_persona, personas):
    client = as_persona("clinician_on_team")
    page = client.get(invite_url(personas.patient))
    assert "already has a login" in page.text
    assert "/password/reset/" in page.text
    assert "Send invitation" not in page.text
    client.post(invite_url(personas.patient), {"email": EMAIL})
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_address_in_use_is_refused_on_the_form(as_persona, newcomer):
    make_user(Role.NURSE, email=EMAIL)
    response = as_persona("clinician_on_team").post(invite_url(newcomer), {"email": EMAIL})
    assert response.status_code == 200
    assert "belongs to another login" in response.text
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_a_bad_address_is_refused(as_persona, newcomer, email):
    response = as_persona("clinician_on_team").post(invite_url(newcomer), {"email": email})
    assert response.status_code == 200
    assert "invalid-feedback" in response.text
    assert not Invitation.objects.exists()


def test_a_mail_failure_is_said_and_the_invitation_kept(as_persona, newcomer, settings):
    settings.EMAIL_BACKEND = "tests.patients.test_invitations.FailingBackend"
    response = as_persona("clinician_on_team").post(
        invite_url(newcomer), {"email": EMAIL}, follow=True
    )
    assert "could not be e-mailed" in response.text
    assert Invitation.objects.count() == 1


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


def test_the_page_runs_a_fixed_number_of_queries(
    as_persona, newcomer, django_assert_max_num_queries
):
    client = as_persona("clinician_on_team")
    with django_assert_max_num_queries(10):
        client.get(invite_url(newcomer))


def test_the_patient_page_with_an_invitation_runs_a_fixed_number_of_queries(
    as_persona, newcomer, personas, django_assert_max_num_queries
):
    create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team)
    client = as_persona("clinician_on_team")
    # The patient page's own (tests/patients/test_views.py), and the latest invitation.
    with django_assert_max_num_queries(12):
        page = client.get(f"/patients/{newcomer.pk}/")
    assert "Invitation sent to j…@example.org on 30 Nov, 14:05" in page.text


def test_an_expired_invitation_is_said_and_a_new_one_offered(
    as_persona, newcomer, personas, clock
):
    create_invitation(newcomer, email=EMAIL, by=personas.clinician_on_team)
    clock.shift(timedelta(hours=73))
    page = as_persona("clinician_on_team").get(f"/patients/{newcomer.pk}/")
    assert "Invitation expired 3 Dec, 14:05, not accepted" in page.text
    assert "Invite to the app" in page.text

"""Accepting an invitation: the patient sets a password once, through a link that expires."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import PatientFactory
from tracker.accounts.invitations import InvitationGone, accept_invitation
from tracker.accounts.models import Invitation
from tracker.patients.invitations import create_invitation

pytestmark = [pytest.mark.django_db, pytest.mark.now("2026-11-30 14:05Z")]

NEW_PASSWORD = "plum-harbour-lantern-42"
GONE = "This link has expired or was already used. Ask your care team for a new one."


@pytest.fixture
def newcomer(personas):
    return PatientFactory(care_team=[personas.clinician_on_team])


@pytest.fixture
def sent(newcomer, personas):
    return create_invitation(newcomer, email="jo@example.org", by=personas.clinician_on_team)


def accept_url(token):
    return f"/invitation/{token}/"


def set_password(client, token, password=NEW_PASSWORD, confirmation=None):
    return client.post(
        accept_url(token),
        {"new_password1": password, "new_password2": confirmation or password},
    )


def assert_gone(response):
    assert response.status_code == 410
    assert GONE in response.text
    assert "New password" not in response.text


def test_the_page_asks_for_a_new_password(client, sent):
    page = client.get(accept_url(sent.token))
    assert page.status_code == 200
    for text in ("New password", "New password confirmation", "Set my password", "jo@example.org"):
        assert text in page.text
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]


def test_setting_the_password_signs_the_patient_in_and_goes_home(client, sent, now):
    response = set_password(client, sent.token)
    assert response.status_code == 302
    assert response.url == "/"
    user = sent.invitation.user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)
    sent.invitation.refresh_from_db()
    assert sent.invitation.used_at == now
    assert sent.invitation.history.latest().history_change_reason == "Password set"
    # Home sends a patient to their own page, with no second factor asked.
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/me/"


def test_the_patient_then_signs_in_with_the_username_and_password(client, sent):
    set_password(client, sent.token)
    client.logout()
    response = client.post("/login/", {"username": "jo@example.org", "password": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "password, confirmation, message",
    [
        ("short", None, "This password is too short"),
        ("password123", None, "This password is too common"),
        ("jo@example.org1", None, "too similar"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn’t match"),
    ],
)
def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(
    client, sent, password, confirmation, message
):
    response = set_password(client, sent.token, password, confirmation)
    assert response.status_code == 200
    assert message in response.text
    sent.invitation.refresh_from_db()
    assert sent.invitation.used_at is None
    assert not sent.invitation.user.has_usable_password()
    assert SESSION_KEY not in client.session


def test_a_used_link_is_gone(client, sent):
    set_password(client, sent.token)
    client.logout()
    assert_gone(client.get(accept_url(sent.token)))
    assert_gone(set_password(client, sent.token, "another-long-passphrase-9"))
    sent.invitation.user.refresh_from_db()
    assert sent.invitation.user.check_password(NEW_PASSWORD)


def test_a_link_is_gone_72_hours_and_1_second_later(client, sent, clock, now):
    clock.move_to(now + timedelta(hours=72) - timedelta(seconds=1))
    assert client.get(accept_url(sent.token)).status_code == 200
    clock.move_to(now + timedelta(hours=72, seconds=1))
    assert_gone(client.get(accept_url(sent.token)))
    assert_gone(set_password(client, sent.token))
    assert not sent.invitation.user.has_usable_password()


def test_a_replaced_link_is_gone(client, sent, newcomer, personas):
    newer = create_invitation(newcomer, email="jo@example.org", by=personas.clinician_on_team)
    assert_gone(client.get(accept_url(sent.token)))
    assert_gone(set_password(client, sent.token))
    assert client.get(accept_url(newer.token)).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "a" * 500])
def test_an_unknown_link_is_gone_the_same_way(client, sent, token):
    assert_gone(client.get(accept_url(token)))
    assert_gone(set_password(client, token))
    assert not Invitation.objects.filter(used_at__isnull=False).exists()


def test_unknown_used_and_expired_links_get_the_same_page(client, sent, clock, now):
    unknown = client.get(accept_url("nonsense"))
    clock.move_to(now + timedelta(days=4))
    expired = client.get(accept_url(sent.token))
    assert unknown.status_code == expired.status_code
    assert _without_nonce(unknown.text) == _without_nonce(expired.text)


def _without_nonce(text):
    import re

    return re.sub(r'nonce="[^"]*"|value="[^"]*"|"X-CSRFToken": "[^"]*"', "", text)


@pytest.mark.parametrize(
    "name",
    ["the_patient", "other_patient", "nurse_on_team", "nurse_off_team", "clinician_on_team"],
)
def test_whoever_opens_a_valid_link_is_signed_in_as_the_invited_patient(as_persona, sent, name):
    """The link is the credential: a shared computer's earlier session gives way to it."""
    client = as_persona(name)
    set_password(client, sent.token)
    assert client.session[SESSION_KEY] == str(sent.invitation.user.pk)


def test_an_admin_session_gives_way_too(as_persona, sent):
    client = as_persona("admin")
    assert client.get(accept_url(sent.token)).status_code == 200
    set_password(client, sent.token)
    assert client.session[SESSION_KEY] == str(sent.invitation.user.pk)


def test_a_claim_that_lost_the_race_writes_nothing(sent, now):
    """Two tabs: both showed the form, the first to post wins, the second is refused."""
    from django.contrib.auth.forms import SetPasswordForm

    user = sent.invitation.user
    first = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    second_user = type(user).objects.get(pk=user.pk)
    second = SetPasswordForm(
        second_user,
        {"new_password1": "other-passphrase-77", "new_password2": "other-passphrase-77"},
    )
    stale = Invitation.objects.get(pk=sent.invitation.pk)
    assert first.is_valid() and second.is_valid()
    accept_invitation(sent.invitation, first, now)
    with pytest.raises(InvitationGone):
        accept_invitation(stale, second, now)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_page_runs_a_fixed_number_of_queries(client, sent, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(accept_url(sent.token))


def test_it_signs_the_patient_in_with_axes_switched_on(client, sent, settings):
    """Production runs django-axes; the suite switches it off elsewhere."""
    settings.AXES_ENABLED = True
    response = set_password(client, sent.token)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(sent.invitation.user.pk)


def test_a_link_to_a_login_switched_off_since_is_gone(client, sent):
    user = sent.invitation.user
    user.is_active = False
    user.save()
    assert_gone(client.get(accept_url(sent.token)))
    assert_gone(set_password(client, sent.token))
    user.refresh_from_db()
    assert not user.has_usable_password()

"""Password reset for every user: Django's views, a rate limit, and no address disclosed."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache

from tests.factories import PASSWORD, PatientFactory, make_user
from tracker.accounts.passwords import RESET_LIMIT
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "copper-meadow-violin-58"
ALL_ROLES = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]


@pytest.fixture(autouse=True)
def fresh_counts():
    """The rate limit counts in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def with_addresses(personas):
    for name in ALL_ROLES:
        user = getattr(personas, name)
        user.email = f"{name}@example.org"
        user.save()
    return personas


def ask(client, email, ip="192.0.2.1"):
    return client.post("/password/reset/", {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    return re.search(r"https://il2\.example\.org(/password/reset/\S+/\S+/)", message.body).group(1)


def test_the_login_page_links_to_the_reset(client):
    page = client.get("/login/")
    assert 'href="/password/reset/">Forgot your password?</a>' in page.text


def test_the_reset_page_asks_for_an_address(client):
    page = client.get("/password/reset/")
    assert page.status_code == 200
    assert "Forgot your password?" in page.text


@pytest.mark.parametrize("name", ALL_ROLES)
def test_every_user_resets_their_password_through_the_emailed_link(client, with_addresses, name):
    user = getattr(with_addresses, name)
    response = ask(client, f"{name}@example.org")
    assert response.status_code == 302
    assert response.url == "/password/reset/done/"
    [message] = mail.outbox
    assert message.to == [f"{name}@example.org"]
    link = link_in(message)
    form = client.get(link, follow=True)
    assert "New password" in form.text and "Set my password" in form.text
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.url == "/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(link, follow=True)
    assert "Link no longer works" in again.text


def test_the_email_carries_no_health_details(client, with_addresses):
    ask(client, "the_patient@example.org")
    [message] = mail.outbox
    text = (message.subject + message.body).lower()
    assert message.subject == "Choose a new password for your sign-in"
    patient = with_addresses.patient
    for word in ("il-2", "aldesleukin", "interleukin", "dose", patient.mrn.lower()):
        assert word not in text
    assert "works once" in message.body


def _page(response):
    return re.sub(r'nonce="[^"]*"|"X-CSRFToken": "[^"]*"', "", response.text)


def test_known_and_unknown_addresses_get_the_same_answer(client, with_addresses):
    known = ask(client, "nurse_on_team@example.org")
    unknown = ask(client, "nobody@example.org")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mail.outbox) == 1
    done_known = client.get(known.url)
    done_unknown = client.get(unknown.url)
    assert _page(done_known) == _page(done_unknown)
    assert "If an account exists for that address" in done_known.text


def test_a_login_without_a_usable_password_gets_no_email(client, personas):
    """An invited patient who has not yet set a password: the care team invites again."""
    login = make_user(Role.PATIENT, email="invited@example.org")
    login.set_unusable_password()
    login.save()
    PatientFactory(user=login)
    response = ask(client, "invited@example.org")
    assert response.url == "/password/reset/done/"
    assert mail.outbox == []


def test_a_switched_off_login_gets_no_email(client):
    make_user(Role.NURSE, email="gone@example.org", is_active=False)
    ask(client, "gone@example.org")
    assert mail.outbox == []


def test_one_address_is_limited_per_hour_whatever_the_client(client, with_addresses):
    for n in range(RESET_LIMIT + 2):
        response = ask(client, "nurse_on_team@example.org", ip=f"192.0.2.{n + 10}")
        assert response.url == "/password/reset/done/"
    assert len(mail.outbox) == RESET_LIMIT


def test_one_client_is_limited_per_hour_whatever_the_address(client, with_addresses):
    for n in range(RESET_LIMIT):
        ask(client, f"nobody{n}@example.org")
    response = ask(client, "nurse_on_team@example.org")
    assert response.url == "/password/reset/done/"
    assert mail.outbox == []
    # Another client is not held back.
    ask(client, "nurse_on_team@example.org", ip="198.51.100.7")
    assert len(mail.outbox) == 1


def test_the_limit_lifts_after_an_hour(client, with_addresses, time_machine):
    time_machine.move_to("2026-11-30 09:00Z", tick=False)
    for _ in range(RESET_LIMIT + 1):
        ask(client, "nurse_on_team@example.org")
    assert len(mail.outbox) == RESET_LIMIT
    time_machine.move_to("2026-11-30 10:00:01Z", tick=False)
    ask(client, "nurse_on_team@example.org")
    assert len(mail.outbox) == RESET_LIMIT + 1


def test_resetting_clears_a_sign_in_lockout(client, with_addresses, settings):
    nurse = with_addresses.nurse_on_team
    AccessAttempt.objects.create(
        username=nurse.username, ip_address="192.0.2.1", failures_since_start=5, user_agent=""
    )
    AccessAttempt.objects.create(
        username="someone-else", ip_address="192.0.2.1", failures_since_start=5, user_agent=""
    )
    ask(client, "nurse_on_team@example.org")
    form = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["someone-else"]


def test_a_weak_new_password_is_refused(client, with_addresses):
    ask(client, "clinician_on_team@example.org")
    form = client.get(link_in(mail.outbox[0]), follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 200
    assert "This password is too common" in response.text
    with_addresses.clinician_on_team.refresh_from_db()
    assert with_addresses.clinician_on_team.check_password(PASSWORD)


def test_a_made_up_link_is_refused(client):
    page = client.get("/password/reset/MQ/abc-123/", follow=True)
    assert "Link no longer works" in page.text


@pytest.mark.parametrize("name", ALL_ROLES)
def test_signed_in_users_may_use_the_pages_too(as_persona, with_addresses, name):
    client = as_persona(name)
    assert client.get("/password/reset/").status_code == 200
    assert client.get("/password/reset/done/").status_code == 200
    assert client.get("/password/reset/complete/").status_code == 200


def test_the_reset_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    # The one is the task's look-up, run in the request by the suite's eager Celery;
    # in production the request itself asks the database nothing.
    with django_assert_max_num_queries(1):
        ask(client, "nobody@example.org")


def test_the_reset_works_with_axes_switched_on(client, with_addresses, settings):
    """Production runs django-axes; the suite switches it off elsewhere."""
    settings.AXES_ENABLED = True
    ask(client, "nurse_on_team@example.org")
    form = client.get(link_in(mail.outbox[0]), follow=True)
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.url == "/password/reset/complete/"
    response = client.post(
        "/login/", {"username": with_addresses.nurse_on_team.username, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302

"""The sign-in page answers hostile input with a message, never an error, lockout on."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from tests.factories import PASSWORD
from tracker.accounts.lockout import username_for_lockout

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lockout_on(settings):
    """Production runs django-axes; the suite switches it off elsewhere."""
    settings.AXES_ENABLED = True


def test_a_username_longer_than_any_login_is_refused_with_a_message(client):
    response = client.post("/login/", {"username": "a" * 256, "password": "wrong"})
    assert response.status_code == 200
    assert "No username is longer than 150 characters" in response.text
    assert "_auth_user_id" not in client.session


def test_a_nul_in_the_username_is_refused_with_a_message(client):
    response = client.post("/login/", {"username": "nurse\x00", "password": "wrong"})
    assert response.status_code == 200
    assert "NUL character" in response.text


@pytest.mark.parametrize("username", ["a" * 256, "a" * 10_000])
def test_the_admin_sign_in_counts_a_long_username_cut_to_fit(client, username):
    """The admin's own sign-in form tries any username: the lockout stores it cut."""
    response = client.post("/admin/login/", {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "a" * 255


def test_the_lockout_counts_a_username_with_nul_without_it():
    """Not reachable through a form (they refuse NUL), but axes reads the raw POST too."""
    request = RequestFactory().post("/login/", {"username": "nurse\x00" + "a" * 300})
    assert username_for_lockout(request) == ("nurse" + "a" * 300)[:255]
    assert username_for_lockout(request, {"username": "nurse"}) == "nurse"
    assert username_for_lockout(RequestFactory().post("/login/")) is None


def test_a_wrong_password_still_counts_toward_the_lockout(client, personas):
    for _ in range(5):
        client.post("/login/", {"username": "patient", "password": "wrong"})
    response = client.post("/login/", {"username": "patient", "password": PASSWORD})
    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == "patient"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "2026-03-29", "alert-list", "/\t/evil.example"],
)
def test_a_next_that_is_not_a_path_on_the_site_is_ignored_after_sign_in(client, personas, target):
    response = client.post(
        "/login/", {"username": "nurse-on-team", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_a_next_on_the_site_is_followed_after_sign_in(client, personas):
    response = client.post(
        "/login/", {"username": "nurse-on-team", "password": PASSWORD, "next": "/alerts/"}
    )
    assert response.url == "/alerts/"


def test_the_sign_in_page_carries_only_a_safe_next(client):
    assert 'name="next" value=""' in client.get("/login/?next=2026-03-29").text
    assert 'name="next" value="/alerts/"' in client.get("/login/?next=/alerts/").text


def test_signing_out_ignores_a_next_off_the_site(as_persona):
    response = as_persona("nurse_on_team").post("/logout/", {"next": "//evil.example/"})
    assert response.status_code == 302
    assert response.url == "/login/"

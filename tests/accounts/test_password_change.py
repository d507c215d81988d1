"""Changing one's password: wrong current passwords count toward the sign-in lockout."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from pytest_django.asserts import assertContains

from tests.factories import PASSWORD

NEW_PASSWORD = "a-new-and-longer-passphrase"
LIMIT = 5  # AXES_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def axes_on(settings):
    """Production runs django-axes; the suite switches it off elsewhere."""
    settings.AXES_ENABLED = True


def change(client, current, new=NEW_PASSWORD):
    return client.post(
        "/password/",
        {"old_password": current, "new_password1": new, "new_password2": new},
    )


def password_is(user, password) -> bool:
    user.refresh_from_db()
    return user.check_password(password)


@pytest.mark.parametrize("name", ["nurse_on_team", "the_patient"])
def test_the_right_current_password_changes_it(as_persona, personas, name):
    client = as_persona(name)
    assert change(client, PASSWORD).url == "/password/done/"
    assert password_is(getattr(personas, name), NEW_PASSWORD)


def test_a_wrong_guess_says_so_and_changes_nothing(as_persona, personas):
    client = as_persona("nurse_on_team")
    response = change(client, "not-my-password")
    assertContains(response, "Your old password was entered incorrectly")
    assert password_is(personas.nurse_on_team, PASSWORD)
    assert AccessAttempt.objects.get(username="nurse-on-team").failures_since_start == 1


def test_the_fifth_wrong_guess_locks_the_user_out_and_signs_them_out(as_persona, personas):
    client = as_persona("nurse_on_team")
    for _ in range(LIMIT - 1):
        assert change(client, "guess").status_code == 200
    response = change(client, "guess")
    assert response.status_code == 429
    assertContains(response, "Too many failed sign-ins", status_code=429)
    assert SESSION_KEY not in client.session

    # Signing in again is refused too, even with the right password, for the hour.
    response = client.post("/login/", {"username": "nurse-on-team", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_a_locked_user_cannot_keep_guessing(as_persona, personas, client):
    # Four wrong sign-ins from this computer, then one wrong current password: five.
    for _ in range(LIMIT - 1):
        client.post("/login/", {"username": "nurse-on-team", "password": "guess"})
    client = as_persona("nurse_on_team")  # a session opened before
    assert change(client, "guess").status_code == 429

    client = as_persona("nurse_on_team")
    assert client.get("/password/").status_code == 429
    # Not even the right password is checked while locked.
    client = as_persona("nurse_on_team")
    assert change(client, PASSWORD).status_code == 429
    assert password_is(personas.nurse_on_team, PASSWORD)
    assert AccessAttempt.objects.get(username="nurse-on-team").failures_since_start == LIMIT


def test_the_guesses_are_not_kept_with_the_attempt(as_persona):
    client = as_persona("nurse_on_team")
    change(client, "my-secret-guess", new="another-secret-1")
    attempt = AccessAttempt.objects.get(username="nurse-on-team")
    assert "my-secret-guess" not in attempt.post_data
    assert "another-secret-1" not in attempt.post_data


def test_other_form_errors_are_not_guesses(as_persona, personas):
    client = as_persona("nurse_on_team")
    for _ in range(LIMIT + 1):
        response = client.post(
            "/password/",
            {"old_password": PASSWORD, "new_password1": "short", "new_password2": "other"},
        )
        assert response.status_code == 200
    assert not AccessAttempt.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get("/password/").url == "/login/?next=/password/"
    assert change(client, PASSWORD).url == "/login/?next=/password/"
    assert not AccessAttempt.objects.exists()

import pytest

from tests.factories import PASSWORD, a_backup_code, make_user

LANDING = [
    ("the_patient", "/me/"),
    ("nurse_on_team", "/ward/"),
    ("clinician_on_team", "/clinic/"),
    ("admin", "/admin/"),
]
STAFF = {"nurse_on_team", "clinician_on_team", "admin"}


@pytest.mark.parametrize("name, landing", LANDING)
def test_signing_in_lands_each_role_on_its_home_page(client, personas, name, landing):
    user = getattr(personas, name)
    code = a_backup_code(user) if name in STAFF else None
    response = client.post(
        "/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    if code:
        # Staff give a code after the password, then go on to their page.
        assert response.redirect_chain[-1][0] == "/second-factor/?next=%2F"
        response = client.post("/second-factor/", {"code": code, "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, personas):
    response = client.post("/login/", {"username": "patient", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert "_auth_user_id" not in client.session


def test_home_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/"


@pytest.mark.django_db
def test_a_user_without_a_role_is_told_so(client):
    client.force_login(make_user(None))
    response = client.get("/")
    assert response.status_code == 403
    assert "no role" in response.text


@pytest.mark.parametrize("url", ["/clinic/", "/ward/", "/me/", "/patients/", "/password/"])
def test_pages_send_anonymous_visitors_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_signing_out_needs_a_post_and_ends_the_session(as_persona):
    client = as_persona("nurse_on_team")
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response.url == "/login/"
    assert client.get("/ward/").status_code == 302


def test_a_user_changes_their_password(as_persona, personas):
    client = as_persona("nurse_on_team")
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-2026",
            "new_password2": "a-much-longer-passphrase-2026",
        },
    )
    assert response.status_code == 302
    personas.nurse_on_team.refresh_from_db()
    assert personas.nurse_on_team.check_password("a-much-longer-passphrase-2026")


def test_a_weak_new_password_is_refused(as_persona, personas):
    response = as_persona("nurse_on_team").post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    assert "This password is too common" in response.text
    personas.nurse_on_team.refresh_from_db()
    assert personas.nurse_on_team.check_password(PASSWORD)

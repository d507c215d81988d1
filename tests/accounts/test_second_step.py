"""Signing in with a code after the password: the step, enrolment, backup codes, remembering."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, a_backup_code, make_user
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.accounts.second_factor import REMEMBER_COOKIE, enrol_authenticator

pytestmark = pytest.mark.django_db


def code_of(device, at=None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def nurse():
    return make_user(Role.NURSE, username="ward-nurse")


@pytest.fixture
def app(nurse):
    return enrol_authenticator(nurse)


def sign_in_with_password(client, user):
    return client.post("/login/", {"username": user.username, "password": PASSWORD})


# The step


def test_after_the_password_staff_are_asked_for_a_code_and_see_no_menu(client, nurse, app):
    sign_in_with_password(client, nurse)
    response = client.get("/ward/", follow=True)
    assert response.redirect_chain == [("/second-factor/?next=%2Fward%2F", 302)]
    assert 'name="code"' in response.text
    assert "Remember this computer for 12 hours" in response.text
    assert "My shift" not in response.text  # the menu waits for the code


def test_a_code_from_the_app_opens_the_page_asked_for(client, nurse, app):
    sign_in_with_password(client, nurse)
    response = client.post("/second-factor/", {"code": code_of(app), "next": "/ward/"})
    assert response.status_code == 302
    assert response.url == "/ward/"
    assert client.get("/ward/").status_code == 200
    assert REMEMBER_COOKIE not in response.cookies


def test_a_code_typed_with_a_space_works(client, nurse, app):
    sign_in_with_password(client, nurse)
    code = code_of(app)
    response = client.post("/second-factor/", {"code": f"{code[:3]} {code[3:]}", "next": "/"})
    assert response.status_code == 302


@pytest.mark.parametrize("typed", ["wrong", "", "x" * 5000, "12\x003456"])
def test_a_wrong_code_says_so_and_keeps_everything_closed(client, nurse, app, typed):
    sign_in_with_password(client, nurse)
    code = wrong(code_of(app)) if typed == "wrong" else typed
    response = client.post("/second-factor/", {"code": code, "next": "/ward/"})
    assert response.status_code == 200
    assert "is-invalid" in response.text
    assert client.get("/ward/").status_code == 302


def test_a_backup_code_works_once(client, nurse, app):
    code = a_backup_code(nurse)
    sign_in_with_password(client, nurse)
    assert client.post("/second-factor/", {"code": code, "next": "/"}).status_code == 302
    client.logout()
    sign_in_with_password(client, nurse)
    assert client.post("/second-factor/", {"code": code, "next": "/"}).status_code == 200
    assert not StaticToken.objects.filter(token=code).exists()


def test_a_next_page_off_the_site_is_ignored(client, nurse, app):
    sign_in_with_password(client, nurse)
    response = client.post(
        "/second-factor/", {"code": code_of(app), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_a_verified_user_or_one_never_asked_passes_through(client, personas):
    assert client.get("/second-factor/").status_code == 302  # anonymous: to sign in
    client.force_login(personas.nurse_on_team)
    assert client.get("/second-factor/?next=/ward/").url == "/ward/"
    client.force_login(personas.the_patient)
    assert client.get("/second-factor/").url == "/"


def test_an_htmx_request_reloads_the_whole_page_to_the_step(password_only_client, nurse, app):
    password_only_client.force_login(nurse)
    response = password_only_client.get(
        "/alerts/count/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/ward/?day=2"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/second-factor/?next=%2Fward%2F%3Fday%3D2"


# Enrolment


def test_staff_without_a_device_set_one_up_at_first_sign_in(client, nurse):
    sign_in_with_password(client, nurse)
    response = client.get("/clinic/", follow=True)
    assert response.redirect_chain[-1][0] == "/second-factor/enrol/?next=%2Fclinic%2F"
    assert "<svg" in response.text  # the QR code, drawn on the server
    secret = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', response.text)
    device = TOTPDevice.objects.get(user=nurse)
    assert not device.confirmed
    assert secret.group(1).replace(" ", "") in device.config_url

    response = client.post("/second-factor/enrol/", {"code": code_of(device), "next": "/ward/"})
    assert response.url == "/second-factor/backup-codes/?next=%2Fward%2F"
    page = client.get(response.url)
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", page.text)
    assert len(codes) == 10
    assert "They are shown only now" in page.text
    assert 'href="/ward/"' in page.text
    # Shown once.
    assert client.get("/second-factor/backup-codes/").url == "/settings/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/ward/").status_code == 200


def test_a_wrong_code_at_enrolment_confirms_nothing(client, nurse):
    sign_in_with_password(client, nurse)
    client.get("/second-factor/enrol/")
    device = TOTPDevice.objects.get(user=nurse)
    response = client.post("/second-factor/enrol/", {"code": wrong(code_of(device))})
    assert response.status_code == 200
    assert "That code did not match" in response.text
    device.refresh_from_db()
    assert not device.confirmed
    assert not nurse.staticdevice_set.exists()
    assert client.get("/ward/").status_code == 302


def test_reloading_the_set_up_page_keeps_one_device(client, nurse):
    sign_in_with_password(client, nurse)
    client.get("/second-factor/enrol/")
    client.get("/second-factor/enrol/")
    assert TOTPDevice.objects.filter(user=nurse).count() == 1


def test_the_password_alone_cannot_replace_an_authenticator(client, nurse, app):
    sign_in_with_password(client, nurse)
    response = client.get("/second-factor/enrol/?next=/ward/")
    assert response.url == "/second-factor/?next=%2Fward%2F"
    assert TOTPDevice.objects.filter(user=nurse).count() == 1


def test_a_new_authenticator_replaces_the_old_one_and_its_backup_codes(client, nurse, app):
    old_code = a_backup_code(nurse)
    client.force_login(nurse)
    client.get("/second-factor/enrol/")
    new = TOTPDevice.objects.get(user=nurse, confirmed=False)
    client.post("/second-factor/enrol/", {"code": code_of(new)})
    assert list(TOTPDevice.objects.filter(user=nurse)) == [new]
    assert not StaticToken.objects.filter(token=old_code).exists()


def test_new_backup_codes_replace_the_old_ones(client, nurse, app):
    old_code = a_backup_code(nurse)
    client.force_login(nurse)
    response = client.post("/second-factor/backup-codes/new/")
    page = client.get(response.url)
    assert len(re.findall(r"<li>([a-z0-9]{8})</li>", page.text)) == 10
    assert not StaticToken.objects.filter(token=old_code).exists()
    assert client.get("/second-factor/backup-codes/new/").status_code == 405


# Remembering a computer


@pytest.fixture
def remembered(client, nurse, app):
    sign_in_with_password(client, nurse)
    response = client.post(
        "/second-factor/", {"code": code_of(app), "remember": "on", "next": "/ward/"}
    )
    cookie = response.cookies[REMEMBER_COOKIE]
    assert cookie["httponly"]
    assert cookie["max-age"] == 12 * 60 * 60
    client.logout()  # which empties the client's cookie jar, as a browser's sign-out does not
    client.cookies[REMEMBER_COOKIE] = cookie.value
    return client


def test_a_remembered_computer_asks_only_for_the_password(remembered, nurse):
    sign_in_with_password(remembered, nurse)
    assert remembered.get("/ward/").status_code == 200


def test_a_remembered_computer_is_forgotten_after_12_hours(remembered, nurse, time_machine):
    time_machine.move_to(timezone.now() + timedelta(hours=12, minutes=1))
    sign_in_with_password(remembered, nurse)
    assert remembered.get("/ward/").status_code == 302


def test_replacing_the_authenticator_forgets_every_computer(remembered, nurse):
    enrol_authenticator(nurse, replace=True)
    sign_in_with_password(remembered, nurse)
    assert remembered.get("/ward/").url.startswith("/second-factor/")


def test_a_new_password_forgets_every_computer(remembered, nurse):
    nurse.set_password("another-long-passphrase-2027")
    nurse.save()
    remembered.post(
        "/login/", {"username": nurse.username, "password": "another-long-passphrase-2027"}
    )
    assert remembered.get("/ward/").url.startswith("/second-factor/")


def test_a_computer_remembered_for_one_nurse_asks_another_for_her_code(remembered):
    other = make_user(Role.NURSE)
    enrol_authenticator(other)
    sign_in_with_password(remembered, other)
    assert remembered.get("/ward/").url.startswith("/second-factor/")


def test_a_tampered_cookie_is_ignored(remembered, nurse):
    value = remembered.cookies[REMEMBER_COOKIE].value
    remembered.cookies[REMEMBER_COOKIE] = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
    sign_in_with_password(remembered, nurse)
    assert remembered.get("/ward/").url.startswith("/second-factor/")


# Patients


def test_a_patient_may_opt_in_and_is_then_asked(client, personas):
    patient = personas.the_patient
    client.force_login(patient)
    settings_page = client.get("/settings/")
    assert "Ask me for a code when I sign in" in settings_page.text
    client.get("/second-factor/enrol/?next=/settings/")
    device = TOTPDevice.objects.get(user=patient)
    response = client.post(
        "/second-factor/enrol/", {"code": code_of(device), "next": "/settings/"}
    )
    assert response.url == "/second-factor/backup-codes/?next=%2Fsettings%2F"
    assert User.objects.get(pk=patient.pk).asks_second_factor

    client.logout()
    sign_in_with_password(client, patient)
    assert client.get("/me/").url == "/second-factor/?next=%2Fme%2F"


def test_a_patient_may_stop_being_asked(client, personas):
    patient = personas.the_patient
    patient.asks_second_factor = True
    patient.save()
    enrol_authenticator(patient)
    client.force_login(patient)
    assert "Stop asking me for a code" in client.get("/settings/").text
    client.post("/second-factor/stop/")
    assert not User.objects.get(pk=patient.pk).asks_second_factor
    assert not TOTPDevice.objects.filter(user=patient).exists()
    client.logout()
    sign_in_with_password(client, patient)
    assert client.get("/me/").status_code == 200


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team", "admin"])
def test_staff_cannot_stop_being_asked(as_persona, personas, name):
    assert as_persona(name).post("/second-factor/stop/").status_code == 403
    assert "Stop asking me for a code" not in as_persona(name).get("/settings/").text


# The admin's pages for authenticators


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_the_admin_never_shows_a_secret_and_never_fails(as_persona, personas, page):
    device = enrol_authenticator(personas.nurse_on_team)
    client = as_persona("admin")
    personas.admin.is_superuser = True
    personas.admin.save()
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{page}/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk + 99}/{page}/").status_code == 404
    change = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200
    assert device.key not in change.text

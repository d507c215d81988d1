"""Staff need a second factor to enter the admin; patients and ward staff never do."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role
from tracker.accounts.second_factor import issue_backup_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return make_user(Role.ADMIN, is_superuser=True)


def current_code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_an_admin_signed_in_without_a_second_factor_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    assert client.get("/admin/ward/doserecord/").status_code == 302


def test_an_admin_with_a_verified_second_factor_gets_in(client, admin_user):
    sign_in_with_second_factor(client, admin_user)
    assert client.get("/admin/").status_code == 200


def test_the_admin_sign_in_takes_a_code_from_the_authenticator_app(client, admin_user):
    call_command("enrol_totp", admin_user.username, stdout=io.StringIO())
    device = TOTPDevice.objects.get(user=admin_user)
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": admin_user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": current_code(device),
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_keeps_the_admin_closed(client, admin_user):
    call_command("enrol_totp", admin_user.username, stdout=io.StringIO())
    device = TOTPDevice.objects.get(user=admin_user)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": admin_user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": wrong,
        },
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_the_password_alone_does_not_open_the_admin(client, admin_user):
    call_command("enrol_totp", admin_user.username, stdout=io.StringIO())
    client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302


def test_a_backup_code_works_once(client, admin_user):
    (code,) = issue_backup_codes(admin_user, 1)
    form = {
        "username": admin_user.username,
        "password": PASSWORD,
        "otp_device": admin_user.staticdevice_set.get().persistent_id,
        "otp_token": code,
    }
    assert client.post("/admin/login/?next=/admin/", form).status_code == 302
    client.logout()
    assert client.post("/admin/login/?next=/admin/", form).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_enrolling_prints_the_set_up_link_and_a_qr_code(admin_user, tmp_path):
    out = io.StringIO()
    svg = tmp_path / "qr.svg"
    call_command(
        "enrol_totp", admin_user.username, "--svg", str(svg), "--backup-codes", "3", stdout=out
    )
    text = out.getvalue()
    device = TOTPDevice.objects.get(user=admin_user)
    assert device.confirmed
    assert device.config_url in text
    assert "otpauth://totp/" in text
    assert "▄" in text or "█" in text  # the QR code, drawn in block characters
    assert svg.read_text().lstrip().startswith("<?xml")
    assert admin_user.staticdevice_set.get().token_set.count() == 3


def test_enrolling_again_needs_replace_and_then_the_old_secret_stops_working(admin_user):
    call_command("enrol_totp", admin_user.username, stdout=io.StringIO())
    old = TOTPDevice.objects.get(user=admin_user)
    with pytest.raises(CommandError, match="already has an authenticator"):
        call_command("enrol_totp", admin_user.username, stdout=io.StringIO())
    call_command("enrol_totp", admin_user.username, "--replace", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1


@pytest.mark.parametrize("role", [Role.NURSE, Role.CLINICIAN, Role.PATIENT])
def test_only_users_who_enter_the_admin_are_enrolled(role):
    user = make_user(role)
    with pytest.raises(CommandError, match="does not enter the admin"):
        call_command("enrol_totp", user.username, stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()


def test_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="No user called nobody"):
        call_command("enrol_totp", "nobody", stdout=io.StringIO())


def test_an_admin_without_a_second_factor_cannot_open_patient_pages(client, admin_user):
    from tests.factories import PatientFactory

    patient = PatientFactory()
    client.force_login(admin_user)
    assert client.get(f"/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/patients/{patient.pk}/fhir.json").status_code == 404
    sign_in_with_second_factor(client, admin_user)
    assert client.get(f"/patients/{patient.pk}/").status_code == 200


def enrolled(admin_user):
    call_command("enrol_totp", admin_user.username, stdout=io.StringIO())
    issue_backup_codes(admin_user, 2)
    return TOTPDevice.objects.get(user=admin_user)


def test_after_the_password_the_admin_asks_only_for_the_code_with_the_devices_listed(
    client, admin_user
):
    enrolled(admin_user)
    response = client.post(
        "/login/", {"username": admin_user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/admin/login/?next=/admin/"
    html = response.text
    assert "not authorized" not in html
    assert 'name="password"' not in html
    assert re.findall(r"<option [^>]*>([^<]+)</option>", html) == [
        "Authenticator app",
        "Backup codes",
    ]
    assert 'name="otp_token"' in html


def test_the_code_alone_then_opens_the_admin(client, admin_user):
    device = enrolled(admin_user)
    client.post("/login/", {"username": admin_user.username, "password": PASSWORD})
    response = client.post(
        "/admin/login/?next=/admin/",
        {"otp_device": device.persistent_id, "otp_token": current_code(device), "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_at_the_second_step_says_so_and_keeps_the_admin_closed(client, admin_user):
    device = enrolled(admin_user)
    client.post("/login/", {"username": admin_user.username, "password": PASSWORD})
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(
        "/admin/login/?next=/admin/",
        {"otp_device": device.persistent_id, "otp_token": wrong, "next": "/admin/"},
    )
    assert response.status_code == 200
    assert "errornote" in response.text
    assert client.get("/admin/").status_code == 302

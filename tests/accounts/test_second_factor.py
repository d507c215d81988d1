"""Staff need a second factor to enter the admin; patients and ward staff never do."""

import io

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


def test_an_admin_signed_in_without_a_second_factor_is_refused(password_only_client, admin_user):
    password_only_client.force_login(admin_user)
    response = password_only_client.get("/admin/")
    assert response.status_code == 302
    assert response.url == "/second-factor/?next=%2Fadmin%2F"
    assert password_only_client.get("/admin/ward/doserecord/").status_code == 302


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


@pytest.mark.parametrize("role", [Role.NURSE, Role.CLINICIAN])
def test_every_member_of_staff_may_be_enrolled(role):
    user = make_user(role)
    call_command("enrol_totp", user.username, stdout=io.StringIO())
    assert TOTPDevice.objects.get(user=user).confirmed


def test_a_patient_who_did_not_ask_for_a_second_factor_is_not_enrolled():
    user = make_user(Role.PATIENT)
    with pytest.raises(CommandError, match="is not asked for a second factor"):
        call_command("enrol_totp", user.username, stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()


def test_an_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="No user called nobody"):
        call_command("enrol_totp", "nobody", stdout=io.StringIO())


def test_an_admin_without_a_second_factor_cannot_open_patient_pages(
    password_only_client, admin_user
):
    from tests.factories import PatientFactory

    patient = PatientFactory()
    password_only_client.force_login(admin_user)
    assert password_only_client.get(f"/patients/{patient.pk}/").status_code == 302
    assert password_only_client.get(f"/patients/{patient.pk}/fhir.json").status_code == 302
    sign_in_with_second_factor(password_only_client, admin_user)
    assert password_only_client.get(f"/patients/{patient.pk}/").status_code == 200

"""The second factor: an authenticator app (TOTP) and backup codes.

Every member of staff, and a patient who asked for it, signs in with a password and
then a code (`tracker.accounts.middleware.SecondFactorRequired` asks for it on every
page). A ward computer may be remembered for 12 hours: a signed cookie bound to the
user, their password and their authenticator, so replacing either ends it.
"""

import hmac
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.accounts.roles import STAFF_ROLES

APP_DEVICE = "Authenticator app"
PENDING_APP_DEVICE = "Authenticator app (being set up)"
BACKUP_DEVICE = "Backup codes"
BACKUP_CODE_COUNT = 10

REMEMBER_COOKIE = "remember_device"
REMEMBER_SALT = "tracker.accounts.second_factor.remember"


class EnrolRefused(Exception):
    pass


def requires_second_factor(user) -> bool:
    """Staff always; a patient once they asked for it; never an anonymous visitor."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.asks_second_factor or user.role in STAFF_ROLES


def has_second_factor(user) -> bool:
    """Whether the user has a confirmed device to give a code from (else they enrol)."""
    return user_has_device(user, confirmed=True)


@transaction.atomic
def enrol_authenticator(user, *, replace: bool = False) -> TOTPDevice:
    """A new, confirmed TOTP device for a user; an existing one is kept unless `replace`.

    For the command line, where the secret is handed over in person; on the web the
    user confirms a code first (`confirm_authenticator`).
    """
    if not requires_second_factor(user):
        raise EnrolRefused(f"{user.username} is not asked for a second factor.")
    existing = TOTPDevice.objects.devices_for_user(user, confirmed=None)
    if existing.filter(confirmed=True).exists() and not replace:
        raise EnrolRefused(
            f"{user.username} already has an authenticator; use --replace to issue a new one."
        )
    existing.delete()  # a lost or compromised secret must stop working at once
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=True)


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device, kept while the user scans it.

    It gives no entry until confirmed: django-otp only verifies confirmed devices.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=PENDING_APP_DEVICE, confirmed=False)


@transaction.atomic
def confirm_authenticator(user, device: TOTPDevice) -> list[str]:
    """Make the scanned `device` the user's only authenticator; return new backup codes.

    The devices it replaces stop working at once, and with them any computer remembered
    for them. A patient who enrols has thereby asked to be asked for a code.
    """
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.name = APP_DEVICE
    device.save(update_fields=["confirmed", "name"])
    if not user.asks_second_factor and not user.is_staff and user.role not in STAFF_ROLES:
        user.asks_second_factor = True
        user.save(update_fields=["asks_second_factor"])
    return issue_backup_codes(user, BACKUP_CODE_COUNT)


@transaction.atomic
def stop_second_factor(user) -> None:
    """A patient stops being asked for a code: their devices go, so nothing is left to steal."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.asks_second_factor = False
    user.save(update_fields=["asks_second_factor"])


@transaction.atomic
def issue_backup_codes(user, count: int) -> list[str]:
    """`count` new single-use codes, replacing any left unused."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE)
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's set-up link as an SVG QR code, drawn here: nothing goes to the internet."""
    out = io.BytesIO()
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    image.save(out)
    svg = out.getvalue().decode()
    # Inline in the page: the XML declaration belongs to a file, not to HTML.
    return svg[svg.index("<svg") :]


# Remembering a computer.


def _binding(user, device: TOTPDevice) -> str:
    """What the cookie is bound to: the user, their password and their authenticator's secret."""
    value = f"{user.pk}:{user.password}:{device.pk}:{device.key}"
    return salted_hmac(REMEMBER_SALT, value).hexdigest()


def _remember_seconds() -> int:
    return settings.SECOND_FACTOR_REMEMBER_HOURS * 60 * 60


def remember_this_computer(response, user) -> bool:
    """Set the cookie that skips the code on this computer; False if there is no app to bind to."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    value = signing.TimestampSigner(salt=REMEMBER_SALT).sign(
        f"{user.pk}:{device.pk}:{_binding(user, device)}"
    )
    response.set_cookie(
        REMEMBER_COOKIE,
        value,
        max_age=_remember_seconds(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return True


def verify_by_remembered_computer(request) -> bool:
    """Verify the session with the authenticator this computer was remembered for, if it still is."""
    value = request.COOKIES.get(REMEMBER_COOKIE)
    if not value:
        return False
    try:
        payload = signing.TimestampSigner(salt=REMEMBER_SALT).unsign(
            value, max_age=_remember_seconds()
        )
        user_pk, device_pk, binding = payload.split(":")
    except (signing.BadSignature, ValueError):
        return False
    user = request.user
    if user_pk != str(user.pk):
        return False  # remembered for someone else who used this computer
    device = TOTPDevice.objects.filter(user=user, pk=device_pk, confirmed=True).first()
    if device is None or not hmac.compare_digest(binding, _binding(user, device)):
        return False  # the authenticator or the password was replaced since
    otp_login(request, device)
    return True


class AdminSite(OTPAdminSite):
    """The admin, behind the second factor every staff page asks for.

    A signed-in member of staff without a code never reaches the admin's own login
    page: the middleware sends them to the app's second step first.
    """

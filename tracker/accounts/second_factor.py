"""Second factors for staff entering the admin: an authenticator app, and backup codes."""

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

APP_DEVICE = "Authenticator app"
BACKUP_DEVICE = "Backup codes"


class EnrolRefused(Exception):
    pass


@transaction.atomic
def enrol_authenticator(user, *, replace: bool = False) -> TOTPDevice:
    """A new TOTP device for a staff user; an existing one is kept unless `replace`."""
    if not user.is_staff:
        raise EnrolRefused(f"{user.username} does not enter the admin, so needs no second factor.")
    existing = TOTPDevice.objects.devices_for_user(user, confirmed=None)
    if existing.exists() and not replace:
        raise EnrolRefused(
            f"{user.username} already has an authenticator; use --replace to issue a new one."
        )
    existing.delete()  # a lost or compromised secret must stop working at once
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=True)


@transaction.atomic
def issue_backup_codes(user, count: int) -> list[str]:
    """`count` new single-use codes, replacing any left unused."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes

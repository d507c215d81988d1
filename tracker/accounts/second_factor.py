"""Second factors for staff entering the admin: an authenticator app, and backup codes."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.urls import reverse
from django_otp.admin import OTPAdminSite
from django_otp.forms import OTPTokenForm
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.views import LoginView as OTPLoginView

from tracker.lib.forms import SafeInputMixin

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


class SecondStepForm(SafeInputMixin, OTPTokenForm):
    """The code alone, for a user already signed in; their devices listed, the first chosen."""

    @staticmethod
    def device_choices(user):
        return [choice for choice in OTPTokenForm.device_choices(user) if choice[0]]


class AdminSite(OTPAdminSite):
    """The admin, behind a second factor.

    Staff who signed in with their password on the app's own page are asked only for
    the code, with their devices listed at once. django-otp's own page would ask again
    for the password, list the devices only after a failed try, and first say the
    signed-in admin is "not authorized".
    """

    def login(self, request, extra_context=None):
        user = request.user
        if not (user.is_authenticated and user.is_staff and not user.is_verified()):
            return super().login(request, extra_context)
        context = {
            **self.each_context(request),
            "title": "Enter a code",
            "app_path": request.get_full_path(),
            "username": user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        # For a signed-in user who is not yet verified, this view asks only for a code.
        return OTPLoginView.as_view(
            otp_token_form=SecondStepForm,
            template_name="admin/second_factor.html",
            extra_context=context,
        )(request)

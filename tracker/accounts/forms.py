from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.validators import MaxLengthValidator

from tracker.lib.forms import SafeInputMixin
from tracker.lib.zones import all_zones, validate_time_zone


class MySettingsForm(SafeInputMixin, forms.Form):
    time_zone = forms.CharField(
        label="Show times on the clock of",
        required=False,
        max_length=64,
        # The model's own rule, so a name typed past the list gets the same message.
        validators=[validate_time_zone],
        widget=forms.Select,
        help_text=(
            "Dose, alert and record times on the clinic page, the shift and the alerts list "
            "are shown on this clock, with the patient's own time beside them where it differs."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clinic = f"The clinic's zone ({settings.CLINIC_TIME_ZONE.replace('_', ' ')})"
        self.fields["time_zone"].widget.choices = [
            ("", clinic),
            *((zone, zone.replace("_", " ")) for zone in all_zones()),
        ]


class SecondFactorForm(SafeInputMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text="The 6 digits your authenticator app shows now, or one of your backup codes.",
    )
    remember = forms.BooleanField(
        label="Remember this computer for 12 hours",
        required=False,
        help_text="Only on a computer of the ward's, never on a shared or public one.",
    )

    def clean_code(self):
        # Apps show "123 456"; backup codes are typed as printed.
        return "".join(self.cleaned_data["code"].split())


class EnrolForm(SafeInputMixin, forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The 6 digits the app shows once it has the QR code or the key.",
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


class SignInForm(SafeInputMixin, AuthenticationForm):
    """Django's sign-in form, refusing a username no login can have before trying it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the length only on the input: a longer username reached the
        # lockout's store, whose column it overflowed.
        longest = self.fields["username"].max_length
        self.fields["username"].validators.append(
            MaxLengthValidator(
                longest, f"No username is longer than {longest} characters: check what you typed."
            )
        )


class ChangePasswordForm(SafeInputMixin, PasswordChangeForm):
    pass


class ResetPasswordForm(SafeInputMixin, PasswordResetForm):
    pass


class NewPasswordForm(SafeInputMixin, SetPasswordForm):
    pass

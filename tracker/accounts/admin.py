from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OTPTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.accounts.models import Invitation, User
from tracker.lib.admin import LightRows, ReadOnlyAdmin, WholeKeySearch, export_as_csv
from tracker.lib.forms import SafeInputMixin


class ChangeUserForm(SafeInputMixin, UserChangeForm):
    pass


class AddUserForm(SafeInputMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(WholeKeySearch, LightRows, BaseUserAdmin):
    form = ChangeUserForm
    add_form = AddUserForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "roles",
        "patient_mrn",
        "is_staff",
        "is_superuser",
        "is_active",
        "last_login",
        "date_joined",
    ]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active", "last_login", "date_joined"]
    # A patient's login is found by their whole MRN too.
    search_fields = ["username", "first_name", "last_name", "email", "=patient__mrn"]
    # A login per patient: the date filters narrow, without the date hierarchy's scan or
    # a count of the whole table.
    show_full_result_count = False
    list_select_related = ["patient"]
    actions = [export_as_csv]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Ward clock", {"fields": ["time_zone"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "—"

    @admin.display(description="patient MRN", ordering="patient__mrn")
    def patient_mrn(self, user):
        patient = getattr(user, "patient", None)
        return patient.mrn if patient else None


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Who was invited, by whom, and what became of the link: to read, never to change.

    Invitations are made from the patient's page, where the login and the e-mail go
    with them; the token's hash is of no use to a reader, so it is not shown.
    """

    list_display = [
        "user",
        "patient_mrn",
        "email",
        "created_at",
        "created_by",
        "expires_at",
        "used_at",
        "revoked_at",
    ]
    list_filter = ["created_at", "expires_at"]
    date_hierarchy = "created_at"
    search_fields = [
        "user__username",
        "email",
        "=user__patient__mrn",
        "user__patient__family_name",
        "user__patient__given_name",
    ]
    list_select_related = ["user__patient", "created_by"]
    exclude = ["token_hash"]

    @admin.display(description="patient MRN", ordering="user__patient__mrn")
    def patient_mrn(self, invitation):
        patient = getattr(invitation.user, "patient", None)
        return patient.mrn if patient else None


class TOTPDeviceAdmin(OTPTOTPDeviceAdmin):
    """django-otp's, with its set-up pages answering an unknown device with 404, not 500.

    With OTP_ADMIN_HIDE_SENSITIVE_DATA on, those pages refuse (403) for every device: a
    secret is shown once, to its owner, when they set the app up, never to an admin.
    """

    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)


# Importing django-otp's admin registered its own; this one takes its place.
admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from tracker.accounts import second_factor as factor
from tracker.accounts import sessions
from tracker.accounts.forms import (
    EnrolForm,
    MySettingsForm,
    NewPasswordForm,
    SecondFactorForm,
    SignInForm,
)
from tracker.accounts.invitations import InvitationGone, accept_invitation, usable_invitation
from tracker.accounts.roles import STAFF_ROLES, Role
from tracker.lib.http import safe_next


class SafeNextMixin:
    """Django's sign-in and sign-out views, taking their `next` page through `safe_next`."""

    def get_redirect_url(self):
        return safe_next(self.request, "")


class SignInView(SafeNextMixin, auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(SafeNextMixin, auth_views.LogoutView):
    pass


HOME_PAGES = {
    Role.ADMIN: "admin:index",
    Role.CLINICIAN: "clinician-home",
    Role.NURSE: "nurse-home",
    Role.PATIENT: "patient-home",
}


@login_required
def home(request):
    """Send each role to its own starting page."""
    page = HOME_PAGES.get(request.user.role)
    if page is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(page)


@login_required
@require_http_methods(["GET", "POST"])
def my_settings(request):
    """A user's own settings: the clock staff lists are shown on, and the second factor.

    Patients see only the second factor, which they may choose to be asked for.
    """
    user = request.user
    staff = user.role in STAFF_ROLES
    if request.method == "POST" and not staff:
        raise PermissionDenied
    form = MySettingsForm(
        request.POST if request.method == "POST" else None, initial={"time_zone": user.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        user.time_zone = form.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])
        messages.success(request, f"Saved. Staff pages now show times in {user.ward_zone}.")
        return redirect("my-settings")
    return render(
        request,
        "accounts/my_settings.html",
        {
            "form": form if staff else None,
            "has_second_factor": factor.has_second_factor(user),
            "may_stop": not staff and not user.is_staff,
        },
    )


def _with_next(url_name: str, next_page: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_page})}"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """The second step of signing in: a code from the authenticator app or a backup code."""
    user = request.user
    next_page = safe_next(request, reverse("home"))
    if user.is_verified() or not factor.requires_second_factor(user):
        return redirect(next_page)
    if not factor.has_second_factor(user):
        return redirect(_with_next("second-factor-enrol", next_page))
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Each device keeps its own count of wrong codes and makes the next try wait.
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            response = redirect(next_page)
            if form.cleaned_data["remember"]:
                factor.remember_this_computer(response, user)
            return response
        form.add_error(
            "code",
            "That code did not work. An app's code changes every 30 seconds, and a backup "
            "code works once. After several wrong codes, wait a little before the next.",
        )
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "next": next_page, "before_second_factor": True},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request):
    """Set up an authenticator app: scan the QR code, confirm with a code, get backup codes.

    On first sign-in, with the password alone; to replace an app, only once verified with
    the old one, so a stolen password cannot swap in the thief's phone.
    """
    user = request.user
    next_page = safe_next(request, reverse("home"))
    if factor.has_second_factor(user) and not user.is_verified():
        return redirect(_with_next("second-factor", next_page))
    device = factor.pending_authenticator(user)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["code"]):
            codes = factor.confirm_authenticator(user, device)
            otp_login(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            return redirect(_with_next("second-factor-backup-codes", next_page))
        form.add_error(
            "code",
            "That code did not match. Check the app shows this site's entry, and type the "
            "code it shows now.",
        )
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "next": next_page,
            "qr_code": factor.qr_code_svg(device),
            "secret": _grouped(device),
            "replacing": factor.has_second_factor(user),
            "before_second_factor": not user.is_verified(),
        },
    )


def _grouped(device) -> str:
    """The secret in base32, as typed into an app without a camera, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# New backup codes wait here for the one page that shows them.
BACKUP_CODES_SESSION_KEY = "second_factor_backup_codes"


@never_cache
@login_required
@require_http_methods(["GET"])
def second_factor_backup_codes(request):
    """The backup codes just issued, shown this once: they are stored only as used-or-not."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("my-settings")
    next_page = safe_next(request, reverse("home"))
    return render(
        request, "accounts/second_factor_backup_codes.html", {"codes": codes, "next": next_page}
    )


@login_required
@require_POST
def second_factor_new_backup_codes(request):
    """Replace the user's backup codes, the old ones stopping at once."""
    user = request.user
    if not factor.has_second_factor(user):
        return redirect("second-factor-enrol")
    request.session[BACKUP_CODES_SESSION_KEY] = factor.issue_backup_codes(
        user, factor.BACKUP_CODE_COUNT
    )
    return redirect(_with_next("second-factor-backup-codes", reverse("my-settings")))


@login_required
@require_POST
def second_factor_stop(request):
    """A patient who opted in stops being asked for a code. Staff cannot."""
    user = request.user
    if user.is_staff or user.role != Role.PATIENT:
        raise PermissionDenied
    factor.stop_second_factor(user)
    messages.success(request, "Signing in now asks for your password only.")
    return redirect("my-settings")


# The second backend; axes's own (the first) only counts failures and signs no one in.
SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _link_gone(request):
    """One answer for every link that does not work: unknown, used, replaced or expired."""
    return render(request, "accounts/invitation_gone.html", status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """A patient sets the password of their login through their invitation, then is signed in.

    No second factor is asked: a patient is asked for one only once they chose it in
    My settings, which a new login has not.
    """
    now = timezone.now()
    invitation = usable_invitation(token, now)
    if invitation is None:
        return _link_gone(request)
    user = invitation.user
    form = NewPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            accept_invitation(invitation, form, now)
        except InvitationGone:
            return _link_gone(request)
        login(request, user, backend=SIGN_IN_BACKEND)
        messages.success(
            request, f"Your password is set. Next time, sign in with the username {user.username}."
        )
        return redirect("home")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "username": user.username}
    )


def _session_clock(request) -> JsonResponse:
    _, reason = sessions.ending(request.session, request.user)
    left = sessions.seconds_left(request.session, request.user)
    return JsonResponse({"ends_in": left, "ends_because": reason})


@sessions.background
@never_cache
@login_required
@require_GET
def session_status(request):
    """How long until this session ends: asked by the page's warning, not counted as activity."""
    return _session_clock(request)


@never_cache
@login_required
@require_POST
def session_keep_alive(request):
    """The page's "Stay signed in": the idle time starts again now."""
    sessions.record_activity(request.session, timezone.now(), exactly=True)
    return _session_clock(request)

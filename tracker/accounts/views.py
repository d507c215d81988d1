from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.forms import MySettingsForm, NewPasswordForm, SignInForm
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
@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def my_settings(request):
    """A staff user's own settings: the clock their lists of patients are shown on."""
    user = request.user
    form = MySettingsForm(
        request.POST if request.method == "POST" else None, initial={"time_zone": user.time_zone}
    )
    if request.method == "POST" and form.is_valid():
        user.time_zone = form.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])
        messages.success(request, f"Saved. Staff pages now show times in {user.ward_zone}.")
        return redirect("my-settings")
    return render(request, "accounts/my_settings.html", {"form": form})


# The second backend; axes's own (the first) only counts failures and signs no one in.
SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _link_gone(request):
    """One answer for every link that does not work: unknown, used, replaced or expired."""
    return render(request, "accounts/invitation_gone.html", status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """A patient sets the password of their login through their invitation, then is signed in.

    No second factor is asked: the app asks for one only to enter the admin, which
    a patient's login never does.
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

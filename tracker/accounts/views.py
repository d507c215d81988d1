from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.forms import MySettingsForm
from tracker.accounts.roles import STAFF_ROLES, Role

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

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import Role
from tracker.reminders.access import get_own_patient_for_reminders
from tracker.reminders.forms import ReminderSettingsForm
from tracker.reminders.models import ReminderSettings

FIELDS = ("dose_reminders", "dose_lead_minutes", "thyroid_reminders", "quiet_start", "quiet_end")


@login_required
@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    """The patient's own reminders: which, how long before a dose, and their quiet hours."""
    patient = get_own_patient_for_reminders(request.user)
    choices = ReminderSettings.objects.of(patient)
    initial = {name: getattr(choices, name) for name in FIELDS}
    form = ReminderSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        choices.choose(by=request.user, **form.cleaned_data)
        messages.success(request, _saved_message(choices, request.user.email))
        return redirect("reminder-settings")
    return render(
        request,
        "reminders/settings.html",
        {"patient": patient, "form": form, "email": request.user.email},
        status=400 if form.is_bound else 200,
    )


def _saved_message(choices: ReminderSettings, email: str) -> str:
    if not (choices.dose_reminders or choices.thyroid_reminders):
        return "Saved. You will not get reminders by e-mail."
    if not email:
        return "Saved. You have no e-mail address with us yet: ask your care team to add it."
    return f"Saved. Reminders will go to {email}."

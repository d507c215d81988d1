"""The patient's own readings at home, on a phone: the last two weeks, and the form.

Always the signed-in patient's own record, never an id from the request; a staff
member is refused (403) and reads the chart instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import Role
from tracker.lib.views import entered_in_error_page
from tracker.observations import home
from tracker.observations.access import get_own_reading, get_recording_patient
from tracker.observations.charting import ChartRefused
from tracker.observations.forms.home import HomeReadingForm
from tracker.observations.models import VitalSigns, WeightEntry

SAVED = "Saved. Your care team can see it."
# The session key that carries "these readings raised an alert" to the list, once.
ALERTED = "home_reading_alert"
SEVERE = ("urgent", "high")
KINDS = {"vitals": VitalSigns, "weight": WeightEntry}


@login_required
@role_required(Role.PATIENT)
@require_GET
def my_readings(request):
    """The patient's readings of the last 14 days, newest first, on their clock."""
    patient = get_recording_patient(request.user)
    severity = request.session.pop(ALERTED, None)
    return render(
        request,
        "observations/my_readings.html",
        {
            "patient": patient,
            "readings": home.recent_readings(patient, timezone.now()),
            "severe": severity in SEVERE,
            "alerted": severity is not None,
            "shown_days": home.SHOWN_FOR.days,
            "today": home.start_of_day(timezone.now(), patient.zone),
        },
    )


@login_required
@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def my_reading_add(request):
    """One short form: any of temperature, weight and blood pressure, taken today."""
    patient = get_recording_patient(request.user)
    form = HomeReadingForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            entries = home.record_readings(patient, by=request.user, **form.values())
        except ChartRefused as refusal:
            form.show_refusal(refusal)
        else:
            severity = home.alert_severity(entries)
            if severity is None:
                messages.success(request, SAVED)
            else:
                request.session[ALERTED] = severity
            return redirect("my-readings")
    return render(
        request,
        "observations/my_reading_add.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def my_reading_error(request, kind, pk):
    """Withdraw one of today's own readings as entered in error, with a reason."""
    entry = get_own_reading(request.user, KINDS[kind], pk)
    return entered_in_error_page(
        request,
        entry,
        mark=home.mark_entered_in_error,
        marked_message=lambda: "Marked as entered in error. Your care team can see why.",
        next_url="my-readings",
        template="observations/my_reading_error.html",
        context={"patient": entry.patient, "entry": entry},
        refused_status=400,
    )

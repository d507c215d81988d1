from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from regimens.models import Course, Dose
from tracker.accounts.decorators import role_required
from tracker.accounts.forms import MySettingsForm
from tracker.accounts.roles import STAFF_ROLES, Role
from tracker.alerts.models import Alert
from tracker.patients.access import get_own_patient
from tracker.patients.models import Patient
from tracker.thyroid.schedule import overdue_checks
from tracker.ward.shift import shift_doses

HOME_ALERTS = 20
DASHBOARD_HOURS = 24

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
@role_required(Role.CLINICIAN)
def clinician_home(request):
    """The clinician's day: doses due and overdue, open alerts, thyroid checks, patients."""
    now = timezone.now()
    patients = list(
        Patient.objects.visible_to(request.user)
        .with_treatment(now)
        .order_by("family_name", "given_name")
    )
    overdue, due, _ = shift_doses(request.user, now, DASHBOARD_HOURS)
    alerts = (
        Alert.objects.visible_to(request.user)
        .open()
        .select_related("patient", "acknowledged_by", "symptom_report", "adverse_event")
        .most_severe_first()
    )
    return render(
        request,
        "accounts/clinician_home.html",
        {
            "patients": patients,
            "now": now,
            "overdue": overdue,
            "due": due,
            "doses": overdue + due,
            "hours": DASHBOARD_HOURS,
            "thyroid_overdue": overdue_checks(patients),
            # The most severe few; the alerts page has the rest.
            "alerts": list(alerts[:HOME_ALERTS]),
            "open_alert_count": alerts.count(),
        },
    )


def _local_day(now, zone) -> tuple[datetime, datetime]:
    """The instants at which the patient's calendar day begins and ends."""
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _doses_to_show(patient, now) -> dict:
    """Today's doses, and the next one to give: the first without a record from today on.

    A dose of an earlier day that was never recorded is for the ward to sort out; it
    would otherwise stay the patient's "next dose" for good.
    """
    start, end = _local_day(now, patient.zone)
    doses = Dose.objects.for_patient(patient).with_course().with_cycle_total()
    today = list(
        doses.exclude(status=Dose.Status.CANCELLED)
        .exclude(course__status=Course.Status.CANCELLED)
        .due_between(start, end)
        .order_by("planned_at")
    )
    next_dose = doses.recordable().filter(planned_at__gte=start).order_by("planned_at").first()
    return {"next_dose": next_dose, "today": today}


@login_required
@role_required(Role.PATIENT)
def patient_home(request):
    """The next dose (when, how long until, what to do), today's doses, courses, team."""
    patient = get_own_patient(request.user)
    if patient is None:
        return render(request, "accounts/patient_home.html", {"patient": None})
    now = timezone.now()
    courses = list(patient.courses.select_related("template"))
    return render(
        request,
        "accounts/patient_home.html",
        {"patient": patient, "courses": courses, "now": now, **_doses_to_show(patient, now)},
    )


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

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.patients.access import get_own_patient
from tracker.patients.models import Patient

HOME_ALERTS = 20

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
    patients = Patient.objects.visible_to(request.user)
    alerts = (
        Alert.objects.visible_to(request.user)
        .open()
        .select_related("patient", "acknowledged_by", "symptom_report", "adverse_event")
    )
    return render(
        request,
        "accounts/clinician_home.html",
        {
            "patients": patients,
            # The newest few; the alerts page has the rest.
            "alerts": list(alerts[:HOME_ALERTS]),
            "open_alert_count": alerts.count(),
        },
    )


@login_required
@role_required(Role.PATIENT)
def patient_home(request):
    patient = get_own_patient(request.user)
    courses = patient.courses.select_related("template") if patient else []
    return render(request, "accounts/patient_home.html", {"patient": patient, "courses": courses})

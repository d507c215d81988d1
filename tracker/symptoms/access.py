"""Access helpers for side-effect reports: the first call in every symptoms view.

A patient reaches only their own reports.  Another patient's report id is a 404,
so ids cannot be probed; staff on a patient's page get 403 (they have their own).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import CARE_TEAM_ROLES, Role
from tracker.patients.access import get_own_patient
from tracker.patients.models import Patient
from tracker.symptoms.models import ProSymptom, SymptomReport


def get_reporting_patient(user) -> Patient:
    """The patient record a signed-in patient reports for; 404 if no record is linked yet."""
    if user.role != Role.PATIENT:
        raise PermissionDenied
    patient = get_own_patient(user)
    if patient is None:
        raise Http404("Your login is not linked to a patient record yet.")
    return patient


def get_reportable_symptom(slug) -> ProSymptom:
    """A symptom patients may report now; a retired or unknown one is 404."""
    return get_object_or_404(ProSymptom.objects.filter(is_active=True), slug=slug)


def get_own_report(user, pk) -> SymptomReport:
    """One of the signed-in patient's own reports, with what its page shows."""
    if user.role != Role.PATIENT:
        raise PermissionDenied
    return get_object_or_404(
        SymptomReport.objects.visible_to(user)
        .filter(patient__user=user)
        .select_related("patient", "symptom", "dose__course__patient"),
        pk=pk,
    )


def can_review(user) -> bool:
    """Reviewing a patient's report is a clinician's call (on the care team: the scope's job)."""
    return user.role == Role.CLINICIAN


def can_grade(user) -> bool:
    return user.role in CARE_TEAM_ROLES

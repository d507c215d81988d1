"""Reminders are the patient's own choice: only the patient reaches their settings,
always their own record, never one named in the URL.  Staff get 403 (role_required)."""

from django.http import Http404

from tracker.patients.access import get_own_patient
from tracker.patients.models import Patient


def get_own_patient_for_reminders(user) -> Patient:
    patient = get_own_patient(user)
    if patient is None:
        raise Http404("Your login is not linked to a patient record yet.")
    return patient

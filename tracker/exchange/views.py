"""FHIR download of a patient's record."""

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker.accounts.roles import STAFF_ROLES
from tracker.exchange import fhir
from tracker.patients.access import get_patient_for_user

CONTENT_TYPE = "application/fhir+json"
logger = logging.getLogger(__name__)


@login_required
@require_GET
def patient_fhir(request, patient_pk):
    """Everyone who may see the patient may download the record: the care team and admins
    to pass it on, and the patient, whose own data it is (a right of access and portability).
    The patient's copy leaves out the free-text staff notes the app does not show them."""
    patient = get_patient_for_user(request.user, patient_pk)
    try:
        bundle = fhir.patient_bundle(patient, staff_notes=request.user.role in STAFF_ROLES)
    except fhir.ExportInvalid as error:
        # Never hand out FHIR that does not validate; say so, and leave it in the log.
        logger.error("FHIR export of patient %s does not validate: %s", patient.pk, error)
        return render(request, "exchange/export_failed.html", {"patient": patient}, status=500)
    response = HttpResponse(fhir.to_json(bundle).encode(), content_type=CONTENT_TYPE)
    # The MRN is letters, digits and hyphens only (Patient.mrn), so it is safe in the header.
    response["Content-Disposition"] = f'attachment; filename="{patient.mrn}-fhir.json"'
    response["Cache-Control"] = "private, no-store"
    return response

"""The FHIR download: who gets it, what comes back, and a query count that does not grow."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle

from tests.factories import record_given
from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event
from tracker.thyroid.recording import record_result
from tracker.ward.models import DoseRecord
from tracker.ward.recording import record_dose

NOW = "2027-03-30 12:00Z"
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
STAFF_NOTE = "Vomited the premedication"


@pytest.fixture
def course(course, personas):
    """The shared label course with dose 2 not given and a staff note; by NOW all are past."""
    record_dose(
        course.doses.get(dose_in_course=2),
        by=personas.nurse_on_team,
        outcome="not_given",
        not_given_reason="other",
        reason_note=STAFF_NOTE,
    )
    return course


def url(patient):
    return f"/patients/{patient.pk}/fhir.json"


@pytest.mark.parametrize("name", IN_SCOPE)
def test_the_record_downloads_as_fhir_json_in_scope(as_persona, personas, course, name):
    response = as_persona(name).get(url(personas.patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{personas.patient.mrn}-fhir.json"'
    )
    assert response["Cache-Control"] == "private, no-store"
    bundle = Bundle.model_validate(json.loads(response.content))
    patients = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient"]
    assert [p.identifier[0].value for p in patients] == [personas.patient.mrn]


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_record_is_404_out_of_scope(as_persona, personas, course, name):
    assert as_persona(name).get(url(personas.patient)).status_code == 404


def test_the_download_sends_anonymous_visitors_to_login(client, personas):
    response = client.get(url(personas.patient))
    assert response.status_code == 302
    assert response.url == f"/login/?next={url(personas.patient)}"


def test_an_unknown_patient_is_404(as_persona):
    assert as_persona("admin").get("/patients/999999/fhir.json").status_code == 404


def test_the_download_is_get_only(as_persona, personas):
    assert as_persona("admin").post(url(personas.patient)).status_code == 405


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team", "admin"])
def test_staff_get_the_staff_notes(as_persona, personas, course, name):
    assert STAFF_NOTE in as_persona(name).get(url(personas.patient)).content.decode()


def test_the_patients_own_copy_leaves_out_staff_notes(as_persona, personas, course):
    response = as_persona("the_patient").get(url(personas.patient))
    text = response.content.decode()
    assert STAFF_NOTE not in text
    # The coded reason is still there: the patient sees it in the app too.
    assert "Other (see note)" in text


def queries_for(client, patient) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url(patient)).status_code == 200
    return len(context.captured_queries)


def test_the_query_count_does_not_grow_with_the_record(as_persona, personas, course):
    nurse = personas.nurse_on_team
    client = as_persona("nurse_on_team")
    doses = list(course.doses.exclude(dose_in_course=2).order_by("dose_in_course"))
    for dose in doses[:2]:
        record_given(dose, nurse)
    assert DoseRecord.objects.active().for_patient(personas.patient).count() == 3
    few = queries_for(client, personas.patient)

    for dose in doses[2:19]:
        record_given(dose, nurse)
    collected = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
    for value in ("1.2", "4.8", "7.9"):
        record_result(
            personas.patient,
            by=nurse,
            test="tsh",
            value=Decimal(value),
            unit="mIU/L",
            collected_at=collected,
        )
    for grade in (1, 2):
        record_event(
            personas.patient,
            CtcaeTerm.objects.get(version="5.0", term="Fever"),
            by=nurse,
            grade=grade,
            onset_at=collected,
            attribution="possible",
        )
    many = queries_for(client, personas.patient)

    assert DoseRecord.objects.active().for_patient(personas.patient).count() == 20
    assert few == many


def test_a_bundle_that_does_not_validate_is_not_handed_out(as_persona, personas, monkeypatch):
    from tracker.exchange import fhir

    def broken(*args, **kwargs):
        raise fhir.ExportInvalid("Bundle.entry[0]: missing resource")

    monkeypatch.setattr(fhir, "patient_bundle", broken)
    response = as_persona("clinician_on_team").get(f"/patients/{personas.patient.pk}/fhir.json")
    assert response.status_code == 500
    assert "could not be made" in response.text
    assert response["Content-Type"].startswith("text/html")

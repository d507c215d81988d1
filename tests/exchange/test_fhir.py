"""The FHIR R4 export: the demo patient's whole bundle, then each resource builder's edge cases."""

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation

from regimens.courses import (
    cancel_course,
    delay_remaining_doses,
    discontinue_course,
    record_discharge,
)
from regimens.models import Course, Dose
from tests.factories import PatientFactory, make_course, make_user, record_given
from tracker import demo
from tracker.accounts.roles import Role
from tracker.exchange import fhir
from tracker.patients.models import Patient
from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event
from tracker.thyroid import recording as thyroid
from tracker.thyroid.models import ThyroidResult
from tracker.ward.models import DoseRecord
from tracker.ward.recording import correct_record, record_dose

pytestmark = pytest.mark.django_db

# The demo starts DEMO-0001's course "yesterday" at 08:00 New York: 10 March 2027, dose 1
# at 13:00 UTC.  At this instant doses 1-4 are past; the demo records 1 and 2 as given,
# holds 3 after a pre-dose check and leaves 4 for the nurse.
DEMO_NOW = "2027-03-11 15:00Z"
# The factory course also starts 2027-03-10 08:00 New York (13:00 UTC), every 8 h.
NOW = "2027-03-12 12:00Z"
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def references(node) -> list[str]:
    """Every Reference.reference in a JSON tree."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
    elif isinstance(node, list):
        for item in node:
            found += references(item)
    return found


def strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


# The demo patient's bundle -----------------------------------------------------------------


@pytest.fixture
def demo_patient():
    with time_machine.travel(DEMO_NOW, tick=False):
        demo.seed()
        patient = Patient.objects.get(mrn="DEMO-0001")
        # A corrected record: the wrong one stays in the chart, entered in error.
        first = DoseRecord.objects.for_patient(patient).get(dose__dose_in_course=1)
        nurse = first.given_by
        correct_record(
            first,
            by=nurse,
            reason="Wrong start time",
            outcome="given",
            given_at=first.dose.planned_at + timedelta(minutes=20),
            amount_iu=first.amount_iu,
            given_by=nurse,
        )
    return patient


@pytest.fixture
def demo_bundle(demo_patient):
    return json.loads(fhir.to_json(fhir.patient_bundle(demo_patient, staff_notes=True)))


def test_the_demo_bundle_validates_as_fhir(demo_bundle):
    bundle = Bundle.model_validate(demo_bundle)
    assert bundle.type == "collection"
    assert len(bundle.entry) == len(demo_bundle["entry"]) > 5


def test_the_demo_bundle_has_exactly_one_patient_identified_by_mrn(demo_bundle):
    [patient] = resources(demo_bundle, "Patient")
    assert patient["identifier"][0]["system"] == "urn:il2-tracker:mrn"
    assert patient["identifier"][0]["value"] == "DEMO-0001"
    assert patient["name"][0] == {
        "use": "official",
        "text": "Peter Morales",
        "family": "Morales",
        "given": ["Peter"],
    }
    assert patient["gender"] == "male"
    assert patient["birthDate"] == "1968-04-12"


def test_the_demo_bundle_has_a_care_plan_and_an_order_per_course(demo_patient, demo_bundle):
    courses = Course.objects.for_patient(demo_patient).exclude(status="cancelled")
    plans = resources(demo_bundle, "CarePlan")
    orders = resources(demo_bundle, "MedicationRequest")
    assert len(plans) == len(orders) == courses.count() == 1
    assert plans[0]["activity"] == [{"reference": {"reference": f"urn:uuid:{orders[0]['id']}"}}]
    assert orders[0]["basedOn"] == [{"reference": f"urn:uuid:{plans[0]['id']}"}]


def test_the_demo_bundle_has_one_administration_per_recorded_dose(demo_patient, demo_bundle):
    active = DoseRecord.objects.active().for_patient(demo_patient)
    assert DoseRecord.objects.for_patient(demo_patient).count() == 4  # one in error
    assert active.count() == 3
    records = resources(demo_bundle, "MedicationAdministration")
    assert len(records) == active.count()
    assert {a["id"] for a in records} == {str(r.dose.uid) for r in active}
    # The corrected record, not the one entered in error.
    first = next(a for a in records if a["id"] == str(active.get(dose__dose_in_course=1).dose.uid))
    assert first["effectiveDateTime"] == "2027-03-10T08:20:00-05:00"


def test_the_demo_held_dose_is_not_done_with_its_reason(demo_patient, demo_bundle):
    held = DoseRecord.objects.active().for_patient(demo_patient).get(outcome="held")
    [resource] = [
        a for a in resources(demo_bundle, "MedicationAdministration") if a["status"] == "not-done"
    ]
    assert resource["id"] == str(held.dose.uid)
    assert resource["statusReason"] == [
        {
            "coding": [
                {
                    "system": "urn:il2-tracker:hold-reason",
                    "code": "hypotension",
                    "display": "Systolic BP below 90 mmHg",
                }
            ],
            "text": "Systolic BP below 90 mmHg",
        }
    ]
    # Dose 3, planned at 05:00 UTC on 11 March: midnight in New York.
    assert resource["effectiveDateTime"] == "2027-03-11T00:00:00-05:00"
    assert "dosage" not in resource and "performer" not in resource


def test_the_demo_given_doses_are_completed_with_the_amount_and_who_gave_them(demo_bundle):
    given = [
        a for a in resources(demo_bundle, "MedicationAdministration") if a["status"] == "completed"
    ]
    assert len(given) == 2
    for resource in given:
        assert resource["dosage"]["dose"] == {
            "value": 49_440_000,  # 600,000 IU/kg x 82.4 kg
            "unit": "IU",
            "system": "http://unitsofmeasure.org",
            "code": "[iU]",
        }
        assert resource["performer"] == [{"actor": {"display": "Nora Lindqvist"}}]


def test_the_demo_observations_carry_loinc_and_ucum(demo_bundle):
    by_test = {o["code"]["text"]: o for o in resources(demo_bundle, "Observation")}
    # The thyroid tests, the high-dose patient's chart and morning samples.
    assert {"TSH", "Free T4", "Creatinine", "Potassium", "Heart rate", "Weight"} <= set(by_test)
    creatinine = by_test["Creatinine"]
    assert creatinine["code"]["coding"] == [{"system": "http://loinc.org", "code": "2160-0"}]
    assert creatinine["valueQuantity"]["code"] == "mg/dL"
    assert by_test["Heart rate"]["category"][0]["coding"][0]["code"] == "vital-signs"
    tsh, free_t4 = by_test["TSH"], by_test["Free T4"]
    assert tsh["code"]["coding"] == [{"system": "http://loinc.org", "code": "3016-3"}]
    assert tsh["valueQuantity"] == {
        "value": 2.1,
        "unit": "mIU/L",
        "system": "http://unitsofmeasure.org",
        "code": "m[IU]/L",
    }
    assert free_t4["code"]["coding"] == [{"system": "http://loinc.org", "code": "3024-7"}]
    assert free_t4["valueQuantity"]["code"] == "ng/dL"
    assert tsh["interpretation"][0]["coding"][0]["code"] == "N"
    assert tsh["category"][0]["coding"][0]["code"] == "laboratory"
    assert tsh["status"] == "final"


def test_the_demo_adverse_events_carry_the_ctcae_grade_extension(demo_bundle):
    events = {e["event"]["text"]: e for e in resources(demo_bundle, "AdverseEvent")}
    assert set(events) == {"Chills (CTCAE v5.0)", "Hypotension (CTCAE v5.0)"}
    hypotension = events["Hypotension (CTCAE v5.0)"]
    [grade] = hypotension["extension"]
    assert grade["url"] == (
        "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade"
    )
    assert grade["valueCodeableConcept"]["coding"][0]["code"] == "3"
    assert grade["valueCodeableConcept"]["coding"][0]["display"] == (
        "Medical intervention indicated; hospitalization indicated"
    )
    assert hypotension["severity"]["coding"][0]["code"] == "severe"
    chills = events["Chills (CTCAE v5.0)"]
    assert chills["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "2"
    assert chills["severity"]["coding"][0]["code"] == "moderate"
    assert chills["actuality"] == "actual"
    assert chills["recorder"] == {"display": "Nora Lindqvist"}
    assert chills["suspectEntity"][0]["causality"][0]["assessment"]["text"] == "Probable"


def test_every_reference_in_the_demo_bundle_resolves(demo_bundle):
    urls = [e["fullUrl"] for e in demo_bundle["entry"]]
    assert len(urls) == len(set(urls))
    found = references(demo_bundle)
    assert len(found) > 10
    assert set(found) <= set(urls)


def test_every_time_in_the_demo_bundle_has_an_offset(demo_bundle):
    times = [s for s in strings(demo_bundle) if DATE_TIME.match(s)]
    assert len(times) > 10
    assert all(re.search(r"[+-]\d\d:\d\d$", s) for s in times), times


def test_exporting_twice_gives_the_same_bytes(demo_patient):
    first = fhir.to_json(fhir.patient_bundle(demo_patient, staff_notes=True))
    second = fhir.to_json(fhir.patient_bundle(demo_patient, staff_notes=True))
    assert first == second


def test_the_patients_copy_leaves_out_staff_notes(demo_patient):
    staff = fhir.patient_bundle(demo_patient, staff_notes=True)
    own = fhir.patient_bundle(demo_patient)
    [held] = [a for a in resources(staff, "MedicationAdministration") if "note" in a]
    assert held["note"] == [{"text": "Pre-dose check: Systolic BP < 90 mmHg (measured 86)"}]
    assert not any("note" in a for a in resources(own, "MedicationAdministration"))
    assert "Pre-dose check" not in fhir.to_json(own)


# Builders on their own ---------------------------------------------------------------------


@pytest.fixture
def nurse():
    return make_user(Role.NURSE, first_name="Ngozi", last_name="Bello")


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN, first_name="Chidi", last_name="Okafor")


@pytest.fixture
def patient(nurse, clinician):
    return PatientFactory(mrn="MRN-004211", care_team=[nurse, clinician])


@pytest.fixture
def course(patient, clinician, now):
    """Started at the frozen instant, so the tests that use it are marked `now(NOW)`."""
    return make_course(patient, by=clinician)


@pytest.mark.now(NOW)
def test_a_dose_not_given_for_another_reason_carries_the_reason_and_the_note(course, nurse):
    dose = course.doses.get(dose_in_course=2)
    record = record_dose(
        dose,
        by=nurse,
        outcome="not_given",
        not_given_reason="other",
        reason_note="Line occluded, no access until 03:00",
    )
    resource = fhir.medication_administration(record, staff_notes=True)
    assert resource["status"] == "not-done"
    assert resource["statusReason"] == [
        {
            "coding": [
                {
                    "system": "urn:il2-tracker:not-given-reason",
                    "code": "other",
                    "display": "Other (see note)",
                }
            ],
            "text": "Other (see note)",
        }
    ]
    assert resource["note"] == [{"text": "Line occluded, no access until 03:00"}]
    # Dose 2 was planned for 21:00 UTC on 10 March.
    assert resource["effectiveDateTime"] == "2027-03-10T16:00:00-05:00"
    assert resource["request"] == {"reference": f"urn:uuid:{fhir.medication_request_id(course)}"}
    assert "note" not in fhir.medication_administration(record)


@pytest.mark.now(NOW)
def test_a_partial_dose_is_completed_at_the_time_it_started_with_its_real_amount(course, nurse):
    dose = course.doses.get(dose_in_course=1)
    record = record_given(
        dose,
        nurse,
        outcome="partial",
        partial_reason="reaction",
        given_at=dose.planned_at + timedelta(minutes=7),
        amount_iu=Decimal(30_000_000),
        notes="Rigors at 20 min",
    )
    resource = fhir.medication_administration(record)
    assert resource["status"] == "completed"
    assert resource["id"] == str(dose.uid)
    assert resource["effectiveDateTime"] == "2027-03-10T08:07:00-05:00"
    assert resource["dosage"]["dose"]["value"] == 30_000_000
    assert resource["dosage"]["route"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "47625008"}
    ]
    assert resource["performer"] == [{"actor": {"display": "Ngozi Bello"}}]
    assert resource["medicationCodeableConcept"] == {"text": "Aldesleukin (Proleukin)"}
    assert "statusReason" not in resource
    assert fhir.medication_administration(record, staff_notes=True)["note"] == [
        {"text": "Rigors at 20 min"}
    ]


@pytest.mark.now(NOW)
def test_an_interval_course_is_one_timing_per_cycle_in_elapsed_hours(course):
    doses = list(course.doses.order_by("planned_at"))
    order = fhir.medication_request(course, doses)
    MedicationRequest.model_validate(order)
    assert order["status"] == "active"
    assert order["intent"] == "order"
    assert order["medicationCodeableConcept"] == {"text": "Aldesleukin (Proleukin)"}
    assert "coding" not in order["medicationCodeableConcept"]
    first, second = order["dosageInstruction"]
    assert first["sequence"] == 1 and second["sequence"] == 2
    assert first["timing"]["repeat"] == {
        "boundsPeriod": {
            "start": "2027-03-10T08:00:00-05:00",
            # 13 x 8 elapsed hours later; New York moved its clocks on 14 March.
            "end": "2027-03-14T17:00:00-04:00",
        },
        "count": 14,
        "frequency": 1,
        "period": 8,
        "periodUnit": "h",
    }
    assert second["timing"]["repeat"]["boundsPeriod"]["start"] == "2027-03-24T08:00:00-04:00"
    assert first["doseAndRate"] == [
        {
            "doseQuantity": {
                "value": 42_000_000,
                "unit": "IU",
                "system": "http://unitsofmeasure.org",
                "code": "[iU]",
            }
        }
    ]


@pytest.mark.now(NOW)
def test_a_subcutaneous_course_is_one_timing_per_run_of_days_without_weekdays(patient):
    # 10 March 2027 is a Wednesday: the "5 on" days are Wednesday to Sunday.
    course = make_course(patient, slug="sc-5on2off", start="2027-03-10 09:00")
    doses = list(course.doses.order_by("planned_at"))
    instructions = fhir.medication_request(course, doses)["dosageInstruction"]
    # A run per week of injections, and weeks 2-4 split where the dose steps down.
    assert len(instructions) == 7
    starts = [i["timing"]["repeat"]["boundsPeriod"]["start"] for i in instructions]
    assert starts == [
        "2027-03-10T09:00:00-05:00",
        "2027-03-17T09:00:00-04:00",
        "2027-03-19T09:00:00-04:00",
        "2027-03-24T09:00:00-04:00",
        "2027-03-26T09:00:00-04:00",
        "2027-03-31T09:00:00-04:00",
        "2027-04-02T09:00:00-04:00",
    ]
    first = instructions[0]
    assert first["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2027-03-10T09:00:00-05:00", "end": "2027-03-14T09:00:00-04:00"},
        "count": 5,
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "timeOfDay": ["09:00:00"],
    }
    assert all("dayOfWeek" not in i["timing"]["repeat"] for i in instructions)
    # SC has no verified SNOMED code: text only.
    assert first["route"] == {"text": "Subcutaneous (SC)"}
    assert first["doseAndRate"][0]["doseQuantity"]["value"] == 18_000_000
    assert (
        first["text"]
        == "Cycle 1: 5 doses once a day, 10 Mar 2027 09:00 EST to 14 Mar 2027 09:00 EDT"
    )


@pytest.mark.now(NOW)
def test_a_dose_off_the_step_starts_a_new_run(course, clinician, nurse):
    # Dose 1 given, then the doses to come delayed two hours: dose 1 stays where it was.
    with time_machine.travel("2027-03-10 14:00Z", tick=False):
        record_given(course.doses.get(dose_in_course=1), nurse)
        delay_remaining_doses(
            course, datetime(2027, 3, 10, 18, 0), by=clinician, reason="Bed late"
        )
    doses = list(course.doses.exclude(status="cancelled").order_by("planned_at"))
    instructions = fhir.medication_request(course, doses)["dosageInstruction"]
    assert [i["timing"]["repeat"]["count"] for i in instructions] == [1, 13, 14]
    assert instructions[1]["timing"]["repeat"]["boundsPeriod"]["start"] == (
        "2027-03-10T18:00:00-05:00"
    )


@pytest.mark.now(NOW)
def test_a_change_of_amount_starts_a_new_run_with_its_own_dose(patient, clinician):
    course = make_course(patient, slug="sc-5on2off", by=clinician, start="2027-03-08 09:00")
    doses = list(course.doses.order_by("planned_at"))
    order = fhir.medication_request(course, doses)
    first_week, second_week_full, second_week_lower = order["dosageInstruction"][:3]
    amounts = [
        i["doseAndRate"][0]["doseQuantity"]["value"]
        for i in (first_week, second_week_full, second_week_lower)
    ]
    assert amounts == [18_000_000, 18_000_000, 9_000_000]
    assert [i["timing"]["repeat"]["count"] for i in order["dosageInstruction"][:3]] == [5, 2, 3]
    MedicationRequest.model_validate(order)


@pytest.mark.now(NOW)
def test_a_discontinued_course_is_a_revoked_plan_and_a_stopped_order(course, clinician, nurse):
    with time_machine.travel("2027-03-11 12:00Z", tick=False):
        record_given(course.doses.get(dose_in_course=1), nurse)
        discontinue_course(course, by=clinician, code="intubation", note="Ventilated 4 days")
    bundle = fhir.patient_bundle(course.patient)
    [plan] = resources(bundle, "CarePlan")
    [order] = resources(bundle, "MedicationRequest")
    assert plan["status"] == "revoked"
    assert order["status"] == "stopped"
    assert order["statusReason"] == {
        "coding": [
            {
                "system": "urn:il2-tracker:discontinue-reason",
                "code": "intubation",
                "display": "Intubation for more than 72 hours",
            }
        ],
        "text": "Discontinued: Intubation for more than 72 hours. Ventilated 4 days",
    }
    # Doses 2 and 3 were past and stay in the plan; the rest were cancelled.
    assert plan["period"] == {
        "start": "2027-03-10T08:00:00-05:00",
        "end": "2027-03-11T00:00:00-05:00",
    }
    assert [i["timing"]["repeat"]["count"] for i in order["dosageInstruction"]] == [3]


def test_a_course_discharged_before_its_first_dose_is_completed_with_no_doses(patient, clinician):
    course = make_course(patient, by=clinician)
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        record_discharge(course, by=clinician, on=date(2027, 3, 10))
    bundle = fhir.patient_bundle(patient)
    [plan] = resources(bundle, "CarePlan")
    [order] = resources(bundle, "MedicationRequest")
    assert (plan["status"], order["status"]) == ("completed", "completed")
    assert "period" not in plan
    assert [i["text"] for i in order["dosageInstruction"]] == ["No doses planned."]


@pytest.mark.now(NOW)
def test_a_cancelled_course_is_left_out(patient, clinician):
    kept = make_course(patient, by=clinician)
    cancelled = make_course(patient, slug="sc-5on2off", by=clinician, start="2027-06-01 09:00")
    cancel_course(cancelled, by=clinician, reason="Entered for the wrong patient")
    bundle = fhir.patient_bundle(patient)
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert fhir.care_plan_id(kept) in ids
    assert fhir.care_plan_id(cancelled) not in ids
    assert fhir.medication_request_id(cancelled) not in ids
    assert len(resources(bundle, "CarePlan")) == 1


@pytest.mark.now(NOW)
def test_a_tsh_below_the_assays_limit_keeps_its_comparator(patient, nurse):
    result = thyroid.record_result(
        patient,
        by=nurse,
        test="tsh",
        value=Decimal("0.01"),
        qualifier="<",
        unit="mIU/L",
        collected_at=datetime(2027, 3, 11, 13, 30, tzinfo=UTC),
    )
    resource = fhir.observation(result)
    assert resource["valueQuantity"]["comparator"] == "<"
    assert resource["valueQuantity"]["value"] == 0.01
    assert "comparator" not in resource["referenceRange"][0]["low"]
    assert resource["interpretation"][0]["coding"][0]["code"] == "L"
    Observation.model_validate(resource)


@pytest.mark.now(NOW)
def test_a_free_t4_in_pmol_per_litre_has_its_own_loinc(patient, nurse):
    result = thyroid.record_result(
        patient,
        by=nurse,
        test="ft4",
        value=Decimal("25.5"),
        unit="pmol/L",
        collected_at=datetime(2027, 3, 11, 13, 30, tzinfo=UTC),
        note="Haemolysed, repeat",
    )
    resource = fhir.observation(result)
    assert resource["code"] == {
        "coding": [{"system": "http://loinc.org", "code": "14920-3"}],
        "text": "Free T4",
    }
    pmol = {"unit": "pmol/L", "system": "http://unitsofmeasure.org", "code": "pmol/L"}
    assert resource["valueQuantity"] == {"value": 25.5, **pmol}
    assert resource["referenceRange"] == [
        {"low": {"value": 10.296, **pmol}, "high": {"value": 23.166, **pmol}}
    ]
    assert resource["interpretation"][0]["coding"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
            "code": "H",
            "display": "High",
        }
    ]
    assert resource["effectiveDateTime"] == "2027-03-11T08:30:00-05:00"
    assert "note" not in resource
    assert fhir.observation(result, staff_notes=True)["note"] == [{"text": "Haemolysed, repeat"}]


@pytest.mark.now(NOW)
def test_a_result_entered_in_error_is_left_out(patient, nurse):
    collected = datetime(2027, 3, 11, 13, 30, tzinfo=UTC)
    kept, wrong = (
        thyroid.record_result(
            patient, by=nurse, test="tsh", value=value, unit="mIU/L", collected_at=collected
        )
        for value in (Decimal("1.5"), Decimal("15"))
    )
    thyroid.mark_entered_in_error(wrong, by=nurse, reason="Another patient's sample")
    observations = resources(fhir.patient_bundle(patient), "Observation")
    assert [o["id"] for o in observations] == [fhir.observation_id(kept)]
    assert ThyroidResult.objects.for_patient(patient).count() == 2


def fever(patient, nurse, grade, **fields):
    fields.setdefault("onset_at", datetime(2027, 3, 11, 14, 0, tzinfo=UTC))
    return record_event(
        patient,
        CtcaeTerm.objects.get(version="5.0", term="Fever"),
        by=nurse,
        grade=grade,
        attribution=fields.pop("attribution", "possible"),
        **fields,
    )


@pytest.mark.now(NOW)
@pytest.mark.parametrize(
    "grade, severity", [(1, "mild"), (2, "moderate"), (3, "severe"), (4, "severe"), (5, "severe")]
)
def test_the_ctcae_grade_sets_the_r4_severity(patient, nurse, grade, severity):
    resource = fhir.adverse_event(fever(patient, nurse, grade, dose=None))
    assert resource["severity"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
        "code": severity,
        "display": severity.capitalize(),
    }
    assert resource["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == str(grade)
    assert ("outcome" in resource) is (grade == 5)


@pytest.mark.now(NOW)
def test_an_adverse_event_after_a_given_dose_suspects_that_administration(course, nurse):
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, nurse)
    event = fever(patient=course.patient, nurse=nurse, grade=2, attribution="probable")
    assert event.dose == dose
    bundle = fhir.patient_bundle(course.patient)
    [resource] = resources(bundle, "AdverseEvent")
    [suspect] = resource["suspectEntity"]
    assert suspect["instance"] == {
        "reference": f"urn:uuid:{dose.uid}",
        "display": "Aldesleukin (Proleukin)",
    }
    assert suspect["causality"] == [
        {
            "assessment": {
                "coding": [
                    {
                        "system": "urn:il2-tracker:attribution",
                        "code": "probable",
                        "display": "Probable",
                    }
                ],
                "text": "Probable",
            }
        }
    ]
    assert resource["date"] == "2027-03-11T09:00:00-05:00"


@pytest.mark.now(NOW)
def test_an_adverse_event_with_no_dose_given_suspects_the_drug_by_name(patient, nurse):
    resolved = datetime(2027, 3, 11, 20, 0, tzinfo=UTC)
    resource = fhir.adverse_event(fever(patient, nurse, 1, dose=None, resolved_at=resolved))
    assert resource["suspectEntity"][0]["instance"] == {"display": "Aldesleukin (Proleukin)"}
    assert resource["outcome"]["coding"][0]["code"] == "resolved"


@pytest.mark.parametrize(
    "sex, gender",
    [("female", "female"), ("male", "male"), ("other", "other"), ("unknown", "unknown")],
)
def test_the_patients_sex_is_their_fhir_gender(sex, gender):
    patient = PatientFactory(sex=sex)
    assert fhir.patient_resource(patient)["gender"] == gender


@pytest.mark.now(NOW)
def test_ids_are_uuid5s_of_the_kind_and_key_as_documented(course):
    recipe = uuid.uuid5(uuid.NAMESPACE_URL, f"il2-tracker:careplan:{course.pk}")
    assert fhir.care_plan_id(course) == str(recipe)
    assert fhir.medication_request_id(course) != fhir.care_plan_id(course)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="naive"):
        fhir.date_time(datetime(2027, 3, 10, 8, 0), Patient(time_zone="UTC").zone)


def test_a_bundle_that_does_not_validate_is_refused_in_one_line():
    with pytest.raises(fhir.ExportInvalid) as refusal:
        fhir.validate({"resourceType": "Bundle", "type": "collection", "entry": [{"bogus": 1}]})
    assert "\n" not in str(refusal.value)
    assert "entry.0.bogus" in str(refusal.value)


@pytest.mark.now(NOW)
def test_doses_of_the_course_are_not_queried_one_by_one(course, nurse, django_assert_num_queries):
    for dose in Dose.objects.filter(course=course, dose_in_course__lte=5):
        record_given(dose, nurse)
    with django_assert_num_queries(8):
        fhir.patient_bundle(course.patient)


# An injection the patient recorded at home -------------------------------------------------


def test_a_patients_own_injection_names_the_patient_as_performer_and_the_site(personas):
    from fhir.resources.R4B.medicationadministration import MedicationAdministration

    from tests.factories import make_home_course
    from tracker.ward.recording import record_own_dose

    patient = personas.patient
    dose = make_home_course(patient, start="2027-03-01 09:00").doses.get(dose_in_course=1)
    with time_machine.travel("2027-03-01 14:05Z", tick=False):
        record = record_own_dose(
            dose,
            by=patient.user,
            outcome="given",
            given_at=datetime(2027, 3, 1, 14, 5, tzinfo=UTC),
            injection_site="left_thigh",
        )
    (given,) = resources(fhir.patient_bundle(patient), "MedicationAdministration")
    MedicationAdministration.model_validate(given)
    assert given["performer"] == [{"actor": fhir.subject(patient.pk)}]
    assert (
        given["dosage"]["site"]
        == {"text": "Left thigh"}
        == {"text": record.get_injection_site_display()}
    )

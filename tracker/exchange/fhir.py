"""FHIR R4 export of one patient's record, as a Bundle of type "collection".

One plain function per resource, each taking the app's objects and returning a
JSON-ready dict; ``patient_bundle`` loads a patient's records in a fixed number
of queries, puts the resources together and validates the Bundle before it
leaves the app.  docs/fhir.md says what is exported, how and why.

Re-exporting the same data gives the same bytes: every id comes from the
object's own UUID (a dose's ``uid``) or is a uuid5 of "il2-tracker:<kind>:<pk>",
entries are in a fixed order, and the Bundle carries no export timestamp.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from zoneinfo import ZoneInfo

# fhir.resources has no plain R4 (4.0.1) package.  R4B (4.3.0) is wire-compatible with R4
# for every resource and element written here (Patient, CarePlan, MedicationRequest,
# MedicationAdministration, Observation, AdverseEvent, Bundle), so R4B validates our R4 JSON.
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from regimens.models import Course, Dose, RegimenTemplate
from tracker.observations import lab
from tracker.observations.models import LabResult, VitalSigns, WeightEntry
from tracker.patients.models import Patient
from tracker.symptoms.models import AdverseEvent
from tracker.thyroid.models import ThyroidResult
from tracker.ward.models import DoseRecord

# Our own identifier and code systems.  Informal URNs: a deployment that shares bundles
# outside the hospital should swap them for URLs or OIDs the hospital owns (docs/fhir.md).
MRN_SYSTEM = "urn:il2-tracker:mrn"
HOLD_REASON_SYSTEM = "urn:il2-tracker:hold-reason"
NOT_GIVEN_REASON_SYSTEM = "urn:il2-tracker:not-given-reason"
DISCONTINUE_REASON_SYSTEM = "urn:il2-tracker:discontinue-reason"
ATTRIBUTION_SYSTEM = "urn:il2-tracker:attribution"
CTCAE_GRADE_SYSTEM = "urn:il2-tracker:ctcae-grade"

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
AE_GRADE_EXTENSION = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade"
# FHIR R4's own vital-signs profiles, http://hl7.org/fhir/StructureDefinition/<name>.
PROFILE = "http://hl7.org/fhir/StructureDefinition/"

# The international unit in UCUM; the dose is always sent in whole IU.
IU = {"unit": "IU", "system": UCUM, "code": "[iU]"}
# SNOMED CT "intravenous route" was seen in a FHIR example (docs/clinical-sources.md §4).  The code for
# subcutaneous (34206005) was not verified, so SC goes as text only.
ROUTE_CODES = {RegimenTemplate.Route.IV: "47625008"}

GENDER = {
    Patient.Sex.FEMALE: "female",
    Patient.Sex.MALE: "male",
    Patient.Sex.OTHER: "other",
    Patient.Sex.UNKNOWN: "unknown",
}

# Course status -> (CarePlan.status, MedicationRequest.status).  A discontinued course ended
# before its plan was carried out: "revoked" and "stopped" say exactly that.  Cancelled
# courses are not exported at all (see COURSES_EXPORTED).
COURSE_STATUS = {
    Course.Status.OPEN: ("active", "active"),
    Course.Status.COMPLETED: ("completed", "completed"),
    Course.Status.DISCONTINUED: ("revoked", "stopped"),
}
# A course is cancelled only when it was entered by mistake and nothing was recorded
# (regimens.courses.cancel_course), so it is not part of the patient's treatment.
COURSES_EXPORTED = list(COURSE_STATUS)

INTERPRETATION_CODES = {
    lab.Flag.LOW: ("L", "Low"),
    lab.Flag.NORMAL: ("N", "Normal"),
    lab.Flag.HIGH: ("H", "High"),
}

AE_GRADE_SEVERITY = {1: ("mild", "Mild"), 2: ("moderate", "Moderate")}
AE_SEVERE = ("severe", "Severe")

DEFAULT_DRUG = RegimenTemplate._meta.get_field("drug").default


class ExportInvalid(ValueError):
    """The bundle built does not validate as FHIR; the message is one line."""


# Ids, references and values ----------------------------------------------------------------


def stable_id(kind: str, pk) -> str:
    """The same UUID for the same object on every export: uuid5 of "il2-tracker:<kind>:<pk>"."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"il2-tracker:{kind}:{pk}"))


def full_url(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def reference(resource_id: str) -> dict:
    return {"reference": full_url(resource_id)}


def patient_id(patient) -> str:
    return stable_id("patient", patient.pk)


def subject(patient_pk) -> dict:
    """The reference to the patient, from the key alone, so no builder needs to load it."""
    return reference(stable_id("patient", patient_pk))


def care_plan_id(course) -> str:
    return stable_id("careplan", course.pk)


def medication_request_id(course) -> str:
    return stable_id("medicationrequest", course.pk)


def administration_id(dose) -> str:
    # The dose's own UUID: a corrected record keeps the id of the one it replaces, so a
    # receiver updates the administration instead of holding two for one dose.
    return str(dose.uid)


def observation_id(result) -> str:
    return stable_id("observation", result.pk)


def lab_result_id(result) -> str:
    return stable_id("labresult", result.pk)


def vital_sign_id(entry, sign) -> str:
    """One id per measure of a set: BP, pulse and SpO₂ taken together are three Observations."""
    return stable_id(f"vitalsigns-{sign.profile}", entry.pk)


def weight_id(entry) -> str:
    return stable_id("weight", entry.pk)


def adverse_event_id(event) -> str:
    return stable_id("adverseevent", event.pk)


def date_time(moment: datetime, zone: ZoneInfo) -> str:
    """An instant as FHIR dateTime: local clock with its UTC offset, whole seconds."""
    if moment.tzinfo is None:
        raise ValueError(f"A naive datetime cannot be exported: {moment.isoformat()}")
    return moment.astimezone(zone).isoformat(timespec="seconds")


def number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: whole numbers as int, others as the shortest float.

    Stored values have at most 10 significant digits, so the float prints back as the
    same decimal digits (json writes floats with repr, which round-trips exactly).
    """
    value = value.normalize()
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def coded(system: str, code: str, label: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": label}], "text": label}


def person(user) -> dict:
    """A display-only reference: the app has no Practitioner resources to point at."""
    return {"display": str(user)}


def route(template) -> dict:
    text = template.get_route_display()
    code = ROUTE_CODES.get(template.route)
    if code is None:
        return {"text": text}
    return {"coding": [{"system": SNOMED, "code": code}], "text": text}


def notes(*texts: str) -> list[dict]:
    return [{"text": text.strip()} for text in texts if text and text.strip()]


# Vital signs: codes and units -----------------------------------------------------------


@dataclass(frozen=True)
class VitalSign:
    """How one charted measure goes out: its LOINC codes, UCUM unit and R4 profile.

    The codes, displays, units and profiles are those of FHIR R4's vital-signs profiles
    (docs/clinical-sources.md §4).  A measure sent only as a component has no profile.
    """

    codes: tuple[tuple[str, str], ...]
    text: str
    unit: str = ""
    ucum: str = ""
    profile: str = ""

    @property
    def code(self) -> dict:
        coding = [{"system": LOINC, "code": code, "display": label} for code, label in self.codes]
        return {"coding": coding, "text": self.text}

    def quantity(self, value: int | Decimal) -> dict:
        amount = value if isinstance(value, int) else number(value)
        return {"value": amount, "unit": self.unit, "system": UCUM, "code": self.ucum}


MM_HG = {"unit": "mmHg", "ucum": "mm[Hg]"}
PER_MINUTE = {"unit": "/min", "ucum": "/min"}

# The panel has no value of its own: systolic and diastolic are its components.
BLOOD_PRESSURE = VitalSign(
    (("85354-9", "Blood pressure panel with all children optional"),),
    "Blood pressure",
    profile="bp",
)
SYSTOLIC = VitalSign((("8480-6", "Systolic blood pressure"),), "Systolic BP", **MM_HG)
DIASTOLIC = VitalSign((("8462-4", "Diastolic blood pressure"),), "Diastolic BP", **MM_HG)
HEART_RATE = VitalSign(
    (("8867-4", "Heart rate"),), "Heart rate", **PER_MINUTE, profile="heartrate"
)
RESPIRATORY_RATE = VitalSign(
    (("9279-1", "Respiratory rate"),), "Respiratory rate", **PER_MINUTE, profile="resprate"
)
# The R4 profile fixes 2708-6; 59408-5 adds that it was read by pulse oximetry, as on the ward.
OXYGEN_SATURATION = VitalSign(
    (
        ("2708-6", "Oxygen saturation in Arterial blood"),
        ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
    ),
    "SpO₂",
    unit="%",
    ucum="%",
    profile="oxygensat",
)
OXYGEN_FLOW = VitalSign(
    (("3151-8", "Inhaled oxygen flow rate"),), "Oxygen flow", unit="L/min", ucum="L/min"
)
BODY_TEMPERATURE = VitalSign(
    (("8310-5", "Body temperature"),), "Temperature", unit="°C", ucum="Cel", profile="bodytemp"
)
BODY_WEIGHT = VitalSign(
    (("29463-7", "Body weight"),), "Weight", unit="kg", ucum="kg", profile="bodyweight"
)


# Timing --------------------------------------------------------------------------------------


def dose_runs(course, doses) -> list[list]:
    """The course's doses cut into runs that one Timing.repeat states exactly.

    Every-N-hours regimens: a run is a cycle, its doses N elapsed hours apart.  Day patterns:
    a run is a stretch of consecutive days at the same wall-clock time, so "5 days on / 2 off"
    is one run per week of injections, whatever weekday the course started on.  A dose that
    breaks the step (a course moved after some doses were recorded, a DST gap) or changes
    the amount (a dose step, docs/dosing.md) starts a new run, so a receiver never has to
    guess.
    """
    interval = course.rule["mode"] == RegimenTemplate.Mode.INTERVAL
    step = timedelta(hours=course.rule["every_hours"]) if interval else timedelta(days=1)

    def follows(previous, dose) -> bool:
        if previous.cycle != dose.cycle or previous.prescribed_iu != dose.prescribed_iu:
            return False
        if interval:
            return dose.planned_at - previous.planned_at == step
        before, after = previous.local_time(course.time_zone), dose.local_time(course.time_zone)
        return after.date() - before.date() == step and after.time() == before.time()

    runs: list[list] = []
    for dose in doses:
        if runs and follows(runs[-1][-1], dose):
            runs[-1].append(dose)
        else:
            runs.append([dose])
    return runs


def timing(course, run) -> dict:
    zone = ZoneInfo(course.time_zone)
    first, last = run[0], run[-1]
    repeat = {
        "boundsPeriod": {
            "start": date_time(first.planned_at, zone),
            "end": date_time(last.planned_at, zone),
        },
        "count": len(run),
        "frequency": 1,
    }
    if course.rule["mode"] == RegimenTemplate.Mode.INTERVAL:
        repeat |= {"period": course.rule["every_hours"], "periodUnit": "h"}
    else:
        # The wall-clock time, so "once a day" keeps the same local time through DST.
        local = first.local_time(course.time_zone)
        repeat |= {"period": 1, "periodUnit": "d", "timeOfDay": [local.strftime("%H:%M:%S")]}
    return {"repeat": repeat}


def _when(dose, zone: ZoneInfo) -> str:
    return f"{dose.planned_at.astimezone(zone):%d %b %Y %H:%M %Z}"


def dosage_text(course, run) -> str:
    zone = ZoneInfo(course.time_zone)
    first, last = run[0], run[-1]
    if course.rule["mode"] == RegimenTemplate.Mode.INTERVAL:
        how = f"every {course.rule['every_hours']} h"
    else:
        how = "once a day"
    doses = f"{len(run)} dose{'s' if len(run) > 1 else ''}"
    span = _when(first, zone) if first is last else f"{_when(first, zone)} to {_when(last, zone)}"
    return f"Cycle {first.cycle}: {doses} {how}, {span}"


def dose_and_rate(amount_iu) -> list[dict]:
    return [{"doseQuantity": {"value": number(amount_iu), **IU}}]


def dosage_instructions(course, doses) -> list[dict]:
    runs = dose_runs(course, doses)
    if not runs:
        return [
            {
                "text": "No doses planned.",
                "route": route(course.template),
                "doseAndRate": dose_and_rate(course.dose_iu),
            }
        ]
    return [
        {
            "sequence": sequence,
            "text": dosage_text(course, run),
            "timing": timing(course, run),
            "route": route(course.template),
            "doseAndRate": dose_and_rate(run[0].prescribed_iu),
        }
        for sequence, run in enumerate(runs, start=1)
    ]


# Resources -----------------------------------------------------------------------------------


def patient_resource(patient) -> dict:
    return {
        "resourceType": "Patient",
        "id": patient_id(patient),
        "identifier": [
            {
                "use": "usual",
                "type": coded(IDENTIFIER_TYPE, "MR", "Medical record number"),
                "system": MRN_SYSTEM,
                "value": patient.mrn,
            }
        ],
        "name": [
            {
                "use": "official",
                "text": patient.full_name,
                "family": patient.family_name,
                "given": [patient.given_name],
            }
        ],
        "gender": GENDER[patient.sex],
        "birthDate": patient.date_of_birth.isoformat(),
    }


def _period(course, doses) -> dict:
    if not doses:
        return {}
    zone = ZoneInfo(course.time_zone)
    return {
        "period": {
            "start": date_time(doses[0].planned_at, zone),
            "end": date_time(doses[-1].planned_at, zone),
        }
    }


def _plan_description(course) -> str:
    cycles = f"{course.cycles} cycle{'s' if course.cycles > 1 else ''}"
    return f"{course.template.name}: {course.describe_rule()}; {cycles}."


def care_plan(course, doses) -> dict:
    """The course as a plan; `doses` are its doses still in the plan (not cancelled), in order."""
    zone = ZoneInfo(course.time_zone)
    return {
        "resourceType": "CarePlan",
        "id": care_plan_id(course),
        "status": COURSE_STATUS[course.status][0],
        "intent": "plan",
        "title": course.template.name,
        "description": _plan_description(course),
        "subject": subject(course.patient_id),
        **_period(course, doses),
        "created": date_time(course.created, zone),
        "author": person(course.created_by),
        "activity": [{"reference": reference(medication_request_id(course))}],
    }


def medication_request(course, doses) -> dict:
    """The course as one order; `doses` are its doses still in the plan, in order."""
    zone = ZoneInfo(course.time_zone)
    resource = {
        "resourceType": "MedicationRequest",
        "id": medication_request_id(course),
        "status": COURSE_STATUS[course.status][1],
    }
    if course.status == Course.Status.DISCONTINUED:
        label = course.get_discontinue_reason_display()
        reason = coded(DISCONTINUE_REASON_SYSTEM, course.discontinue_reason, label)
        # The course's own reason line, with the clinician's note, as every user sees it.
        reason["text"] = course.status_reason or label
        resource["statusReason"] = reason
    dose = course.dose_calculation()
    return resource | {
        "intent": "order",
        # RxNorm codes for aldesleukin are not verified (docs/clinical-sources.md §4): text only.
        "medicationCodeableConcept": {"text": course.template.drug},
        "subject": subject(course.patient_id),
        "authoredOn": date_time(course.created, zone),
        "requester": person(course.created_by),
        "basedOn": [reference(care_plan_id(course))],
        "note": [{"text": f"Dose per administration: {dose.basis()}."}],
        "dosageInstruction": dosage_instructions(course, doses),
    }


def medication_administration(record, *, staff_notes: bool = False) -> dict:
    """One active dose record.  Needs record.dose.course.template and record.given_by loaded."""
    dose = record.dose
    course = dose.course
    zone = ZoneInfo(course.time_zone)
    resource = {
        "resourceType": "MedicationAdministration",
        "id": administration_id(dose),
    }
    # A partial dose was administered: completed, with the amount that went in.
    received = record.outcome in DoseRecord.RECEIVED
    if received:
        resource |= {"status": "completed"}
    else:
        held = record.outcome == DoseRecord.Outcome.HELD
        system = HOLD_REASON_SYSTEM if held else NOT_GIVEN_REASON_SYSTEM
        code = record.hold_reason if held else record.not_given_reason
        label = record.get_hold_reason_display() if held else record.get_not_given_reason_display()
        resource |= {"status": "not-done", "statusReason": [coded(system, code, label)]}
    resource |= {
        "medicationCodeableConcept": {"text": course.template.drug},
        "subject": subject(course.patient_id),
        # Not given: the time it was planned for, as the one instant the record is about.
        "effectiveDateTime": date_time(record.given_at or dose.planned_at, zone),
    }
    if received:
        # A patient who injects at home is the performer, as the Patient resource.
        actor = subject(course.patient_id) if record.by_the_patient else person(record.given_by)
        resource["performer"] = [{"actor": actor}]
    resource["request"] = reference(medication_request_id(course))
    if staff_notes and (texts := notes(record.reason_note, record.notes)):
        resource["note"] = texts
    if received:
        resource["dosage"] = {
            "route": route(course.template),
            "dose": {"value": number(record.amount_iu), **IU},
        }
        if record.injection_site:
            resource["dosage"]["site"] = {"text": record.get_injection_site_display()}
    return resource


def _quantity(value: Decimal, unit: lab.Unit, comparator: str = "") -> dict:
    """A UCUM quantity; a result beyond the assay's limit ("<0.01") keeps its comparator."""
    quantity = {"value": number(value), "unit": unit.label, "system": UCUM, "code": unit.code}
    return {"comparator": comparator, **quantity} if comparator else quantity


def _laboratory(result, resource_id: str, collected_at, *, with_note: bool) -> dict:
    """A lab result (a thyroid or a ward result, both LabValues) as a laboratory Observation."""
    unit = result.spec.unit(result.unit)
    zone = result.patient.zone
    resource = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [coded(OBSERVATION_CATEGORY, "laboratory", "Laboratory")],
        # LOINC displays are not all verified (docs/clinical-sources.md §3): the code and our name.
        "code": {
            "coding": [{"system": LOINC, "code": unit.loinc}],
            "text": result.get_test_display(),
        },
        "subject": subject(result.patient_id),
        "effectiveDateTime": date_time(collected_at, zone),
        "issued": date_time(result.recorded_at, zone),
        "valueQuantity": _quantity(result.value, unit, comparator=result.qualifier),
        "interpretation": [coded(INTERPRETATION, *INTERPRETATION_CODES[lab.Flag(result.flag)])],
    }
    if with_note and (texts := notes(result.note)):
        resource["note"] = texts
    limits = {
        name: _quantity(limit, unit)
        for name, limit in (("low", result.range_low), ("high", result.range_high))
        if limit is not None
    }
    if limits:
        resource["referenceRange"] = [limits]
    return resource


def observation(result, *, staff_notes: bool = False) -> dict:
    """One active thyroid result; its note is for staff, as the thyroid pages show it."""
    return _laboratory(result, observation_id(result), result.collected_at, with_note=staff_notes)


def lab_observation(result) -> dict:
    """One active result of the ward's laboratory tests; `taken_at` is when it was collected.

    Its note goes to everyone: the chart's labs page shows it to the patient.
    """
    return _laboratory(result, lab_result_id(result), result.taken_at, with_note=True)


def _charted(entry, sign: VitalSign, resource_id: str, value: dict) -> dict:
    """An entry of the observation chart as an Observation of `sign`'s vital-signs profile.

    `value` is its valueQuantity, or its components.  Needs entry.patient and
    entry.recorded_by loaded.  The note goes to everyone: the chart shows it to the patient.
    """
    zone = entry.patient.zone
    resource = {
        "resourceType": "Observation",
        "id": resource_id,
        "meta": {"profile": [PROFILE + sign.profile]},
        "status": "final",
        "category": [coded(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")],
        "code": sign.code,
        "subject": subject(entry.patient_id),
        "effectiveDateTime": date_time(entry.taken_at, zone),
        "issued": date_time(entry.recorded_at, zone),
        # Whoever charted it: the chart does not record a separate "measured by".  A
        # reading the patient took at home is the patient's own.
        "performer": [
            subject(entry.patient_id) if entry.is_patient_reported else person(entry.recorded_by)
        ],
        **value,
    }
    if texts := notes(entry.note):
        resource["note"] = texts
    return resource


def _measured(sign: VitalSign, value) -> dict:
    return {"valueQuantity": sign.quantity(value)}


def _component(sign: VitalSign, value) -> dict:
    return {"code": sign.code, "valueQuantity": sign.quantity(value)}


def vital_signs(entry) -> list[dict]:
    """One active set of vital signs as one Observation per measure taken, in a fixed order.

    The neuro check, the rhythm and the oxygen device have no verified codes, and MAP is
    our estimate from the cuff, so none of them is sent (docs/fhir.md).
    """

    def charted(sign, value) -> dict:
        return _charted(entry, sign, vital_sign_id(entry, sign), value)

    found = []
    if entry.systolic_bp is not None:
        components = [
            _component(SYSTOLIC, entry.systolic_bp),
            _component(DIASTOLIC, entry.diastolic_bp),
        ]
        found.append(charted(BLOOD_PRESSURE, {"component": components}))
    if entry.heart_rate is not None:
        found.append(charted(HEART_RATE, _measured(HEART_RATE, entry.heart_rate)))
    if entry.respiratory_rate is not None:
        found.append(
            charted(RESPIRATORY_RATE, _measured(RESPIRATORY_RATE, entry.respiratory_rate))
        )
    if entry.spo2 is not None:
        value = _measured(OXYGEN_SATURATION, entry.spo2)
        # On room air there is no flow: the SpO₂ stands alone.
        if entry.oxygen_flow_l_min is not None:
            value["component"] = [_component(OXYGEN_FLOW, entry.oxygen_flow_l_min)]
        found.append(charted(OXYGEN_SATURATION, value))
    if entry.temperature_c is not None:
        found.append(charted(BODY_TEMPERATURE, _measured(BODY_TEMPERATURE, entry.temperature_c)))
    return found


def body_weight(entry) -> dict:
    """One active weight entry.  Needs entry.patient and entry.recorded_by loaded."""
    return _charted(entry, BODY_WEIGHT, weight_id(entry), _measured(BODY_WEIGHT, entry.weight_kg))


def _severity(grade: int) -> dict:
    return coded(AE_SEVERITY, *AE_GRADE_SEVERITY.get(grade, AE_SEVERE))


def adverse_event(event, *, given_doses=frozenset()) -> dict:
    """A staff CTCAE entry.  `given_doses`: ids of doses whose given record is in the bundle.

    The suspect is that dose's administration when the entry is linked to a dose given;
    otherwise the drug by name.
    """
    zone = event.patient.zone
    drug = event.dose.course.template.drug if event.dose else DEFAULT_DRUG
    if event.dose_id in given_doses:
        instance = reference(administration_id(event.dose)) | {"display": drug}
    else:
        instance = {"display": drug}
    attribution = coded(ATTRIBUTION_SYSTEM, event.attribution, event.get_attribution_display())
    resource = {
        "resourceType": "AdverseEvent",
        "id": adverse_event_id(event),
        "extension": [
            {
                "url": AE_GRADE_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": CTCAE_GRADE_SYSTEM,
                            "code": str(event.grade),
                            "display": event.grade_text,
                        }
                    ],
                    "text": f"Grade {event.grade}",
                },
            }
        ],
        "actuality": "actual",
        "event": {"text": f"{event.term.term} (CTCAE v{event.ctcae_version})"},
        "subject": subject(event.patient_id),
        "date": date_time(event.onset_at, zone),
        "recordedDate": date_time(event.recorded_at, zone),
        "severity": _severity(event.grade),
    }
    # Grade 5 is death related to the event, by CTCAE's definition.
    if event.grade == 5:
        resource["outcome"] = coded(AE_OUTCOME, "fatal", "Fatal")
    elif event.resolved_at:
        resource["outcome"] = coded(AE_OUTCOME, "resolved", "Resolved")
    return resource | {
        "recorder": person(event.recorded_by),
        "suspectEntity": [{"instance": instance, "causality": [{"assessment": attribution}]}],
    }


# The bundle ----------------------------------------------------------------------------------


def _entry(resource: dict) -> dict:
    return {"fullUrl": full_url(resource["id"]), "resource": resource}


def patient_bundle(patient, *, staff_notes: bool = False) -> dict:
    """The patient's record as a validated FHIR R4 Bundle (type "collection").

    At most eight queries, whatever the number of doses, results and chart entries.  Records
    entered in error and cancelled courses are left out.  Free-text staff notes (a record's
    notes and reason note, a thyroid result's note) go in only with `staff_notes`: the app
    does not show them to patients.  The notes on the observation chart (vital signs,
    weights, lab results) go to everyone, as the chart shows them.
    """
    courses = list(
        Course.objects.for_patient(patient)
        .filter(status__in=COURSES_EXPORTED)
        .select_related("template", "created_by")
        .order_by("start_date", "start_time", "pk")
    )
    planned = (
        Dose.objects.filter(course__in=courses)
        .exclude(status=Dose.Status.CANCELLED)
        .order_by("course_id", "planned_at", "pk")
    )
    doses = {course_id: list(rows) for course_id, rows in groupby(planned, lambda d: d.course_id)}
    records = list(
        DoseRecord.objects.active()
        .filter(dose__course__in=courses)
        .select_related("dose__course__template", "given_by")
        .order_by("dose__planned_at", "pk")
    )
    results = (
        ThyroidResult.objects.active().for_patient(patient).order_by("collected_at", "test", "pk")
    )
    lab_results = (
        LabResult.objects.active().for_patient(patient).order_by("taken_at", "test", "pk")
    )
    vital_sign_sets = (
        VitalSigns.objects.active()
        .for_patient(patient)
        .select_related("recorded_by")
        .order_by("taken_at", "pk")
    )
    weights = (
        WeightEntry.objects.active()
        .for_patient(patient)
        .select_related("recorded_by")
        .order_by("taken_at", "pk")
    )
    events = (
        AdverseEvent.objects.active()
        .for_patient(patient)
        .select_related("term", "recorded_by", "dose__course__template")
        .order_by("onset_at", "pk")
    )
    given = frozenset(r.dose_id for r in records if r.outcome == DoseRecord.Outcome.GIVEN)

    resources = [patient_resource(patient)]
    for course in courses:
        course_doses = doses.get(course.pk, [])
        resources += [care_plan(course, course_doses), medication_request(course, course_doses)]
    resources += [medication_administration(r, staff_notes=staff_notes) for r in records]
    for result in results:
        result.patient = patient
        resources.append(observation(result, staff_notes=staff_notes))
    for result in lab_results:
        result.patient = patient
        resources.append(lab_observation(result))
    for entry in vital_sign_sets:
        entry.patient = patient
        resources += vital_signs(entry)
    for entry in weights:
        entry.patient = patient
        resources.append(body_weight(entry))
    for event in events:
        event.patient = patient
        resources.append(adverse_event(event, given_doses=given))

    bundle = {
        "resourceType": "Bundle",
        "id": stable_id("bundle", patient.pk),
        "type": "collection",
        "entry": [_entry(resource) for resource in resources],
    }
    validate(bundle)
    return bundle


def validate(bundle: dict) -> None:
    """Raise ExportInvalid unless fhir.resources (R4B) accepts the bundle."""
    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ExportInvalid(
            f"The FHIR export does not validate: {where}: {first['msg']}"
        ) from error


def to_json(bundle: dict) -> str:
    """The bundle as the file we hand out: UTF-8 JSON, indented, ending in a newline."""
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"

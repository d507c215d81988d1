"""The observation chart in the FHIR export: vital signs and weights as R4 vital-signs
Observations, the ward's lab results as laboratory Observations."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.exchange import fhir
from tracker.observations import charting, labs
from tracker.observations.fluids import chart_weight
from tracker.observations.models import LabResult, VitalSigns, WeightEntry
from tracker.observations.vitals import chart_vitals
from tracker.thyroid import recording as thyroid
from tracker.thyroid.models import ThyroidResult

pytestmark = pytest.mark.django_db

D = Decimal
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs",
            "display": "Vital Signs",
        }
    ],
    "text": "Vital Signs",
}
# 08:30 in New York (EST, UTC-5) on 11 March 2027.
TAKEN = datetime(2027, 3, 11, 13, 30, tzinfo=UTC)
FULL_SET = {
    "systolic_bp": 118,
    "diastolic_bp": 74,
    "heart_rate": 88,
    "rhythm": "sinus",
    "respiratory_rate": 16,
    "spo2": 94,
    "oxygen_device": "nasal_cannula",
    "oxygen_flow_l_min": D("2.5"),
    "temperature_c": D("38.4"),
    "alert_oriented": True,
    "cognitive_test": "passed",
    "sedation": "alert",
}


@pytest.fixture
def nurse():
    return make_user(Role.NURSE, first_name="Ngozi", last_name="Bello")


@pytest.fixture
def patient(nurse):
    return PatientFactory(mrn="MRN-004211", time_zone="America/New_York", care_team=[nurse])


def chart(patient, nurse, *, taken_at=TAKEN, **values) -> VitalSigns:
    return chart_vitals(
        patient, by=nurse, taken_at=taken_at, now=taken_at + timedelta(minutes=5), **values
    )


def weigh(patient, nurse, weight_kg, *, taken_at=TAKEN, note=""):
    return chart_weight(
        patient,
        by=nurse,
        weight_kg=weight_kg,
        taken_at=taken_at,
        note=note,
        now=taken_at + timedelta(minutes=5),
    )


def lab(patient, nurse, test, value, unit, *, taken_at=TAKEN, **fields) -> LabResult:
    return labs.chart_result(
        patient,
        by=nurse,
        test=test,
        value=value,
        unit=unit,
        taken_at=taken_at,
        now=taken_at + timedelta(hours=2),
        **fields,
    )


def observations(patient, **options) -> list[dict]:
    """The patient's Observations as a receiver reads them: from the JSON handed out."""
    bundle = json.loads(fhir.to_json(fhir.patient_bundle(patient, **options)))
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]


def by_profile(resources: list[dict]) -> dict[str, dict]:
    return {r["meta"]["profile"][0].rsplit("/", 1)[1]: r for r in resources}


def coding(*codes: tuple[str, str]) -> list[dict]:
    return [{"system": LOINC, "code": code, "display": label} for code, label in codes]


def quantity(value, unit: str, code: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


# One Observation per measure -------------------------------------------------------------


def test_a_full_set_is_one_observation_per_measure_each_on_its_r4_profile(patient, nurse):
    entry = chart(patient, nurse, **FULL_SET)
    found = fhir.vital_signs(entry)
    assert [r["meta"]["profile"] for r in found] == [
        [f"http://hl7.org/fhir/StructureDefinition/{name}"]
        for name in ("bp", "heartrate", "resprate", "oxygensat", "bodytemp")
    ]
    for resource in found:
        assert resource["status"] == "final"
        assert resource["category"] == [VITAL_SIGNS]
        assert resource["subject"] == {"reference": f"urn:uuid:{fhir.patient_id(patient)}"}
        assert resource["performer"] == [{"display": "Ngozi Bello"}]
        Observation.model_validate(resource)


@pytest.mark.parametrize(
    "profile, codes, value",
    [
        ("heartrate", [("8867-4", "Heart rate")], quantity(88, "/min", "/min")),
        ("resprate", [("9279-1", "Respiratory rate")], quantity(16, "/min", "/min")),
        (
            "oxygensat",
            [
                ("2708-6", "Oxygen saturation in Arterial blood"),
                ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
            ],
            quantity(94, "%", "%"),
        ),
        ("bodytemp", [("8310-5", "Body temperature")], quantity(38.4, "°C", "Cel")),
    ],
)
def test_each_measure_has_its_loinc_code_and_ucum_unit(patient, nurse, profile, codes, value):
    chart(patient, nurse, **FULL_SET)
    resource = by_profile(observations(patient))[profile]
    assert resource["code"]["coding"] == coding(*codes)
    assert resource["valueQuantity"] == value


def test_the_blood_pressure_is_a_panel_with_systolic_and_diastolic_components(patient, nurse):
    chart(patient, nurse, systolic_bp=86, diastolic_bp=48)
    [panel] = observations(patient)
    assert panel["code"] == {
        "coding": coding(("85354-9", "Blood pressure panel with all children optional")),
        "text": "Blood pressure",
    }
    # The panel has no value of its own; MAP, our estimate, is not sent.
    assert "valueQuantity" not in panel
    assert panel["component"] == [
        {
            "code": {
                "coding": coding(("8480-6", "Systolic blood pressure")),
                "text": "Systolic BP",
            },
            "valueQuantity": quantity(86, "mmHg", "mm[Hg]"),
        },
        {
            "code": {
                "coding": coding(("8462-4", "Diastolic blood pressure")),
                "text": "Diastolic BP",
            },
            "valueQuantity": quantity(48, "mmHg", "mm[Hg]"),
        },
    ]


def test_the_oxygen_flow_goes_with_the_spo2_as_a_component(patient, nurse):
    chart(patient, nurse, spo2=94, oxygen_device="nasal_cannula", oxygen_flow_l_min=D("2.5"))
    [saturation] = observations(patient)
    assert saturation["valueQuantity"] == quantity(94, "%", "%")
    assert saturation["component"] == [
        {
            "code": {
                "coding": coding(("3151-8", "Inhaled oxygen flow rate")),
                "text": "Oxygen flow",
            },
            "valueQuantity": quantity(2.5, "L/min", "L/min"),
        }
    ]


def test_an_spo2_on_room_air_has_no_flow(patient, nurse):
    chart(patient, nurse, spo2=97, oxygen_device="room_air")
    [saturation] = observations(patient)
    assert saturation["valueQuantity"] == quantity(97, "%", "%")
    assert "component" not in saturation


def test_a_weight_is_a_body_weight_in_kilograms(patient, nurse):
    entry = weigh(patient, nurse, D("82.4"))
    [weight] = observations(patient)
    assert weight["id"] == fhir.weight_id(entry)
    assert weight["meta"] == {"profile": ["http://hl7.org/fhir/StructureDefinition/bodyweight"]}
    assert weight["category"] == [VITAL_SIGNS]
    assert weight["code"]["coding"] == coding(("29463-7", "Body weight"))
    assert weight["valueQuantity"] == quantity(82.4, "kg", "kg")
    Observation.model_validate(weight)


def test_a_neuro_check_alone_sends_nothing(patient, nurse):
    chart(patient, nurse, alert_oriented=False, cognitive_test="failed", sedation="voice")
    assert VitalSigns.objects.count() == 1
    assert observations(patient) == []


def test_only_the_measures_taken_are_sent(patient, nurse):
    chart(patient, nurse, heart_rate=132, rhythm="af", temperature_c=D("39.1"))
    assert sorted(by_profile(observations(patient))) == ["bodytemp", "heartrate"]


def test_the_chart_note_goes_with_every_observation_of_the_set(patient, nurse):
    chart(patient, nurse, heart_rate=72, spo2=97, oxygen_device="room_air", note="After walking")
    found = observations(patient)
    assert [r["note"] for r in found] == [[{"text": "After walking"}]] * 2


# Laboratory results ----------------------------------------------------------------------

LABORATORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory",
            "display": "Laboratory",
        }
    ],
    "text": "Laboratory",
}


def interpretation(code: str, label: str) -> list[dict]:
    system = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    return [{"coding": [{"system": system, "code": code, "display": label}], "text": label}]


def test_a_lab_result_is_a_laboratory_observation_with_its_loinc_unit_range_and_flag(
    patient, nurse
):
    result = lab(
        patient, nurse, "creatinine", D("1.80"), "mg/dL", range_low=D("0.6"), range_high=D("1.3")
    )
    [resource] = observations(patient)
    mg_dl = {"unit": "mg/dL", "system": UCUM, "code": "mg/dL"}
    assert resource == {
        "resourceType": "Observation",
        "id": fhir.lab_result_id(result),
        "status": "final",
        "category": [LABORATORY],
        "code": {"coding": [{"system": LOINC, "code": "2160-0"}], "text": "Creatinine"},
        "subject": {"reference": f"urn:uuid:{fhir.patient_id(patient)}"},
        "effectiveDateTime": "2027-03-11T08:30:00-05:00",
        "issued": "2027-03-11T10:30:00-05:00",
        "valueQuantity": {"value": 1.8, **mg_dl},
        "interpretation": interpretation("H", "High"),
        "referenceRange": [{"low": {"value": 0.6, **mg_dl}, "high": {"value": 1.3, **mg_dl}}],
    }
    Observation.model_validate(resource)


def test_a_lab_value_below_the_assays_limit_keeps_its_comparator(patient, nurse):
    lab(
        patient,
        nurse,
        "troponin",
        D("3"),
        "ng/L",
        qualifier="<",
        range_low=D("0"),
        range_high=D("26"),
    )
    [resource] = observations(patient)
    assert resource["valueQuantity"] == {
        "comparator": "<",
        "value": 3,
        "unit": "ng/L",
        "system": UCUM,
        "code": "ng/L",
    }
    assert "comparator" not in resource["referenceRange"][0]["high"]
    assert resource["interpretation"] == interpretation("N", "Normal")
    Observation.model_validate(resource)


def test_a_lab_value_above_the_assays_limit_keeps_its_comparator(patient, nurse):
    lab(
        patient,
        nurse,
        "ck",
        D("20000"),
        "U/L",
        qualifier=">",
        range_low=D("0"),
        range_high=D("200"),
    )
    [resource] = observations(patient)
    assert resource["valueQuantity"]["comparator"] == ">"
    assert resource["interpretation"] == interpretation("H", "High")


@pytest.mark.parametrize(
    "test, unit, loinc, label, ucum",
    [
        # The unit stored names urea nitrogen; UCUM has only mg/dL, so the label says which.
        ("urea", "mg/dL BUN", "3094-0", "mg/dL as urea nitrogen (BUN)", "mg/dL"),
        ("urea", "mmol/L", "22664-7", "mmol/L", "mmol/L"),
        ("platelets", "10*9/L", "777-3", "×10⁹/L", "10*9/L"),
        ("bilirubin", "umol/L", "14631-6", "µmol/L", "umol/L"),
    ],
)
def test_a_lab_result_goes_in_the_ucum_code_of_its_unit_with_its_loinc(
    patient, nurse, test, unit, loinc, label, ucum
):
    lab(patient, nurse, test, D("20"), unit, range_low=D("10"), range_high=D("30"))
    [resource] = observations(patient)
    assert resource["code"]["coding"] == [{"system": LOINC, "code": loinc}]
    assert resource["valueQuantity"] == {"value": 20, "unit": label, "system": UCUM, "code": ucum}
    assert resource["referenceRange"] == [
        {
            "low": {"value": 10, "unit": label, "system": UCUM, "code": ucum},
            "high": {"value": 30, "unit": label, "system": UCUM, "code": ucum},
        }
    ]


def test_a_low_lab_result_is_interpreted_low(patient, nurse):
    lab(patient, nurse, "platelets", D("28"), "10*9/L", range_low=D("150"), range_high=D("400"))
    [resource] = observations(patient)
    assert resource["interpretation"] == interpretation("L", "Low")


def test_a_lab_result_entered_in_error_is_left_out(patient, nurse):
    kept = lab(patient, nurse, "potassium", D("3.1"), "mmol/L")
    wrong = lab(patient, nurse, "potassium", D("7.9"), "mmol/L")
    labs.mark_entered_in_error(wrong, by=nurse, reason="Haemolysed sample")
    assert [r["id"] for r in observations(patient)] == [fhir.lab_result_id(kept)]
    assert LabResult.objects.filter(patient=patient).count() == 2


def test_a_lab_results_note_goes_to_the_patient_too_as_the_chart_shows_it(patient, nurse):
    lab(patient, nurse, "potassium", D("3.1"), "mmol/L", note="Repeat after replacement")
    for options in ({}, {"staff_notes": True}):
        [resource] = observations(patient, **options)
        assert resource["note"] == [{"text": "Repeat after replacement"}]


def test_a_lab_result_without_a_range_sends_the_default_range_it_was_charted_with(patient, nurse):
    lab(patient, nurse, "creatinine", D("106"), "umol/L")
    [resource] = observations(patient)
    umol = {"unit": "µmol/L", "system": UCUM, "code": "umol/L"}
    # 0.6–1.3 mg/dL × 88.42, to whole µmol/L as labs report it.
    assert resource["referenceRange"] == [
        {"low": {"value": 53, **umol}, "high": {"value": 115, **umol}}
    ]
    assert resource["code"]["coding"] == [{"system": LOINC, "code": "14682-9"}]


# Times, in error, ids ----------------------------------------------------------------------


def test_times_are_on_the_patients_clock_with_the_offset_of_the_day(patient, nurse):
    chart(patient, nurse, heart_rate=80)
    # New York moves to EDT (UTC-4) on 14 March 2027.
    chart(patient, nurse, heart_rate=84, taken_at=datetime(2027, 3, 15, 13, 30, tzinfo=UTC))
    weigh(patient, nurse, D("80.0"), taken_at=datetime(2027, 3, 15, 11, 0, tzinfo=UTC))
    found = observations(patient)
    assert [(r["code"]["text"], r["effectiveDateTime"]) for r in found] == [
        ("Heart rate", "2027-03-11T08:30:00-05:00"),
        ("Heart rate", "2027-03-15T09:30:00-04:00"),
        ("Weight", "2027-03-15T07:00:00-04:00"),
    ]
    assert found[0]["issued"] == "2027-03-11T08:35:00-05:00"


def test_a_patient_elsewhere_gets_their_own_clock(nurse):
    london = PatientFactory(time_zone="Europe/London", care_team=[nurse])
    chart(london, nurse, heart_rate=80)
    [rate] = observations(london)
    assert rate["effectiveDateTime"] == "2027-03-11T13:30:00+00:00"


def test_a_set_or_a_weight_entered_in_error_is_left_out_as_thyroid_results_are(patient, nurse):
    kept = chart(patient, nurse, heart_rate=80)
    wrong = chart(patient, nurse, heart_rate=180)
    charting.mark_entered_in_error(wrong, by=nurse, reason="Another patient's monitor")
    weighed = weigh(patient, nurse, D("80.0"))
    wrong_weight = weigh(patient, nurse, D("180.0"))
    charting.mark_entered_in_error(wrong_weight, by=nurse, reason="Slipped digit")
    assert [r["id"] for r in observations(patient)] == [
        fhir.vital_sign_id(kept, fhir.HEART_RATE),
        fhir.weight_id(weighed),
    ]


def test_ids_are_stable_and_never_shared_between_measures_or_tables(patient, nurse):
    entry = chart(patient, nurse, **FULL_SET)
    weight = weigh(patient, nurse, D("80.0"))
    result = thyroid.record_result(
        patient,
        by=nurse,
        test="tsh",
        value=D("1.5"),
        unit="mIU/L",
        collected_at=TAKEN,
        now=TAKEN + timedelta(hours=1),
    )
    first, again = observations(patient), observations(patient)
    ids = [r["id"] for r in first]
    assert ids == [r["id"] for r in again]
    assert len(set(ids)) == len(ids) == 7
    assert fhir.vital_sign_id(entry, fhir.BLOOD_PRESSURE) == fhir.stable_id(
        "vitalsigns-bp", entry.pk
    )
    # The same key in the three tables still gives three ids.
    same_key = {
        fhir.vital_sign_id(entry, fhir.HEART_RATE),
        fhir.weight_id(WeightEntry(pk=entry.pk)),
        fhir.observation_id(ThyroidResult(pk=entry.pk)),
    }
    assert len(same_key) == 3
    assert {fhir.weight_id(weight), fhir.observation_id(result)} <= set(ids)


# The whole bundle ------------------------------------------------------------------------


def test_the_bundle_with_the_chart_validates_and_every_observation_has_what_r4_vital_signs_need(
    patient, nurse
):
    chart(patient, nurse, **FULL_SET, note="After walking")
    chart(patient, nurse, spo2=97, oxygen_device="room_air", taken_at=TAKEN + timedelta(hours=4))
    weigh(patient, nurse, D("82.4"))
    bundle = json.loads(fhir.to_json(fhir.patient_bundle(patient)))
    Bundle.model_validate(bundle)
    found = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert len(found) == 7
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for resource in found:
        # What fhir.resources does not check: the R4 vital-signs profile's must-haves.
        assert resource["category"] == [VITAL_SIGNS]
        assert resource["code"]["coding"][0]["system"] == LOINC
        assert resource["subject"]["reference"] in urls
        assert "effectiveDateTime" in resource
        values = [resource.get("valueQuantity")] + [
            c["valueQuantity"] for c in resource.get("component", [])
        ]
        for value in filter(None, values):
            assert value["system"] == UCUM and value["code"]


@pytest.mark.now("2027-03-10 12:00Z")
def test_the_bundle_takes_the_same_queries_for_10_sets_as_for_100(patient, nurse):
    # With a course, so the doses and dose records are queried too.
    make_course(patient)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            fhir.patient_bundle(patient)
        return len(context)

    def chart_sets(count: int, start: int):
        for n in range(start, start + count):
            taken = TAKEN + timedelta(minutes=15 * n)
            chart(patient, nurse, systolic_bp=120, diastolic_bp=70, heart_rate=80, taken_at=taken)
            weigh(patient, nurse, D("80.0"), taken_at=taken)
            lab(patient, nurse, "potassium", D("4.1"), "mmol/L", taken_at=taken)

    chart_sets(10, 0)
    with_ten = queries()
    chart_sets(90, 10)
    assert len(observations(patient)) == 100 * 4
    assert queries() == with_ten == 8


def test_a_reading_the_patient_took_at_home_names_the_patient_as_performer(patient, nurse):
    """The patient's own readings (Observation.source "patient"): the Patient performed them."""
    home = make_user(Role.PATIENT, first_name="Ada", last_name="Home")
    chart_vitals(
        patient,
        by=home,
        taken_at=TAKEN,
        now=TAKEN + timedelta(minutes=5),
        temperature_c=D("37.4"),
        source="patient",
    )
    chart_weight(
        patient,
        by=home,
        weight_kg=D("70.2"),
        taken_at=TAKEN,
        now=TAKEN + timedelta(minutes=5),
        source="patient",
    )
    chart(patient, nurse, heart_rate=80, taken_at=TAKEN + timedelta(hours=1))
    bundle = json.loads(fhir.to_json(fhir.patient_bundle(patient)))
    Bundle.model_validate(bundle)
    found = by_profile(observations(patient))
    patient_reference = {"reference": f"urn:uuid:{fhir.patient_id(patient)}"}
    assert found["bodytemp"]["performer"] == [patient_reference]
    assert found["bodyweight"]["performer"] == [patient_reference]
    assert found["heartrate"]["performer"] == [{"display": "Ngozi Bello"}]
    for resource in found.values():
        Observation.model_validate(resource)

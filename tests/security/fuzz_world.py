"""One patient with something behind every form: what the form fuzz posts against.

Built once per test by the real operations, as the browser tests' scenes are; each
generated submission then runs in a savepoint that is rolled back, so every one of
them meets the same world.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from regimens.courses import discontinue_course
from tests.factories import (
    NORMAL_OBSERVATIONS,
    PatientFactory,
    WardFactory,
    make_course,
    make_shift,
    make_user,
    record_given,
)
from tracker.accounts.roles import Role
from tracker.accounts.second_factor import enrol_authenticator, issue_backup_codes
from tracker.alerts.models import Alert
from tracker.observations.fluids import chart_fluid, chart_weight
from tracker.observations.home import record_readings
from tracker.observations.infusions import change_rate, start_event, start_infusion
from tracker.observations.labs import chart_panel
from tracker.observations.vitals import chart_vitals
from tracker.patients.invitations import create_invitation
from tracker.patients.models import Patient, RetreatmentContraindication
from tracker.patients.retreatment import request_lift
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom
from tracker.symptoms.replies import send_reply
from tracker.symptoms.reporting import record_event, report_symptom
from tracker.thyroid.recording import record_result
from tracker.ward.recording import authorise_override, record_check


@dataclass
class World:
    users: dict  # persona name -> user (None for anonymous)
    patient: Patient  # on an IV course that started half an hour ago
    course: object
    given_dose: object
    given_record: object
    open_dose: object  # waiting for its pre-dose check and record
    override: object
    home_patient: Patient  # the other patient, injecting at home
    home_dose: object  # today's, not recorded yet
    report: object
    message: object  # the care team's reply to the report
    event: object  # a staff CTCAE entry
    result: object  # a thyroid result
    alert: object
    vitals: object
    fluid: object
    weight: object
    lab: object
    infusion: object  # running, with a rate change
    rate_change: object
    stopped_infusion: object
    clinical_event: object
    ended_event: object
    home_vitals: object
    home_weight: object
    flag: object  # a retreatment flag, lift not asked yet
    requested_flag: object  # another, lift asked by the clinician on the team
    ward: object
    shift: object
    invitation_token: str
    reset_uid: str
    reset_token: str
    newcomer: Patient  # on the clinician's team, no course, invited to set a password
    extra: dict = field(default_factory=dict)


def build_world() -> World:
    now = timezone.now()
    the_patient = make_user(Role.PATIENT, username="fuzz-patient")
    other_patient = make_user(Role.PATIENT, username="fuzz-other-patient")
    nurse = make_user(Role.NURSE, username="fuzz-nurse")
    clinician = make_user(Role.CLINICIAN, username="fuzz-clinician")
    admin = make_user(Role.ADMIN, username="fuzz-admin")
    patient = PatientFactory(user=the_patient, care_team=[nurse, clinician])
    PatientFactory(user=other_patient)
    start = timezone.localtime(now, patient.zone) - timedelta(minutes=30)
    course = make_course(patient, start=start.strftime("%Y-%m-%d %H:%M"), by=clinician)
    given_dose, held_dose, open_dose, asked_dose = (
        course.doses.get(dose_in_course=n) for n in (1, 2, 3, 4)
    )
    given_record = record_given(given_dose, nurse)
    record_check(
        held_dose, by=nurse, decision="hold", **{**NORMAL_OBSERVATIONS, "systolic_bp": 85}
    )
    record_check(
        asked_dose, by=nurse, decision="ask", **{**NORMAL_OBSERVATIONS, "systolic_bp": 85}
    )
    override = authorise_override(asked_dose, by=clinician, reason="Baseline SBP 85, asymptomatic")

    report = report_symptom(
        patient,
        ProSymptom.objects.get(slug="nausea"),
        by=the_patient,
        answers={"frequency": 3, "severity": 3},
    )
    message = send_reply(report, by=nurse, body="Please take your temperature and call us.")
    event = record_event(
        patient,
        CtcaeTerm.objects.get(term="Fever"),
        by=nurse,
        grade=3,
        onset_at=now - timedelta(minutes=10),
        attribution=AdverseEvent.Attribution.PROBABLE,
    )
    result = record_result(
        patient,
        by=nurse,
        test="tsh",
        value=Decimal("12.5"),
        unit="mIU/L",
        collected_at=now - timedelta(hours=1),
        course=course,
    )
    taken_at = now - timedelta(minutes=20)
    vitals = chart_vitals(
        patient, by=nurse, taken_at=taken_at, systolic_bp=118, diastolic_bp=76, heart_rate=82
    )
    fluid = chart_fluid(
        patient, by=nurse, direction="intake", kind="oral", volume_ml=250, taken_at=taken_at
    )
    weight = chart_weight(patient, by=nurse, weight_kg=Decimal("70.4"), taken_at=taken_at)
    (lab,) = chart_panel(
        patient,
        by=nurse,
        taken_at=taken_at,
        results=[{"test": "creatinine", "value": Decimal("88"), "unit": "umol/L"}],
    )
    infusion = start_infusion(
        patient,
        by=nurse,
        agent="norepinephrine",
        rate=Decimal("0.05"),
        started_at=now - timedelta(hours=3),
    )
    rate_change = change_rate(
        infusion, by=nurse, rate=Decimal("0.08"), at=now - timedelta(hours=2)
    )
    stopped = start_infusion(
        patient, by=nurse, agent="dopamine", rate=Decimal("5"), started_at=now - timedelta(hours=4)
    )
    from tracker.observations.infusions import end_event, stop_infusion

    stop_infusion(stopped, by=nurse, at=now - timedelta(hours=1))
    clinical_event = start_event(
        patient, by=nurse, kind="dialysis", started_at=now - timedelta(hours=5)
    )
    ended_event = start_event(
        patient, by=nurse, kind="seizure", started_at=now - timedelta(hours=6)
    )
    end_event(ended_event, by=nurse, at=now - timedelta(hours=5, minutes=30))

    # The other patient injects at home; their readings are their own.
    home_patient = Patient.objects.get(user=other_patient)
    home_start = timezone.localtime(now, home_patient.zone) - timedelta(days=1, hours=1)
    home_course = make_course(
        home_patient, slug="sc-5on2off", start=home_start.strftime("%Y-%m-%d %H:%M"), by=clinician
    )
    home_dose = home_course.doses.get(dose_in_course=2)
    home_vitals, home_weight = record_readings(
        home_patient,
        by=other_patient,
        taken_at=now - timedelta(hours=1),
        temperature_c=Decimal("37.2"),
        weight_kg=Decimal("64.0"),
    )

    # Two more of the team's patients, each with a retreatment flag after an intubation.
    flags = []
    for _ in range(2):
        flagged = PatientFactory(care_team=[nurse, clinician])
        flagged_course = make_course(flagged, start="2026-01-05 08:00", by=clinician)
        discontinue_course(flagged_course, by=clinician, code="intubation", note="Ventilated")
        flags.append(RetreatmentContraindication.objects.get(patient=flagged))
    second_clinician = make_user(Role.CLINICIAN, username="second-clinician")
    flags[1].patient.care_team.add(second_clinician)
    request_lift(flags[1], by=clinician, reason="The intubation was for an aspiration pneumonia.")

    ward = WardFactory(name="Ward 7")
    shift = make_shift(ward, nurse, now + timedelta(hours=2), now + timedelta(hours=10))

    newcomer = PatientFactory(care_team=[clinician])
    sent = create_invitation(newcomer, email="jo@example.org", by=clinician)

    # The second factor: a patient who chose it, a nurse at the code step with an app,
    # and a nurse setting one up at first sign-in.
    opted_in_patient = make_user(
        Role.PATIENT, username="fuzz-opted-in-patient", asks_second_factor=True
    )
    PatientFactory(user=opted_in_patient)
    enrol_authenticator(opted_in_patient)
    issue_backup_codes(opted_in_patient, 10)
    nurse_at_code_step = make_user(Role.NURSE, username="fuzz-nurse-at-code-step")
    enrol_authenticator(nurse_at_code_step)
    nurse_enrolling = make_user(Role.NURSE, username="fuzz-nurse-enrolling")

    users = {
        "the_patient": the_patient,
        "opted_in_patient": opted_in_patient,
        "nurse_at_code_step": nurse_at_code_step,
        "nurse_enrolling": nurse_enrolling,
        "other_patient": other_patient,
        "nurse_on_team": nurse,
        "clinician_on_team": clinician,
        "admin": admin,
        "second_clinician": second_clinician,
        "anonymous": None,
    }
    return World(
        users=users,
        patient=patient,
        course=course,
        given_dose=given_dose,
        given_record=given_record,
        open_dose=open_dose,
        override=override,
        home_patient=home_patient,
        home_dose=home_dose,
        report=report,
        message=message,
        event=event,
        result=result,
        alert=Alert.objects.filter(thyroid_result=result).get(),
        vitals=vitals,
        fluid=fluid,
        weight=weight,
        lab=lab,
        infusion=infusion,
        rate_change=rate_change,
        stopped_infusion=stopped,
        clinical_event=clinical_event,
        ended_event=ended_event,
        home_vitals=home_vitals,
        home_weight=home_weight,
        flag=flags[0],
        requested_flag=flags[1],
        ward=ward,
        shift=shift,
        invitation_token=sent.token,
        reset_uid=urlsafe_base64_encode(force_bytes(the_patient.pk)),
        reset_token=default_token_generator.make_token(the_patient),
        newcomer=newcomer,
    )

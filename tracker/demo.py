"""Demo data for trying the app on a laptop.  Never run against real patients."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from regimens.courses import start_course
from regimens.models import RegimenTemplate
from tracker import shipped
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.accounts.second_factor import issue_backup_codes
from tracker.alerts.models import OnCallShift
from tracker.lib.history import save_with_history
from tracker.observations.fluids import chart_fluid, chart_weight
from tracker.observations.home import record_readings
from tracker.observations.labs import chart_panel
from tracker.observations.vitals import chart_vitals
from tracker.patients.models import Patient, Ward
from tracker.reminders.models import ReminderSettings
from tracker.symptoms.models import CtcaeTerm, ProSymptom
from tracker.symptoms.replies import send_reply
from tracker.symptoms.reporting import record_event, report_symptom
from tracker.thyroid.recording import record_result
from tracker.ward.models import PreDoseCheck
from tracker.ward.recording import record_check, record_dose, record_own_dose, verify_record
from tracker.ward.sites import suggest_site

DEMO_PASSWORD = "il2-demo-2026"  # noqa: S105 (published on purpose)
DEMO_WARD = "Ward 7 (Oncology)"
# Alert e-mails go to these; on a laptop they are written under var/mail.
DEMO_MAIL_DOMAIN = "example.org"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    first_name: str
    last_name: str


DEMO_USERS = [
    DemoUser("admin", Role.ADMIN, "Ada", "Admin"),
    DemoUser("clinician", Role.CLINICIAN, "Chidi", "Okafor"),
    DemoUser("nurse", Role.NURSE, "Nora", "Lindqvist"),
    DemoUser("nurse2", Role.NURSE, "Ngozi", "Bello"),
    DemoUser("patient1", Role.PATIENT, "Peter", "Morales"),
    DemoUser("patient2", Role.PATIENT, "Priya", "Shah"),
]

DEMO_PATIENTS = [
    {
        "mrn": "DEMO-0001",
        "given_name": "Peter",
        "family_name": "Morales",
        "date_of_birth": date(1968, 4, 12),
        "sex": Patient.Sex.MALE,
        "height_cm": Decimal("178.0"),
        "weight_kg": Decimal("82.4"),
        "time_zone": "America/New_York",
        "login": "patient1",
        "care_team": ["clinician", "nurse"],
        # Admitted yesterday morning, so the ward has doses due today.
        "course": ("hd-iv-label", -1, time(8, 0), 2),
    },
    {
        "mrn": "DEMO-0002",
        "given_name": "Priya",
        "family_name": "Shah",
        "date_of_birth": date(1979, 11, 3),
        "sex": Patient.Sex.FEMALE,
        "height_cm": Decimal("164.5"),
        "weight_kg": Decimal("61.0"),
        "time_zone": "Europe/London",
        "login": "patient2",
        "care_team": ["clinician", "nurse2"],
        # Three days into the course: the injections so far recorded at home.
        "course": ("sc-5on2off", -3, time(9, 0), 2),
    },
]


@transaction.atomic
def seed() -> int:
    """Create the demo users and patients that are missing; return how many rows were made."""
    # The demo's courses, checks and reports use the shipped templates, hold rules
    # and terms: make sure the database holds them as shipped.
    shipped.load_all()
    created = 0
    users = {}
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = User.objects.create_with_role(
                demo.username,
                demo.role,
                password=DEMO_PASSWORD,
                first_name=demo.first_name,
                last_name=demo.last_name,
                is_superuser=demo.role == Role.ADMIN,
                email=f"{demo.username}@{DEMO_MAIL_DOMAIN}" if demo.role != Role.PATIENT else "",
            )
            created += 1
        users[demo.username] = user

    ward, made = demo_ward(users["clinician"])
    created += made
    created += put_demo_nurse_on_call(ward, users["nurse"])
    for spec in DEMO_PATIENTS:
        fields = {k: v for k, v in spec.items() if k not in ("login", "care_team", "course")}
        if Patient.objects.filter(mrn=spec["mrn"]).exists():
            continue
        patient = Patient(**fields, user=users[spec["login"]], ward=ward)
        patient.full_clean()
        save_with_history(patient, by=None, reason="Demo data")
        patient.care_team.set([users[name] for name in spec["care_team"]])
        created += 1
        course = start_demo_course(patient, spec["course"], users["clinician"])
        nurse = users[spec["care_team"][1]]
        if course.needs_pre_dose_check:
            record_demo_chart(course, nurse)
        if course.template.route == RegimenTemplate.Route.SC:
            record_demo_home_doses(course, users[spec["login"]], nurse)
        else:
            record_demo_doses(course, nurse)
        record_demo_side_effects(course, nurse, users[spec["login"]])
        created += 1
    created += seed_demo_reminders()
    return created


def demo_ward(consultant) -> tuple[Ward, int]:
    """The demo's ward, its consultant the demo clinician; demo patients made before it join it."""
    ward = Ward.objects.filter(name=DEMO_WARD).first()
    made = 0
    if ward is None:
        ward = Ward(name=DEMO_WARD, consultant=consultant)
        ward.full_clean()
        save_with_history(ward, by=None, reason="Demo data")
        made = 1
    demo_mrns = [spec["mrn"] for spec in DEMO_PATIENTS]
    for patient in Patient.objects.filter(mrn__in=demo_mrns, ward__isnull=True):
        patient.ward = ward
        save_with_history(patient, by=None, reason="Demo data", update_fields=["ward"])
    return ward, made


def put_demo_nurse_on_call(ward, nurse) -> int:
    """The demo nurse on call for the ward for a week from now, unless she already is."""
    now = timezone.now()
    if OnCallShift.objects.for_ward(ward).covering(now).filter(person=nurse).exists():
        return 0
    shift = OnCallShift(
        ward=ward, person=nurse, starts_at=now, ends_at=now + timedelta(days=7), created_by=nurse
    )
    save_with_history(shift, by=nurse, reason="Demo data")
    return 1


def seed_demo_reminders() -> int:
    """The patient who injects at home asks for e-mail reminders (they go to the
    console or a file in the demo); returns 1 the first time, 0 after."""
    mrns = [spec["mrn"] for spec in DEMO_PATIENTS]
    patient = (
        Patient.objects.filter(mrn__in=mrns, courses__template__route=RegimenTemplate.Route.SC)
        .select_related("user")
        .first()
    )
    if patient is None or ReminderSettings.objects.filter(patient=patient).exists():
        return 0
    if not patient.user.email:
        patient.user.email = f"{patient.user.username}@example.org"
        patient.user.save(update_fields=["email"])
    ReminderSettings.objects.of(patient).choose(
        by=None, dose_reminders=True, thyroid_reminders=True
    )
    return 1


def start_demo_course(patient, course, clinician):
    slug, day_offset, start_time, cycles = course
    today = timezone.localdate(timezone=ZoneInfo(patient.time_zone))
    return start_course(
        patient=patient,
        created_by=clinician,
        template=RegimenTemplate.objects.get(slug=slug),
        start=datetime.combine(today + timedelta(days=day_offset), start_time),
        time_zone=patient.time_zone,
        cycles=cycles,
        weight_kg=patient.weight_kg,
        height_cm=patient.height_cm,
        reason="Demo data",
    )


def record_demo_doses(course, nurse) -> None:
    """Record the past doses as a ward would, leaving the latest one for the nurse.

    The third dose of a high-dose course is held after a pre-dose check with a
    low blood pressure, so the demo shows a rule firing and the counts moving.
    """
    past = list(course.doses.filter(planned_at__lt=timezone.now()).order_by("planned_at"))
    for dose in past[:-1]:
        started = dose.planned_at + timedelta(minutes=5)
        if dose.dose_in_course == 3 and course.needs_pre_dose_check:
            record_check(
                dose,
                by=nurse,
                now=started,
                decision=PreDoseCheck.Decision.HOLD,
                systolic_bp=86,
                heart_rate=112,
                temperature_c=Decimal("38.4"),
                spo2=95,
                weight_kg=course.weight_kg + Decimal("2.1"),
                urine_ml=240,
                mental_status=PreDoseCheck.MentalStatus.NORMAL,
                on_pressors=False,
            )
            continue
        if course.needs_pre_dose_check:
            record_check(
                dose,
                by=nurse,
                now=started - timedelta(minutes=20),
                decision=PreDoseCheck.Decision.GIVE,
                systolic_bp=118,
                heart_rate=96,
                temperature_c=Decimal("37.6"),
                spo2=97,
                weight_kg=course.weight_kg + Decimal("0.8"),
                urine_ml=420,
                mental_status=PreDoseCheck.MentalStatus.NORMAL,
                on_pressors=False,
            )
        record_dose(
            dose,
            by=nurse,
            now=started,
            outcome="given",
            given_at=started,
            amount_iu=dose.prescribed_iu,
            given_by=nurse,
        )


def record_demo_home_doses(course, patient_login, nurse) -> None:
    """The patient's own records of the injections so far, at rotated sites, leaving the
    latest to record (or to be asked about); the nurse has verified the first, and the
    patient took their temperature and weight this morning."""
    now = timezone.now()
    past = list(course.doses.filter(planned_at__lt=now).order_by("planned_at"))
    sites: list[str] = []
    for dose in past[:-1]:
        injected = dose.planned_at + timedelta(minutes=10)
        sites.insert(0, suggest_site(sites))
        record = record_own_dose(
            dose,
            by=patient_login,
            outcome="given",
            given_at=injected,
            injection_site=sites[0],
            now=injected + timedelta(minutes=2),
        )
        if dose.dose_in_course == 1:
            verify_record(record, by=nurse, now=injected + timedelta(hours=3))
    patient = course.patient
    record_readings(
        patient,
        by=patient_login,
        taken_at=now,
        temperature_c=Decimal("37.4"),
        weight_kg=patient.weight_kg + Decimal("0.6"),
        now=now,
    )


def _demo_drift(start: int, end: int, step: int, steps: int):
    """A value drifting from `start` towards `end` over `steps` steps, as capillary leak does."""
    return start + (end - start) * min(step, steps) // steps


def record_demo_chart(course, nurse) -> None:
    """The observation chart since admission: vital signs every 4 hours, urine every 2,
    a weight and a sample each morning, drifting as capillary leak does but short of
    every withhold rule, so the flowsheet and the dose decision panel have a story.
    """
    patient, now = course.patient, timezone.now()
    admitted = course.doses.order_by("planned_at").first().planned_at - timedelta(hours=2)
    baseline = course.weight_gain_baseline
    hours = int((now - admitted).total_seconds() // 3600)
    for hour in range(0, hours + 1):
        at = admitted + timedelta(hours=hour)
        if hour % 2 == 0 and hour:
            urine = _demo_drift(80, 36, hour, 36)
            chart_fluid(
                patient,
                by=nurse,
                direction="output",
                kind="urine",
                volume_ml=urine * 2,
                taken_at=at,
                period_start=at - timedelta(hours=2),
                now=at,
            )
            chart_fluid(
                patient,
                by=nurse,
                direction="intake",
                kind="iv_fluid",
                volume_ml=250,
                taken_at=at,
                now=at,
            )
        if hour % 4 == 0:
            chart_vitals(
                patient,
                by=nurse,
                taken_at=at,
                now=at,
                systolic_bp=_demo_drift(124, 98, hour, 36),
                diastolic_bp=_demo_drift(78, 58, hour, 36),
                heart_rate=_demo_drift(82, 108, hour, 36),
                rhythm="sinus" if hour < 12 else "sinus_tachycardia",
                respiratory_rate=_demo_drift(14, 20, hour, 36),
                spo2=_demo_drift(98, 95, hour, 36),
                oxygen_device="room_air",
                temperature_c=Decimal("38.2") if hour % 8 == 4 else Decimal("37.1"),
                alert_oriented=True,
                cognitive_test="passed",
                sedation="alert",
            )
        local = at.astimezone(patient.zone)
        if local.hour == 6:
            chart_weight(
                patient,
                by=nurse,
                weight_kg=baseline + Decimal(_demo_drift(0, 22, hour, 30)) / 10,
                taken_at=at,
                now=at,
            )
            chart_panel(
                patient,
                by=nurse,
                taken_at=at - timedelta(hours=1),
                now=at,
                results=[
                    {
                        "test": "creatinine",
                        "value": Decimal(_demo_drift(9, 14, hour, 30)) / 10,
                        "unit": "mg/dL",
                    },
                    {"test": "potassium", "value": Decimal("4.1"), "unit": "mmol/L"},
                    {
                        "test": "bicarbonate",
                        "value": Decimal(_demo_drift(25, 21, hour, 30)),
                        "unit": "mmol/L",
                    },
                    {
                        "test": "bilirubin",
                        "value": Decimal(_demo_drift(10, 26, hour, 30)),
                        "unit": "umol/L",
                    },
                    {
                        "test": "platelets",
                        "value": Decimal(_demo_drift(240, 150, hour, 30)),
                        "unit": "10*9/L",
                    },
                ],
            )


def record_demo_side_effects(course, nurse, patient_login) -> None:
    """Thyroid tests before the course, and side effects after the doses given so far.

    Peter's chills and low blood pressure raise alerts (patient answer 3, staff
    grade 3); Priya's TSH comes back high (subclinical hypothyroidism).
    """
    patient = course.patient
    first = course.doses.order_by("planned_at").first()
    collected = first.planned_at - timedelta(hours=20)
    high_dose = course.template.route == RegimenTemplate.Route.IV
    tsh, free_t4 = ("2.1", "1.2") if high_dose else ("5.6", "1.0")
    for test, value, unit in (("tsh", tsh, "mIU/L"), ("ft4", free_t4, "ng/dL")):
        record_result(
            patient, by=nurse, test=test, value=Decimal(value), unit=unit, collected_at=collected
        )
    given = course.doses.filter(status="given").order_by("planned_at")
    if not given:
        return
    onset = given.last().planned_at + timedelta(hours=1, minutes=30)
    if high_dose:
        report_symptom(
            patient,
            ProSymptom.objects.get(slug="chills"),
            by=patient_login,
            answers={"frequency": 3, "severity": 3},
            onset_at=onset,
            now=onset,
        )
        for term, grade in (("Chills", 2), ("Hypotension", 3)):
            record_event(
                patient,
                CtcaeTerm.objects.get(version="5.0", term=term),
                by=nurse,
                grade=grade,
                onset_at=onset,
                attribution="probable",
                now=onset + timedelta(minutes=30),
            )
    else:
        report = report_symptom(
            patient,
            ProSymptom.objects.get(slug="fatigue"),
            by=patient_login,
            answers={"severity": 2, "interference": 1},
            onset_at=onset,
            now=onset,
        )
        send_reply(
            report,
            by=nurse,
            body=(
                "Thank you for telling us. Tiredness is common on this treatment: rest when "
                "you need to. Call the ward if it stops you getting up or you feel worse."
            ),
        )


def staff_backup_codes(count: int = 5) -> dict[str, list[str]]:
    """Fresh single-use codes for each demo member of staff: every staff page asks for one."""
    staff = [demo.username for demo in DEMO_USERS if demo.role != Role.PATIENT]
    return {
        user.username: issue_backup_codes(user, count)
        for user in User.objects.filter(username__in=staff).order_by("username")
    }

"""Made-up patients at scale, to rehearse the app's speed (`manage.py seed_scale`).

Seeding through the operations writes one dose at a time, about a patient a second;
this builds the same rows with bulk inserts, in chunks of patients, with the
history rows the operations would write ("+" as made; "~" where a record changed
a dose).  The courses come from the shipped templates and the pure calendar
(`preview_course`), so their doses are what `start_course` would write.  Never for
a database with real patients: the command refuses one unless forced.
"""

import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from regimens.courses import patient_choices, preview_course
from regimens.models import Course, Dose, RegimenTemplate
from tracker import shipped
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.observations.lab import flag
from tracker.patients.models import Patient, Ward
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom, SymptomReport
from tracker.thyroid import lab as thyroid_lab
from tracker.thyroid.models import ThyroidResult
from tracker.ward.models import DoseRecord, HoldRule, NotGivenReason, PreDoseCheck
from tracker.ward.sites import ROTATION

BATCH_SIZE = 2000
# Patients built and inserted at a time: keeps memory flat at 10,000 patients.
CHUNK = 250
PATIENTS_PER_NURSE = 100
PATIENTS_PER_CLINICIAN = 200
# No one signs in as a seeded user: hashing a password 10,000 times would take hours.
NO_PASSWORD = UNUSABLE_PASSWORD_PREFIX + "seed-scale"
REASON = "Seeded at scale"

ZONES = ("Europe/London", "America/New_York", "America/Chicago", "Europe/Berlin")
GIVEN_NAMES = ("Ada", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jo")
FAMILY_NAMES = ("Abara", "Berg", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Haddad")
TEMPLATES = ("hd-iv-label", "sc-5on2off")
HOLD_READINGS = {
    "hypotension": {"systolic_bp": 84},
    "hypoxia": {"spo2": 87},
    "arrhythmia": {"rhythm": "af", "heart_rate": 132},
    "mental_status": {"mental_status": "changed"},
}
NORMAL_READINGS = {
    "systolic_bp": 118,
    "heart_rate": 84,
    "temperature_c": Decimal("37.2"),
    "spo2": 97,
    "mental_status": "normal",
    "on_pressors": False,
}


@dataclass
class Reference:
    """The shipped rows the seeded ones point at, read once and in a fixed order."""

    templates: dict[str, RegimenTemplate]
    symptoms: list[ProSymptom]
    terms: list[CtcaeTerm]
    hold_rules: dict[str, dict]

    @classmethod
    def load(cls) -> "Reference":
        rules: dict[str, dict] = {}
        for rule in HoldRule.objects.filter(is_active=True).order_by("order", "pk"):
            rules.setdefault(rule.hold_reason, rule.snapshot())
        return cls(
            templates={t.slug: t for t in RegimenTemplate.objects.filter(slug__in=TEMPLATES)},
            symptoms=list(ProSymptom.objects.filter(is_active=True).order_by("slug")),
            terms=list(CtcaeTerm.objects.filter(is_active=True).order_by("version", "term")),
            hold_rules=rules,
        )


@dataclass
class Team:
    ward: Ward
    nurses: list[User]
    clinicians: list[User]

    def nurse_for(self, index: int, total: int) -> User:
        return self.nurses[index * len(self.nurses) // total]

    def clinician_for(self, index: int, total: int) -> User:
        return self.clinicians[index * len(self.clinicians) // total]


@dataclass
class Writer:
    """Bulk inserts with their history rows, counting the rows made per table."""

    counts: Counter = field(default_factory=Counter)

    def insert(self, model: type[models.Model], objs: list, *, history: bool = True) -> list:
        """Insert `objs` (their pks are set); return their history rows."""
        if not objs:
            return []
        model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
        self.counts[model._meta.db_table] += len(objs)
        return self.history(model, objs) if history else []

    def history(self, model: type[models.Model], objs: list, *, update: bool = False) -> list:
        """One row per object ("+", or "~" for an `update`), at the object's own
        `_history_date`, by its `_history_user`."""
        manager = get_history_manager_for_model(model)
        rows = manager.bulk_history_create(
            objs, batch_size=BATCH_SIZE, update=update, default_change_reason=REASON
        )
        self.counts[manager.model._meta.db_table] += len(rows)
        return rows


def stamp(obj: models.Model, at: datetime, by: User | None) -> models.Model:
    """What the history row says: when and by whom the row was made."""
    obj._history_date = at  # type: ignore[attr-defined]
    obj._history_user = by  # type: ignore[attr-defined]
    return obj


@contextmanager
def own_times(*seeded: type[models.Model]) -> Iterator[None]:
    """Let `auto_now_add` columns keep the seeded times.

    Otherwise every check, report and course would say it was made today, and the
    pages that list what was recorded in the last hours would list all of them.
    """
    fields = [
        f for model in seeded for f in model._meta.concrete_fields if getattr(f, "auto_now_add", 0)
    ]
    for f in fields:
        f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True  # type: ignore[attr-defined]


SEEDED_MODELS = (
    Patient,
    Course,
    Dose,
    PreDoseCheck,
    DoseRecord,
    SymptomReport,
    AdverseEvent,
    ThyroidResult,
    Alert,
)


# Staff ------------------------------------------------------------------------------


def make_users(writer: Writer, role: Role, names: list[str], joined: datetime) -> list[User]:
    users = [
        User(
            username=name,
            password=NO_PASSWORD,
            first_name=name.rsplit("-", 1)[-1],
            last_name=role.label,
            date_joined=joined,
        )
        for name in names
    ]
    writer.insert(User, users, history=False)
    group = Group.objects.get(name=role)
    through = User.groups.through
    writer.insert(through, [through(user=u, group=group) for u in users], history=False)
    return users


def make_team(writer: Writer, tag: str, patients: int, start: datetime) -> Team:
    nurses = -(-patients // PATIENTS_PER_NURSE)
    clinicians = -(-patients // PATIENTS_PER_CLINICIAN)
    names = [f"scale{tag}-clinician-{i:04d}" for i in range(1, clinicians + 1)]
    team_clinicians = make_users(writer, Role.CLINICIAN, names, start)
    names = [f"scale{tag}-nurse-{i:04d}" for i in range(1, nurses + 1)]
    team_nurses = make_users(writer, Role.NURSE, names, start)
    ward = Ward(name=f"Scale ward {tag}", consultant=team_clinicians[0])
    writer.insert(Ward, [stamp(ward, start, None)])
    return Team(ward, team_nurses, team_clinicians)


# Patients ---------------------------------------------------------------------------


@dataclass
class Seeded:
    """One chunk's rows, kept while the chunk's later tables point at them."""

    patients: list[Patient] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    doses: dict[int, list[Dose]] = field(default_factory=dict)  # by course id
    records: dict[int, DoseRecord] = field(default_factory=dict)  # by dose id
    alerts: list[Alert] = field(default_factory=list)


def make_patients(ctx: "Context", numbers: range) -> list[Patient]:
    rng, tag = ctx.rng, ctx.tag
    logins = make_users(
        ctx.writer, Role.PATIENT, [f"scale{tag}-patient-{n:06d}" for n in numbers], ctx.start
    )
    patients = []
    for n, login in zip(numbers, logins, strict=True):
        patient = Patient(
            mrn=f"SC{tag}-{n:06d}",
            given_name=rng.choice(GIVEN_NAMES),
            family_name=f"{rng.choice(FAMILY_NAMES)}-{n}",
            date_of_birth=date(rng.randint(1940, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice(("female", "male")),
            height_cm=Decimal(rng.randint(1500, 1950)) / 10,
            weight_kg=Decimal(rng.randint(500, 1100)) / 10,
            time_zone=rng.choice(ZONES),
            user=login,
            ward=ctx.team.ward,
            created=ctx.start,
        )
        patients.append(stamp(patient, ctx.start, ctx.team.clinician_for(n - 1, ctx.total)))
    history = ctx.writer.insert(Patient, patients)
    make_care_teams(ctx, patients, numbers, history)
    return patients


def make_care_teams(ctx: "Context", patients: list[Patient], numbers: range, history) -> None:
    through = Patient.care_team.through
    links = []
    for n, patient in zip(numbers, patients, strict=True):
        nurse = ctx.team.nurse_for(n - 1, ctx.total)
        clinician = ctx.team.clinician_for(n - 1, ctx.total)
        links += [through(patient=patient, user=nurse), through(patient=patient, user=clinician)]
    ctx.writer.insert(through, links, history=False)
    # simple-history keeps the care team beside each history row of the patient.
    row_of = {row.id: row for row in history}
    m2m = apps.get_model("patients", "HistoricalPatient_care_team")
    rows = [
        m2m(id=x.pk, patient_id=x.patient_id, user_id=x.user_id, history=row_of[x.patient_id])
        for x in links
    ]
    ctx.writer.insert(m2m, rows, history=False)


@dataclass
class Context:
    """What every builder reads: the one random stream, the writer and the clock."""

    rng: random.Random
    writer: Writer
    ref: Reference
    team: Team
    tag: str
    total: int
    now: datetime
    start: datetime  # when the seeded history begins

    def uid(self) -> uuid.UUID:
        # Not uuid4(): the same seed must give the same calendar UIDs.
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def minutes(self, low: int, high: int) -> timedelta:
        return timedelta(minutes=self.rng.randint(low, high))

    def by_now(self, moment: datetime) -> datetime:
        return min(moment, self.now)


# Courses and doses --------------------------------------------------------------------


def first_start(ctx: Context) -> date:
    """Most courses started in the last four months; the rest long enough ago for another."""
    today = ctx.now.date()
    if ctx.rng.random() < 0.7:
        return today - timedelta(days=ctx.rng.randint(-10, 120))
    return today - timedelta(days=ctx.rng.randint(130, 260))


def next_start(ctx: Context, course: Course) -> date | None:
    """A second course for some, after the retreatment gap; None if there is none yet."""
    if not course.discharged_on or ctx.rng.random() >= 0.3:
        return None
    gap = (course.retreatment_gap_days or 0) + ctx.rng.randint(1, 40)
    start = course.discharged_on + timedelta(days=gap)
    return start if start <= ctx.now.date() + timedelta(days=10) else None


def plan_course(ctx: Context, patient: Patient, start: date, clinician: User):
    template = ctx.ref.templates[ctx.rng.choice(TEMPLATES)]
    local = datetime.combine(start, template.dose_time or time(9, 0))
    course, plan = preview_course(
        template=template, start=local, cycles=template.default_cycles, **patient_choices(patient)
    )
    created = timezone.make_aware(local - timedelta(days=3), ZoneInfo(patient.time_zone))
    course.patient, course.created_by, course.weight_chosen_by = patient, clinician, clinician
    course.created = created
    end_course(ctx, course, plan)
    return stamp(course, created, clinician), plan


def end_course(ctx: Context, course: Course, plan) -> None:
    """A course whose last dose is a day past is discharged; a few were stopped early."""
    course._stop_after = len(plan)  # type: ignore[attr-defined]
    if plan[-1].start_utc + timedelta(days=1) > ctx.now:
        return
    last = plan[-1]
    if ctx.rng.random() < 0.06:
        course._stop_after = ctx.rng.randint(len(plan) // 2, len(plan) - 1)  # type: ignore[attr-defined]
        last = plan[course._stop_after - 1]  # type: ignore[attr-defined]
        course.status, course.discontinue_reason = Course.Status.DISCONTINUED, "intolerance"
    else:
        course.status = Course.Status.COMPLETED
    course.discharged_on = last.local_start(course.time_zone).date() + timedelta(days=1)
    course._ended_at = last.start_utc + timedelta(hours=2)  # type: ignore[attr-defined]
    course.status_reason = f"Discharged on {course.discharged_on:%d %b %Y}"


def make_courses(ctx: Context, seeded: Seeded, numbers: range) -> dict[int, list]:
    """Each patient's courses; returns their plans by course id."""
    planned = []
    for n, patient in zip(numbers, seeded.patients, strict=True):
        clinician = ctx.team.clinician_for(n - 1, ctx.total)
        course, plan = plan_course(ctx, patient, first_start(ctx), clinician)
        planned.append((course, plan))
        second = next_start(ctx, course)
        if second:
            planned.append(plan_course(ctx, patient, second, clinician))
    seeded.courses = [course for course, _ in planned]
    ctx.writer.insert(Course, seeded.courses)
    return {course.pk: plan for course, plan in planned}


def dose_status(ctx: Context, course: Course, dose: Dose) -> str:
    if dose.dose_in_course > course._stop_after:  # type: ignore[attr-defined]
        return Dose.Status.CANCELLED
    if dose.planned_at > ctx.now - timedelta(hours=2):
        return Dose.Status.SCHEDULED
    # An open course has a few past doses no one recorded yet: the shift page's overdue.
    if course.is_open and ctx.rng.random() < 0.03:
        return Dose.Status.SCHEDULED
    weights = (82, 2, 12, 4) if course.needs_pre_dose_check else (90, 1, 2, 7)
    return ctx.rng.choices(Dose.RECORDED, weights)[0]


def make_doses(ctx: Context, seeded: Seeded, plans: dict[int, list]) -> list[Dose]:
    doses = []
    for course in seeded.courses:
        course_doses = []
        for planned in plans[course.pk]:
            dose = Dose.from_plan(course, planned)
            dose.uid = ctx.uid()
            dose.status = dose_status(ctx, course, dose)
            course_doses.append(stamp(dose, course.created, course.created_by))
        seeded.doses[course.pk] = course_doses
        doses += course_doses
    ctx.writer.insert(Dose, doses, history=False)
    write_planned_history(ctx, doses)
    return doses


def write_planned_history(ctx: Context, doses: list[Dose]) -> None:
    """Each dose's first history row says "scheduled", as start_course wrote it; the
    record or the course's end changes it later (write_status_history)."""
    statuses = [dose.status for dose in doses]
    for dose in doses:
        dose.status = Dose.Status.SCHEDULED
    ctx.writer.history(Dose, doses)
    for dose, status in zip(doses, statuses, strict=True):
        dose.status = status


def write_status_history(ctx: Context, seeded: Seeded) -> None:
    """The "~" row of each dose a record or a discontinuation changed, by whom and when."""
    changed = []
    for course in seeded.courses:
        for dose in seeded.doses[course.pk]:
            record = seeded.records.get(dose.pk)
            if record is not None:
                changed.append(stamp(dose, record.recorded_at, record.recorded_by))
            elif dose.status == Dose.Status.CANCELLED:
                changed.append(stamp(dose, course._ended_at, course.created_by))  # type: ignore[attr-defined]
    ctx.writer.history(Dose, changed, update=True)


# Dose records and pre-dose checks ----------------------------------------------------


def make_check(ctx: Context, dose: Dose, nurse: User, hold_reason: str | None) -> PreDoseCheck:
    # Before the dose's earliest given time (planned - 5 min).
    taken_at = dose.planned_at - ctx.minutes(10, 30)
    readings = {**NORMAL_READINGS, **HOLD_READINGS.get(hold_reason or "", {})}
    rule = ctx.ref.hold_rules.get(hold_reason or "")
    check = PreDoseCheck(
        dose=dose,
        taken_at=taken_at,
        fired_rules=[rule] if rule else [],
        decision="hold" if hold_reason else "give",
        recorded_by=nurse,
        recorded_at=taken_at + ctx.minutes(1, 10),
        **readings,
    )
    return stamp(check, check.recorded_at, nurse)


def outcome_fields(ctx: Context, dose: Dose, by_patient: bool, giver: User) -> dict:
    """The fields the record's outcome needs (the table's doserecord_fields_fit_outcome)."""
    prescribed = dose.dose_iu or dose.course.dose_iu
    if dose.status in DoseRecord.RECEIVED:
        fields = {
            "given_at": ctx.by_now(dose.planned_at + ctx.minutes(-5, 45)),
            "amount_iu": prescribed,
            "given_by": giver,
        }
        if not dose.course.needs_pre_dose_check:
            fields["injection_site"] = ROTATION[dose.dose_in_course % len(ROTATION)]
        if dose.status == Dose.Status.PARTIAL:
            fields.update(
                amount_iu=(prescribed / 2).quantize(Decimal(1)), partial_reason="reaction"
            )
        return fields
    if dose.status == Dose.Status.HELD:
        return {"hold_reason": ctx.rng.choice(sorted(HOLD_READINGS))}
    reasons = ("missed", "unwell") if by_patient else ("refused", "unavailable")
    return {"not_given_reason": NotGivenReason(ctx.rng.choice(reasons))}


def make_record(ctx: Context, dose: Dose, patient: Patient, nurse: User) -> DoseRecord:
    # Half the home injections are recorded by the patient, most since verified.
    by_patient = not dose.course.needs_pre_dose_check and ctx.rng.random() < 0.5
    recorder = patient.user if by_patient else nurse
    fields = outcome_fields(ctx, dose, by_patient, recorder)
    recorded_at = ctx.by_now((fields.get("given_at") or dose.planned_at) + ctx.minutes(2, 40))
    record = DoseRecord(
        dose=dose,
        outcome=dose.status,
        recorded_by=recorder,
        recorded_at=recorded_at,
        source="patient" if by_patient else "staff",
        **fields,
    )
    if by_patient and recorded_at < ctx.now - timedelta(days=1) and ctx.rng.random() < 0.85:
        record.verified_by, record.verified_at = nurse, recorded_at + ctx.minutes(30, 600)
    return stamp(record, recorded_at, recorder)


def make_records(ctx: Context, seeded: Seeded, nurse_of: dict[int, User]) -> None:
    records, checks = [], []
    for course in seeded.courses:
        nurse = nurse_of[course.patient_id]
        for dose in seeded.doses[course.pk]:
            if dose.status not in Dose.RECORDED:
                continue
            record = make_record(ctx, dose, course.patient, nurse)
            if course.needs_pre_dose_check and dose.status != Dose.Status.NOT_GIVEN:
                record.pre_dose_check = make_check(ctx, dose, nurse, record.hold_reason or None)
                checks.append(record.pre_dose_check)
            records.append(record)
    # bulk_create fills each record's check id from the check inserted first.
    ctx.writer.insert(PreDoseCheck, checks)
    ctx.writer.insert(DoseRecord, records)
    seeded.records = {record.dose_id: record for record in records}
    write_status_history(ctx, seeded)


# Reports, graded entries, thyroid results and their alerts ------------------------------


def given_doses(seeded: Seeded, course: Course) -> list[tuple[Dose, DoseRecord]]:
    pairs = [(d, seeded.records.get(d.pk)) for d in seeded.doses[course.pk]]
    return [(d, r) for d, r in pairs if r is not None and r.given_at is not None]


def answers(ctx: Context, symptom: ProSymptom) -> dict:
    values: dict = {}
    for attribute in symptom.attributes():
        if attribute == "presence":
            values["present"] = True
        else:
            values[attribute.value] = ctx.rng.choices(range(5), (10, 35, 30, 18, 7))[0]
    if symptom.asks_temperature:
        values["temperature_c"] = Decimal(ctx.rng.randint(375, 395)) / 10
    return values


def onset_after(ctx: Context, record: DoseRecord, low: int, high: int) -> datetime | None:
    """When a reaction began, `low` to `high` minutes after the dose; None if still to come."""
    onset = record.given_at + ctx.minutes(low, high)
    return onset if onset < ctx.now else None


def make_report(
    ctx: Context, course: Course, dose: Dose, record: DoseRecord
) -> SymptomReport | None:
    hours = 7 if course.needs_pre_dose_check else 20  # before the next dose is due
    onset = onset_after(ctx, record, 60, hours * 60)
    if onset is None:
        return None
    symptom = ctx.rng.choice(ctx.ref.symptoms)
    report = SymptomReport(
        patient=course.patient,
        symptom=symptom,
        dose=dose,
        onset_at=onset,
        reported_by=course.patient.user,
        reported_at=ctx.by_now(onset + ctx.minutes(10, 240)),
        **answers(ctx, symptom),
    )
    if report.reported_at < ctx.now - timedelta(days=2) and ctx.rng.random() < 0.5:
        report.reviewed_grade = ctx.rng.randint(0, 3)
        report.reviewed_by = course.created_by
        report.reviewed_at = report.reported_at + ctx.minutes(30, 1440)
    return stamp(report, report.reported_at, course.patient.user)


def make_event(
    ctx: Context, course: Course, dose: Dose, record: DoseRecord
) -> AdverseEvent | None:
    onset = onset_after(ctx, record, 30, 600)
    if onset is None:
        return None
    term = ctx.rng.choice(ctx.ref.terms)
    event = AdverseEvent(
        patient=course.patient,
        term=term,
        ctcae_version=term.version,
        grade=ctx.rng.choices((1, 2, 3, 4), (45, 30, 20, 5))[0],
        onset_at=onset,
        attribution=ctx.rng.choice(("possible", "probable", "definite")),
        dose=dose,
        recorded_by=record.recorded_by if record.source == "staff" else course.created_by,
        recorded_at=ctx.by_now(onset + ctx.minutes(15, 180)),
    )
    if onset < ctx.now - timedelta(days=3):
        event.resolved_at = onset + timedelta(hours=ctx.rng.randint(6, 120))
    return stamp(event, event.recorded_at, event.recorded_by)


def make_entries(ctx: Context, seeded: Seeded) -> None:
    reports, events = [], []
    for course in seeded.courses:
        given = given_doses(seeded, course)
        if not given:
            continue
        for _ in range(ctx.rng.randint(1, 5)):
            reports.append(make_report(ctx, course, *ctx.rng.choice(given)))
        for _ in range(ctx.rng.randint(0, 3)):
            events.append(make_event(ctx, course, *ctx.rng.choice(given)))
    reports, events = [r for r in reports if r], [e for e in events if e]
    ctx.writer.insert(SymptomReport, reports)
    ctx.writer.insert(AdverseEvent, events)
    seeded.alerts += filter(None, (report_alert(ctx, report) for report in reports))
    seeded.alerts += filter(None, (event_alert(ctx, event) for event in events))


def report_alert(ctx: Context, report: SymptomReport) -> Alert | None:
    """An answer of 3 or more alerts the team, as tracker.alerts.rules does."""
    answered = (report.frequency, report.severity, report.interference)
    worst = max((v for v in answered if v is not None), default=0)
    if worst < 3:
        return None
    text = f"{report.patient.full_name} reported {report.symptom.name.lower()} ({worst}/4)"
    at = report.reported_at
    return alert(ctx, report.patient, "patient_answer", worst, text, at, symptom_report=report)


def event_alert(ctx: Context, event: AdverseEvent) -> Alert | None:
    if event.grade < 3:
        return None
    text = f"{event.patient.full_name}: {event.term.term} grade {event.grade}"
    at = event.recorded_at
    return alert(ctx, event.patient, "staff_grade", event.grade, text, at, adverse_event=event)


def thyroid_pair(ctx: Context, course: Course, collected: datetime) -> list[ThyroidResult]:
    """TSH and free T4 on one sample; after IL-2 the TSH is often out of range."""
    tsh = ctx.rng.choices(("0.2", "2.1", "9.5"), (4, 84, 12))[0]
    values = {"tsh": (Decimal(tsh) * Decimal(ctx.rng.randint(80, 120)) / 100, "mIU/L")}
    values["ft4"] = (Decimal(ctx.rng.randint(70, 190)) / 100, "ng/dL")
    results = []
    for test, (value, unit) in values.items():
        low, high = thyroid_lab.TESTS[thyroid_lab.Test(test)].units[unit].default_range
        value = value.quantize(Decimal("0.001"))
        result = ThyroidResult(
            patient=course.patient,
            course=course,
            test=test,
            collected_at=collected,
            value=value,
            unit=unit,
            range_low=low,
            range_high=high,
            flag=flag(value, low, high),
            recorded_by=course.created_by,
            recorded_at=collected + ctx.minutes(120, 1440),
        )
        results.append(stamp(result, result.recorded_at, course.created_by))
    return results


def make_thyroid(ctx: Context, seeded: Seeded) -> None:
    results = []
    for course in seeded.courses:
        doses = seeded.doses[course.pk]
        baseline = doses[0].planned_at - timedelta(days=3)
        follow_up = doses[-1].planned_at + timedelta(days=28)
        for collected in (baseline, follow_up):
            if collected + timedelta(days=1) < ctx.now:
                results += thyroid_pair(ctx, course, collected)
    ctx.writer.insert(ThyroidResult, results)
    seeded.alerts += filter(None, (thyroid_alert(ctx, result) for result in results))


def thyroid_alert(ctx: Context, result: ThyroidResult) -> Alert | None:
    if result.test != "tsh" or result.flag == "normal":
        return None
    text = f"{result.patient.full_name}: TSH {result.value.normalize()} mIU/L ({result.flag})"
    at = result.recorded_at
    return alert(ctx, result.patient, "thyroid", 2, text, at, thyroid_result=result)


SEVERITY = {2: "routine", 3: "high", 4: "urgent"}


def alert(
    ctx: Context, patient: Patient, trigger: str, level: int, text: str, at: datetime, **source
) -> Alert:
    """An alert as the rules raise it; most old ones acknowledged by the patient's nurse."""
    made = Alert(
        patient=patient,
        trigger=trigger,
        severity=SEVERITY[min(level, 4)],
        text=text[:300],
        created_at=at,
        **source,
    )
    acknowledged = ctx.rng.random() < (0.95 if at < ctx.now - timedelta(days=1) else 0.3)
    if acknowledged:
        made.acknowledged_by = patient._seed_nurse  # type: ignore[attr-defined]
        made.acknowledged_at = ctx.by_now(at + ctx.minutes(5, 600))
        made.acknowledgement_note = "Seen; plan discussed with the patient."
    return stamp(made, at, None)


# The whole run --------------------------------------------------------------------------


def seed_chunk(ctx: Context, numbers: range) -> None:
    seeded = Seeded()
    seeded.patients = make_patients(ctx, numbers)
    nurse_of = {}
    for n, patient in zip(numbers, seeded.patients, strict=True):
        patient._seed_nurse = nurse_of[patient.pk] = ctx.team.nurse_for(n - 1, ctx.total)  # type: ignore[attr-defined]
    plans = make_courses(ctx, seeded, numbers)
    make_doses(ctx, seeded, plans)
    make_records(ctx, seeded, nurse_of)
    make_entries(ctx, seeded)
    make_thyroid(ctx, seeded)
    ctx.writer.insert(Alert, seeded.alerts)


def seed_patients(
    patients: int, *, seed: int = 0, progress: Callable[[int], None] = lambda n: None
) -> Counter:
    """Add `patients` made-up patients with their history; return the rows made per table.

    `progress` is told how many patients each chunk added.
    """
    shipped.load_all()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    tag = str(Patient.objects.count())
    writer = Writer()
    # One transaction: a run that fails leaves nothing behind.
    with transaction.atomic(), own_times(*SEEDED_MODELS):
        start = now - timedelta(days=400)
        team = make_team(writer, tag, patients, start)
        rng = random.Random(seed)  # noqa: S311 (made-up data, repeatable on purpose)
        ctx = Context(rng, writer, Reference.load(), team, tag, patients, now, start)
        for first in range(1, patients + 1, CHUNK):
            numbers = range(first, min(first + CHUNK, patients + 1))
            seed_chunk(ctx, numbers)
            progress(len(numbers))
    if connection.vendor == "postgresql":
        # VACUUM too, where it may run (not inside a transaction, as in the tests): it
        # marks the new rows visible to all, so an index-only scan reads only the index,
        # as it does on a database autovacuum has been through.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    return writer.counts

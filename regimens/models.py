import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from regimens import calendar, dosing
from tracker.lib.history import save_with_history
from tracker.lib.zones import CLOCK_LEEWAY, validate_time_zone
from tracker.patients.models import PatientRecordQuerySet, RetreatmentContraindication

GIVEN_TIME_RANGE = timedelta(hours=24)

INTERVAL_FIELDS = ("every_hours", "max_doses_per_cycle", "window_days")
PATTERN_FIELDS = ("days_on", "days_off", "pattern_days", "rest_days")


def validate_cycle_start_days(value):
    if not isinstance(value, list) or not all(isinstance(day, int) for day in value):
        raise ValidationError("Cycle start days must be a list of day numbers, e.g. [1, 15].")


def validate_dose_steps(value):
    try:
        dosing.dose_steps(value)
    except dosing.DosingError as error:
        raise ValidationError(str(error)) from error


class RegimenTemplate(models.Model):
    """A reusable regimen: drug, route, dose and schedule rule.  Editable in the admin.

    A course copies what it needs from its template when it starts, so editing a
    template never changes a course that already exists.
    """

    class Route(models.TextChoices):
        IV = "iv", "Intravenous (IV)"
        SC = "sc", "Subcutaneous (SC)"

    class Mode(models.TextChoices):
        INTERVAL = "interval", "Every N hours"
        DAY_PATTERN = "day_pattern", "Days on / days off"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True, help_text="e.g. hd-iv-label")
    drug = models.CharField(max_length=80, default="Aldesleukin (Proleukin)")
    route = models.CharField(max_length=2, choices=Route)
    dose_amount = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    dose_unit = models.CharField(
        max_length=8, choices=[(unit.value, unit.value) for unit in dosing.DoseUnit]
    )
    dose_steps = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_dose_steps],
        help_text=(
            'A different dose from a day of each cycle on, e.g. [{"from_day": 10, "amount": "9"}]'
            " (day 1 is the cycle's first day). Empty: the same dose every time."
        ),
    )
    infusion_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="IV only: how long each infusion runs."
    )
    mode = models.CharField(max_length=12, choices=Mode)

    every_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    max_doses_per_cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Doses stop at the cap or after this many days."
    )

    days_on = models.PositiveSmallIntegerField(null=True, blank=True)
    days_off = models.PositiveSmallIntegerField(null=True, blank=True)
    pattern_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How long the on/off pattern runs, e.g. 28 for 4 weeks."
    )
    rest_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days without treatment after the pattern."
    )
    days_chosen_per_course = models.BooleanField(
        default=False, help_text="The clinician chooses the pattern's length for each course."
    )
    dose_time = models.TimeField(
        default=time(9, 0), help_text="Suggested local time of the first dose."
    )

    cycle_start_days = models.JSONField(
        default=list,
        validators=[validate_cycle_start_days],
        help_text="Course day on which each cycle starts, e.g. [1, 15].",
    )
    cycle_length_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Spacing of cycles beyond those listed."
    )
    default_cycles = models.PositiveSmallIntegerField(default=1)
    max_cycles = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty for no limit."
    )
    overdue_after = models.DurationField(
        default=timedelta(hours=1),
        help_text="A dose with no record this long after its planned time is overdue (hh:mm:ss).",
    )
    recording_window = models.DurationField(
        default=timedelta(hours=2),
        help_text=(
            "A dose recorded as given further than this from its planned time needs the nurse "
            "to confirm it was given at a different time, with a reason (hh:mm:ss)."
        ),
    )
    retreatment_gap_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Least number of days from discharge after a course of this kind to the next one, "
            "e.g. 49 (7 weeks) for high-dose IV. Empty for no limit."
        ),
    )
    thyroid_every_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=(
            "TSH is due before each course; also every this many days during it "
            "(e.g. 42 for long subcutaneous regimens). Empty for before each course only."
        ),
    )
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(mode="interval", **{f"{f}__isnull": False for f in INTERVAL_FIELDS})
                    | models.Q(
                        mode="day_pattern", **{f"{f}__isnull": False for f in PATTERN_FIELDS}
                    )
                ),
                name="template_rule_complete",
                violation_error_message="Fill in every field of the schedule rule.",
            ),
            models.CheckConstraint(
                condition=models.Q(dose_amount__gt=0), name="template_dose_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        missing = [
            f
            for f in (INTERVAL_FIELDS if self.mode == self.Mode.INTERVAL else PATTERN_FIELDS)
            if getattr(self, f) is None
        ]
        if missing:
            raise ValidationError(dict.fromkeys(missing, "Needed for this schedule mode."))
        try:
            self.schedule()
        except calendar.CalendarError as error:
            raise ValidationError(str(error)) from error

    def rule_snapshot(self) -> dict:
        """The schedule as plain data, frozen onto each course."""
        fields = INTERVAL_FIELDS if self.mode == self.Mode.INTERVAL else PATTERN_FIELDS
        return {
            "mode": self.mode,
            **{f: getattr(self, f) for f in fields},
            "cycle_start_days": list(self.cycle_start_days),
            "cycle_length_days": self.cycle_length_days,
            "dose_steps": list(self.dose_steps or []),
        }

    def schedule(self, treatment_days: int | None = None) -> calendar.Schedule:
        return schedule_from_snapshot(self.rule_snapshot(), treatment_days)

    def describe(self) -> str:
        """The rule in words, e.g. "every 8 h, at most 14 doses per cycle, within 5 days"."""
        return describe_snapshot(self.rule_snapshot())

    def describe_steps(self) -> str:
        return describe_steps(self.dose_amount, self.dose_unit, self.dose_steps)


def describe_steps(amount, unit, steps) -> str:
    """The dose and its steps in words: "18 MIU; from cycle day 10: 9 MIU; …"; "" if none."""
    parsed = dosing.dose_steps(steps)
    if not parsed:
        return ""
    parts = [f"{amount.normalize():f} {unit} from cycle day 1"]
    parts += [f"from cycle day {s.from_day}: {s.amount.normalize():f} {unit}" for s in parsed]
    return "; ".join(parts)


def schedule_from_snapshot(snapshot: dict, treatment_days: int | None = None) -> calendar.Schedule:
    if snapshot["mode"] == RegimenTemplate.Mode.INTERVAL:
        rule = calendar.IntervalRule(*(snapshot[f] for f in INTERVAL_FIELDS))
    else:
        values = {f: snapshot[f] for f in PATTERN_FIELDS}
        if treatment_days:
            values["pattern_days"] = treatment_days
        rule = calendar.DayPatternRule(**values)
    return calendar.Schedule(
        rule=rule,
        cycle_start_days=tuple(snapshot["cycle_start_days"]),
        cycle_length_days=snapshot["cycle_length_days"],
    )


def describe_snapshot(snapshot: dict, treatment_days: int | None = None) -> str:
    if snapshot["mode"] == RegimenTemplate.Mode.INTERVAL:
        return (
            f"every {snapshot['every_hours']} h, at most {snapshot['max_doses_per_cycle']} doses "
            f"per cycle, within {snapshot['window_days']} days"
        )
    days = treatment_days or snapshot["pattern_days"]
    if snapshot["days_off"] == 0:
        text = f"daily for {days} days"
    else:
        text = f"{snapshot['days_on']} days on / {snapshot['days_off']} off for {days} days"
    if snapshot["rest_days"]:
        text += f", then {snapshot['rest_days']} rest days"
    return text


Criterion = RetreatmentContraindication.Criterion


class CourseQuerySet(PatientRecordQuerySet):
    pass


class Course(models.Model):
    """One patient's course of a regimen, with the dose calendar it generated."""

    class Status(models.TextChoices):
        # Not started or under way: still taking doses.  The stored value is older than the name.
        OPEN = "planned", "Open"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"
        CANCELLED = "cancelled", "Cancelled"

    class DiscontinueReason(models.TextChoices):
        # The label's events for stopping for good (docs/clinical-sources.md §1) come first,
        # with the codes and words of the retreatment flag they set.
        SUSTAINED_VT = Criterion.SUSTAINED_VT.value, Criterion.SUSTAINED_VT.label
        UNCONTROLLED_RHYTHM = (
            Criterion.UNCONTROLLED_RHYTHM.value,
            Criterion.UNCONTROLLED_RHYTHM.label,
        )
        CARDIAC_ISCHAEMIA = Criterion.CARDIAC_ISCHAEMIA.value, Criterion.CARDIAC_ISCHAEMIA.label
        TAMPONADE = Criterion.TAMPONADE.value, Criterion.TAMPONADE.label
        INTUBATION = Criterion.INTUBATION.value, Criterion.INTUBATION.label
        COMA_PSYCHOSIS = Criterion.COMA_PSYCHOSIS.value, Criterion.COMA_PSYCHOSIS.label
        SEIZURES = Criterion.SEIZURES.value, Criterion.SEIZURES.label
        BOWEL = Criterion.BOWEL.value, Criterion.BOWEL.label
        GI_BLEED_SURGERY = Criterion.GI_BLEED_SURGERY.value, Criterion.GI_BLEED_SURGERY.label
        DIALYSIS = Criterion.DIALYSIS.value, Criterion.DIALYSIS.label
        # Older courses, stopped before the criterion was coded; not offered for new stops.
        TOXICITY = "toxicity", "Label criterion to stop permanently (not specified)"
        HEPATIC = "hepatic", "Signs of hepatic failure: no further doses this course"
        INTOLERANCE = "intolerance", "Toxicity: not tolerated, at the clinician's judgement"
        PROGRESSION = "progression", "Disease progression"
        PATIENT_CHOICE = "patient_choice", "Patient's decision"
        DEATH = "death", "Death"
        OTHER = "other", "Other (see note)"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="courses")
    template = models.ForeignKey(RegimenTemplate, models.PROTECT, related_name="courses")
    start_date = models.DateField(help_text="Local date of the first dose.")
    start_time = models.TimeField(help_text="Local time of the first dose.")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    cycles = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    treatment_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Length of the dosing pattern, if the template lets you choose.",
    )

    class WeightBasis(models.TextChoices):
        # Centres differ on which weight to dose on (docs/clinical-sources.md §6).
        ACTUAL = "actual", "Actual body weight"
        IDEAL = "ideal", "Ideal body weight"
        ADJUSTED = "adjusted", "Adjusted body weight"

    weight_kg = models.DecimalField("dosing weight (kg)", max_digits=4, decimal_places=1)
    weight_basis = models.CharField(
        "dosing weight basis", max_length=8, choices=WeightBasis, default=WeightBasis.ACTUAL
    )
    weight_measured_on = models.DateField(
        "dosing weight measured on", null=True, blank=True, help_text="Empty on old courses only."
    )
    weight_chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The clinician who chose the dosing weight, at the course's start.",
    )
    baseline_weight_kg = models.DecimalField(
        "admission weight (kg)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="The baseline that weight gain during the course is measured against.",
    )
    baseline_weight_on = models.DateField("admission weight measured on", null=True, blank=True)
    height_cm = models.DecimalField("height used (cm)", max_digits=4, decimal_places=1)
    dose_amount = models.DecimalField(max_digits=12, decimal_places=3)
    dose_unit = models.CharField(max_length=8)
    dose_iu = models.DecimalField("dose per administration (IU)", max_digits=14, decimal_places=0)
    rule = models.JSONField(help_text="The template's schedule rule when the course started.")
    overdue_after = models.DurationField(
        default=timedelta(hours=1),
        help_text="A dose with no record this long after its planned time is overdue.",
    )
    recording_window = models.DurationField(
        default=timedelta(hours=2),
        help_text="How far from its planned time a dose may be recorded as given unquestioned.",
    )
    retreatment_gap_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Least days from this course's discharge to the next."
    )
    retreatment_override = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why this course starts sooner than the gap after the previous one allows.",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN)
    status_reason = models.CharField(max_length=200, blank=True)
    discontinue_reason = models.CharField(max_length=16, choices=DiscontinueReason, blank=True)
    discharged_on = models.DateField(
        null=True, blank=True, help_text="Hospital discharge after this course."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        # The admin's list, newest first: one page read from the index, not a sort of
        # every course.
        indexes = [models.Index(fields=["-start_date", "-id"], name="course_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cycles__gte=1), name="course_cycles_positive"
            ),
            models.CheckConstraint(condition=models.Q(dose_iu__gt=0), name="course_dose_positive"),
            models.CheckConstraint(
                condition=~models.Q(status="discontinued") | ~models.Q(discontinue_reason=""),
                name="course_discontinued_has_reason",
                violation_error_message="A discontinued course needs a coded reason.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(discharged_on__isnull=False),
                name="course_completed_has_discharge",
                violation_error_message="A completed course needs its discharge date.",
            ),
        ]

    def __str__(self):
        return f"{self.template} for {self.patient.full_name} from {self.start_date:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("course-detail", args=[self.pk])

    @property
    def local_start(self) -> datetime:
        return datetime.combine(self.start_date, self.start_time)

    def schedule(self) -> calendar.Schedule:
        return schedule_from_snapshot(self.rule, self.treatment_days)

    def plan(self, start: datetime | None = None) -> list[calendar.PlannedDose]:
        return calendar.plan_course(
            self.schedule(), start or self.local_start, self.time_zone, self.cycles
        )

    def dose_calculation(self, amount: Decimal | None = None) -> dosing.DoseCalculation:
        """The dose on the course's first day, or of another `amount` in the course's unit."""
        return dosing.calculate_dose(
            self.dose_amount if amount is None else amount,
            self.dose_unit,
            weight_kg=self.weight_kg,
            height_cm=self.height_cm,
        )

    @property
    def bmi(self) -> Decimal:
        """Body mass index from the dosing weight and height, kg/m² to 0.1."""
        return dosing.body_mass_index(self.height_cm, self.weight_kg)

    @property
    def weight_gain_baseline(self) -> Decimal:
        """The weight that gain during the course is counted from: the admission weight.

        Courses started before it was recorded separately have only the dosing weight.
        """
        return self.weight_kg if self.baseline_weight_kg is None else self.baseline_weight_kg

    @property
    def dose_steps(self) -> tuple[dosing.DoseStep, ...]:
        return dosing.dose_steps(self.rule.get("dose_steps"))

    @property
    def has_dose_steps(self) -> bool:
        return bool(self.rule.get("dose_steps"))

    def describe_steps(self) -> str:
        return describe_steps(self.dose_amount, self.dose_unit, self.rule.get("dose_steps"))

    def amount_on(self, cycle: int, course_day: int) -> Decimal:
        """The dose amount (in the course's unit) for a dose of `cycle` on `course_day`."""
        if not self.has_dose_steps:
            return self.dose_amount
        day = calendar.day_of_cycle(self.schedule(), cycle, course_day)
        return dosing.amount_on_day(self.dose_amount, self.dose_steps, day)

    def dose_iu_on(self, cycle: int, course_day: int) -> Decimal | None:
        """The dose in IU for a dose of `cycle` on `course_day`; None before the dose is known."""
        if not self.has_dose_steps or self.dose_iu is None:
            return self.dose_iu
        return self.dose_calculation(self.amount_on(cycle, course_day)).dose_iu

    def vial_counts(self, plan) -> list[dosing.VialCount]:
        """Per-cycle vials for planned doses (PlannedDose or Dose), both ways of counting."""
        return dosing.count_vials(
            (
                p.cycle,
                getattr(p, "start_utc", None) or p.planned_at,
                p.prescribed_iu if isinstance(p, Dose) else self.dose_iu_on(p.cycle, p.day),
            )
            for p in plan
        )

    def describe_rule(self) -> str:
        return describe_snapshot(self.rule, self.treatment_days)

    @property
    def is_open(self) -> bool:
        """An open course can be moved, cancelled, discontinued and discharged."""
        return self.status == self.Status.OPEN

    @property
    def needs_pre_dose_check(self) -> bool:
        """Each dose needs the bedside observations first: high-dose IV, given on the ward."""
        return self.template.route == RegimenTemplate.Route.IV

    @property
    def state_label(self) -> str:
        """The status as the ward says it: an open course is "Not started" or "In progress"."""
        if not self.is_open:
            return self.get_status_display()
        started = self.doses.filter(planned_at__lte=timezone.now()).exists()
        return "In progress" if started else "Not started"

    @property
    def status_line(self) -> str:
        """The status with its reason, e.g. "Discontinued: Toxicity: not tolerated".

        Some reasons already start with the status, because they are also the history's
        change reason; the status is then not said twice.
        """
        label = self.get_status_display()
        if not self.status_reason:
            return label
        if self.status_reason.startswith(f"{label}:"):
            return self.status_reason
        return f"{label}: {self.status_reason}"

    @property
    def takes_records(self) -> bool:
        """Its doses can be recorded: every course that happened, even if stopped since.

        Stopping a course cancels only the doses still to come; a past dose with no
        record waits for the nurse who knows what happened to it.
        """
        return self.status != self.Status.CANCELLED

    def earliest_next_course(self) -> date | None:
        """The first day another course may start after this one, counted from discharge."""
        if self.retreatment_gap_days and self.discharged_on:
            return self.discharged_on + timedelta(days=self.retreatment_gap_days)
        return None

    def next_cycle_start(self, now) -> "Dose | None":
        """The first dose of a cycle not yet started, if the course has one to come."""
        started = self.doses.filter(planned_at__lte=now).order_by("-planned_at").first()
        return (
            self.doses.scheduled()
            .filter(cycle__gt=started.cycle if started else 0, planned_at__gt=now)
            .order_by("planned_at")
            .first()
        )

    def minimum_gap(self) -> timedelta:
        """The least time between two doses given: three quarters of the planned interval."""
        hours = self.rule.get("every_hours") if self.rule.get("mode") == "interval" else 24
        return timedelta(hours=hours) * 3 / 4

    def counts(self, now=None) -> "CourseCounts":
        return CourseCounts.of(self, now or timezone.now())

    def refusal_to_cancel(self) -> str | None:
        """Why this course cannot be cancelled, or None: once a dose has a record it happened."""
        if self.status == self.Status.CANCELLED:
            return "This course is already cancelled."
        if not self.is_open:
            return f"This course is {self.get_status_display().lower()}."
        if self.doses.filter(status__in=Dose.RECORDED).exists():
            return (
                "Doses of this course have been recorded, so it cannot be cancelled. "
                "Discontinue it instead."
            )
        return None

    def refusal_to_discharge(self) -> str | None:
        """Why no discharge can be recorded for this course, or None."""
        if self.status == self.Status.CANCELLED:
            return "This course was cancelled; it has no discharge."
        if self.discharged_on:
            return f"The discharge is already recorded: {self.discharged_on:%d %b %Y}."
        return None


@dataclass(frozen=True)
class CycleCount:
    """Given, held and remaining doses of one cycle.  Held doses are not made up."""

    cycle: int
    cap: int
    given: int
    # Less than the prescribed dose went in; it counts toward the cap (docs/recording.md).
    partial: int
    held: int
    not_given: int
    cancelled: int
    remaining: int
    window_end: datetime
    now: datetime

    @property
    def recorded(self) -> int:
        return self.given + self.partial + self.held + self.not_given

    @property
    def received(self) -> int:
        """Doses the patient received drug from: given in full or in part."""
        return self.given + self.partial

    @property
    def ended(self) -> bool:
        return self.remaining == 0 or self.now >= self.window_end

    @property
    def end_reason(self) -> str:
        if not self.ended:
            return ""
        if self.received >= self.cap:
            return "cap reached"
        if self.remaining == 0:
            return "every dose recorded or cancelled"
        return "window closed"

    @classmethod
    def total(cls, rows: list["CycleCount"], now) -> "CycleCount":
        return cls(
            cycle=0,
            now=now,
            window_end=max((r.window_end for r in rows), default=now),
            **{
                f: sum(getattr(r, f) for r in rows)
                for f in ("cap", "given", "partial", "held", "not_given", "cancelled", "remaining")
            },
        )


@dataclass(frozen=True)
class CourseCounts:
    cycles: list[CycleCount]
    course: CycleCount

    @classmethod
    def of(cls, course: Course, now) -> "CourseCounts":
        """One query: per-cycle counts by status, plus each cycle's first and last dose."""
        status = Dose.Status
        rows = (
            course.doses.order_by("cycle")
            .values("cycle")
            .annotate(
                slots=models.Count("pk"),
                given=models.Count("pk", filter=models.Q(status=status.GIVEN)),
                partial=models.Count("pk", filter=models.Q(status=status.PARTIAL)),
                held=models.Count("pk", filter=models.Q(status=status.HELD)),
                not_given=models.Count("pk", filter=models.Q(status=status.NOT_GIVEN)),
                cancelled=models.Count("pk", filter=models.Q(status=status.CANCELLED)),
                remaining=models.Count("pk", filter=models.Q(status=status.SCHEDULED)),
                first=models.Min("planned_at"),
                last=models.Max("planned_at"),
            )
        )
        rule = course.rule
        cap = rule.get("max_doses_per_cycle") if rule.get("mode") == "interval" else None
        window = timedelta(days=rule["window_days"]) if rule.get("mode") == "interval" else None
        cycles = [
            CycleCount(
                cycle=row["cycle"],
                cap=cap or row["slots"],
                given=row["given"],
                partial=row["partial"],
                held=row["held"],
                not_given=row["not_given"],
                cancelled=row["cancelled"],
                remaining=row["remaining"],
                window_end=(
                    row["first"] + window if window else row["last"] + course.overdue_after
                ),
                now=now,
            )
            for row in rows
        ]
        return cls(cycles=cycles, course=CycleCount.total(cycles, now))


def _overdue_at(now) -> models.Q:
    # With `overdue_from` aliased: planned before now, and its overdue window passed.
    return models.Q(planned_at__lt=now, overdue_from__lte=now)


class DoseQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(course__patient=patient)

    def visible_to(self, user):
        return self.filter(course__in=Course.objects.visible_to(user))

    def due_between(self, start, end):
        return self.filter(planned_at__gte=start, planned_at__lt=end)

    def scheduled(self):
        return self.filter(status=Dose.Status.SCHEDULED)

    def recordable(self):
        """Doses waiting for a record (see Course.takes_records)."""
        return self.scheduled().exclude(course__status=Course.Status.CANCELLED)

    def with_overdue_from(self):
        """Alias `overdue_from`: when the dose falls overdue if nothing is recorded."""
        return self.alias(
            overdue_from=models.ExpressionWrapper(
                models.F("planned_at") + models.F("course__overdue_after"),
                output_field=models.DateTimeField(),
            )
        )

    def overdue(self, now):
        """Recordable doses whose course's overdue window has passed with no record."""
        return self.recordable().with_overdue_from().filter(_overdue_at(now))

    def waiting_counts(self, now, hours: int) -> dict[str, int]:
        """How many recordable doses are overdue at `now`, and how many more are due
        within `hours`: the counts of `overdue` and `not_overdue` up to then, in one query."""
        counts = (
            self.recordable()
            .filter(planned_at__lt=now + timedelta(hours=hours))
            .with_overdue_from()
            .aggregate(
                overdue=models.Count("pk", filter=_overdue_at(now)), waiting=models.Count("pk")
            )
        )
        return {"overdue": counts["overdue"], "due": counts["waiting"] - counts["overdue"]}

    def not_overdue(self, now):
        """Recordable doses not overdue at `now`: still to come, or inside their overdue window.

        The exact complement of `overdue` among recordable doses, so that a list split in
        two by these loses no dose between them.
        """
        return (
            self.recordable()
            .with_overdue_from()
            .filter(models.Q(planned_at__gte=now) | models.Q(overdue_from__gt=now))
        )

    def window_ended(self, now):
        """Recordable doses still with no record at the end of their recording window.

        A patient at home is asked about these ("Did you take your dose?") from then;
        the team is told later, a recording window after the dose fell overdue.
        """
        return (
            self.recordable()
            .filter(planned_at__lt=now)
            .alias(
                window_ends_at=models.ExpressionWrapper(
                    models.F("planned_at") + models.F("course__recording_window"),
                    output_field=models.DateTimeField(),
                )
            )
            .filter(window_ends_at__lte=now)
        )

    def past_recording_window(self, now):
        """Recordable doses still with no record a recording window after they fell overdue."""
        return (
            self.recordable()
            .filter(planned_at__lt=now)
            .alias(
                window_passed_at=models.ExpressionWrapper(
                    models.F("planned_at")
                    + models.F("course__overdue_after")
                    + models.F("course__recording_window"),
                    output_field=models.DateTimeField(),
                )
            )
            .filter(window_passed_at__lte=now)
        )

    def with_course(self):
        return self.select_related("course__patient", "course__template")

    def with_cycle_total(self):
        """Annotate each dose with how many doses its cycle has, in the same query."""
        totals = (
            Dose.objects.filter(course=models.OuterRef("course"), cycle=models.OuterRef("cycle"))
            .order_by()
            .values("course", "cycle")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(cycle_total=models.Subquery(totals))


class Dose(models.Model):
    """One planned administration.  Its row and UID live as long as the course."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        GIVEN = "given", "Given"
        PARTIAL = "partial", "Partial dose"
        HELD = "held", "Held"
        NOT_GIVEN = "not_given", "Not given"
        CANCELLED = "cancelled", "Cancelled"

    RECORDED = (Status.GIVEN, Status.PARTIAL, Status.HELD, Status.NOT_GIVEN)

    course = models.ForeignKey(Course, models.PROTECT, related_name="doses")
    cycle = models.PositiveSmallIntegerField()
    dose_in_cycle = models.PositiveSmallIntegerField()
    dose_in_course = models.PositiveSmallIntegerField()
    day = models.PositiveSmallIntegerField(help_text="Course day; day 1 is the start date.")
    planned_at = models.DateTimeField()
    original_planned_at = models.DateTimeField(
        help_text="Where the dose was first planned, before any move."
    )
    dst_note = models.CharField(max_length=200, blank=True)
    dose_iu = models.DecimalField(
        "dose (IU)",
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        help_text="This dose's amount, where the regimen steps the dose; else the course's.",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.SCHEDULED)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    history = HistoricalRecords()
    objects = DoseQuerySet.as_manager()

    class Meta:
        ordering = ["planned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "dose_in_course"], name="dose_unique_number_in_course"
            ),
        ]
        indexes = [
            # The ward list and calendars: doses due in a time window.
            models.Index(fields=["planned_at", "status"], name="dose_due_idx"),
            # The doses still to record, overdue or coming due: a few of a team's history,
            # so the shift page counts them from this index instead of every dose.
            models.Index(
                fields=["planned_at"],
                condition=models.Q(status="scheduled"),
                name="dose_scheduled_idx",
            ),
            # Each course's first and last dose given or planned, for the TSH checks due
            # (tracker/thyroid/schedule.py): one step into the index per course and end.
            models.Index(
                fields=["course", "planned_at"],
                condition=~models.Q(status="cancelled"),
                name="dose_course_span_idx",
            ),
        ]

    def __str__(self):
        return f"Dose {self.dose_in_course} (cycle {self.cycle}, dose {self.dose_in_cycle})"

    @classmethod
    def from_plan(cls, course, planned: calendar.PlannedDose) -> "Dose":
        return cls(
            course=course,
            cycle=planned.cycle,
            dose_in_cycle=planned.dose_in_cycle,
            dose_in_course=planned.dose_in_course,
            day=planned.day,
            planned_at=planned.start_utc,
            original_planned_at=planned.start_utc,
            dst_note=planned.note,
            dose_iu=course.dose_iu_on(planned.cycle, planned.day),
        )

    @property
    def prescribed_iu(self) -> Decimal:
        """The amount this dose is to be, in IU: its own where the regimen steps the dose."""
        return self.course.dose_iu if self.dose_iu is None else self.dose_iu

    @property
    def prescribed_miu(self) -> dosing.Quantity:
        return dosing.Quantity(
            (self.prescribed_iu / dosing.IU_PER_MIU).quantize(Decimal("0.01")), "MIU"
        )

    @property
    def is_recorded(self) -> bool:
        return self.status in self.RECORDED

    def is_movable(self, now) -> bool:
        return self.status == self.Status.SCHEDULED and self.planned_at > now

    @property
    def overdue_from(self) -> datetime:
        return self.planned_at + self.course.overdue_after

    def is_overdue(self, now) -> bool:
        return (
            self.status == self.Status.SCHEDULED
            and self.course.takes_records
            and now >= self.overdue_from
        )

    def refusal_to_record(self) -> str | None:
        """Why this dose cannot take a new record now, or None if it can."""
        if self.status == self.Status.CANCELLED:
            return "This dose was cancelled, so it cannot be recorded."
        if self.is_recorded:
            return (
                f"This dose is already recorded as {self.get_status_display().lower()}. "
                "To change it, correct that record."
            )
        if not self.course.takes_records:
            return "This course was cancelled, so its doses cannot be recorded."
        return None

    def refusal_of_given_time(self, given_at: datetime, now: datetime) -> str | None:
        """Why a dose cannot have been given at `given_at`, or None if it could.

        A time outside this dose's recording window but inside another dose's, one still
        waiting for its record, is that dose's: the classic wrong-row charting error.
        """
        if given_at > now + CLOCK_LEEWAY:
            return "The time given is in the future. Record a dose once it has started."
        if abs(given_at - self.planned_at) > GIVEN_TIME_RANGE:
            return (
                "The time given is more than 24 hours from the planned time. "
                "Check the dose and the date."
            )
        if self.is_in_window(given_at):
            return None
        nearest = self._nearest_slot(given_at)
        if nearest and nearest.status == self.Status.SCHEDULED and nearest.is_in_window(given_at):
            return (
                f"{self._at(given_at)} is nearest dose {nearest.dose_in_course}, planned "
                f"{self._at(nearest.planned_at)}; this is dose {self.dose_in_course}, planned "
                f"{self._at(self.planned_at)}. Record it against dose {nearest.dose_in_course}."
            )
        return None

    def questions_of_given_time(self, given_at: datetime, now: datetime) -> list[str]:
        """What makes `given_at` look like the wrong dose, though it may be right.

        Each needs the nurse to confirm the dose was given at a different time, with a
        reason: a time outside the recording window, a course not started yet, or an
        earlier dose of the course still without a record.  [] if none applies.
        """
        questions = []
        if not self.is_in_window(given_at):
            gap = given_at - self.planned_at
            side = "after" if gap > timedelta(0) else "before"
            questions.append(
                f"{self._at(given_at)} is {_duration(abs(gap))} {side} dose "
                f"{self.dose_in_course}, planned {self._at(self.planned_at)}; this course's doses "
                f"are recorded within {_duration(self.course.recording_window)} of their time."
            )
        others = self._course_slots()
        started = any(dose.status in (self.Status.GIVEN, self.Status.PARTIAL) for dose in others)
        first = min([*others, self], key=lambda dose: dose.planned_at)
        if not started and first.planned_at > now + CLOCK_LEEWAY:
            questions.append(
                f"The course has not started: its first dose, dose {first.dose_in_course}, "
                f"is planned {self._at(first.planned_at)}."
            )
        earlier = [
            dose
            for dose in others
            if dose.status == self.Status.SCHEDULED and dose.planned_at < self.planned_at
        ]
        if earlier:
            dose = earlier[0]
            questions.append(
                f"Dose {dose.dose_in_course}, planned {self._at(dose.planned_at)}, "
                "has no record yet."
            )
        return questions

    def is_in_window(self, given_at: datetime) -> bool:
        return abs(given_at - self.planned_at) <= self.course.recording_window

    def _course_slots(self) -> list["Dose"]:
        """The course's other doses that happen or happened, in planned order."""
        return list(
            self.course.doses.exclude(pk=self.pk)
            .exclude(status=self.Status.CANCELLED)
            .only("pk", "course_id", "dose_in_course", "planned_at", "status")
            .order_by("planned_at")
        )

    def _nearest_slot(self, given_at: datetime) -> "Dose | None":
        slots = [self, *self._course_slots()]
        nearest = min(slots, key=lambda dose: abs(dose.planned_at - given_at))
        if nearest is self:
            return None
        nearest.course = self.course
        return nearest

    def _at(self, instant: datetime) -> str:
        """An instant as the ward says it on the patient's clock: "09:10 Sunday"."""
        return f"{timezone.localtime(instant, calendar.ZoneInfo(self.course.time_zone)):%H:%M %A}"

    def set_status(self, status, *, by, reason: str):
        self.status = status
        save_with_history(self, by=by, reason=reason, update_fields=["status"])

    def local_time(self, zone: str | None = None) -> datetime:
        return timezone.localtime(
            self.planned_at, calendar.ZoneInfo(zone or self.course.time_zone)
        )

    def move(self, planned: calendar.PlannedDose, *, by, reason: str) -> None:
        self.planned_at, self.day, self.dst_note = planned.start_utc, planned.day, planned.note
        self.cycle, self.dose_in_cycle = planned.cycle, planned.dose_in_cycle
        fields = ["planned_at", "day", "dst_note", "cycle", "dose_in_cycle"]
        save_with_history(self, by=by, reason=reason, update_fields=fields)

    def cancel(self, *, by, reason: str) -> None:
        self.set_status(self.Status.CANCELLED, by=by, reason=reason)


def _duration(delta: timedelta) -> str:
    """A time span in hours and minutes: "17 h 3 min", "2 h"."""
    hours, minutes = divmod(round(delta.total_seconds() / 60), 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def with_token(self, token: str):
        """The feed a subscription URL's token opens; none for a token of another shape,
        which no link ever carried (regimens.models.new_feed_token)."""
        if not FEED_TOKEN_SHAPE.fullmatch(token):
            return self.none()
        return self.filter(token_hash=hash_feed_token(token))


# What new_feed_token makes: 43 URL-safe characters (older links were made the same way).
FEED_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def hash_feed_token(token: str) -> str:
    """What is stored for a feed's token: its SHA-256.

    The token is 256 random bits, so a plain hash is enough (as for invitations); a
    copy of the database, a backup or the admin holds no link that works.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A secret subscription URL for one patient's calendar.

    Calendar apps cannot sign in, so the token is the only key: it can be revoked,
    and a new one issued, at any time.  Only its hash is stored, and not in the
    history: the URL is shown once, when it is made (regimens.feeds.IssuedFeed).
    """

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])
    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        constraints = [
            # At most one live subscription per patient.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(revoked_at__isnull=True),
                name="feed_one_active_per_patient",
            ),
        ]

    def __str__(self):
        return f"Calendar feed for {self.patient}"


def feed_path(token: str) -> str:
    """The subscription URL's path for a token (the feed itself cannot give it)."""
    return reverse("calendar-feed", args=[token])


class CalendarChoice(models.Model):
    """How a patient's doses appear in calendar apps: the feed and the .ics downloads.

    A calendar provider (Google, Apple, Microsoft) reads every event it syncs, so a
    patient may choose neutral titles: "Treatment", with no drug or route.
    """

    patient = models.OneToOneField(
        "patients.Patient", models.PROTECT, related_name="calendar_choice"
    )
    neutral_titles = models.BooleanField(
        "neutral event titles",
        default=False,
        help_text='Events read "Treatment", with no drug or route.',
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    history = HistoricalRecords()

    def __str__(self):
        titles = "neutral" if self.neutral_titles else "with the drug and route"
        return f"Calendar titles for {self.patient}: {titles}"


# Cycle control: ending a cycle early, and a discharge between cycles ---------------------


class CycleEnd(models.Model):
    """A cycle a clinician ended early: its doses still to come were cancelled, with the
    reason; later cycles stay planned (regimens.courses.end_cycle)."""

    class Reason(models.TextChoices):
        TOXICITY = "toxicity", "Toxicity"
        CONDITION = "condition", "Patient's condition"
        OTHER = "other", "Other (see note)"

    course = models.ForeignKey(Course, models.PROTECT, related_name="cycle_ends")
    cycle = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=12, choices=Reason)
    note = models.CharField(max_length=150, blank=True)
    doses_cancelled = models.PositiveSmallIntegerField()
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    ended_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle"]
        constraints = [
            models.UniqueConstraint(fields=["course", "cycle"], name="cycle_end_once"),
            models.CheckConstraint(
                condition=~models.Q(reason="other") | ~models.Q(note=""),
                name="cycle_end_other_has_note",
                violation_error_message="Say why the cycle ended early.",
            ),
        ]

    def __str__(self):
        return f"Cycle {self.cycle} ended early: {self.reason_text}"

    @property
    def reason_text(self) -> str:
        """ "Toxicity. Grade 3 diarrhoea", or the note alone for Other."""
        if self.reason == self.Reason.OTHER:
            return self.note
        label = self.get_reason_display()
        return f"{label}. {self.note}" if self.note else label


class Discharge(models.Model):
    """The patient went home between two cycles; the next cycle stays planned.

    The discharge that ends the course is `Course.discharged_on`: it completes the
    course, and the retreatment gap counts from it, not from these.
    """

    course = models.ForeignKey(Course, models.PROTECT, related_name="discharges")
    after_cycle = models.PositiveSmallIntegerField()
    on = models.DateField("discharge date")
    note = models.CharField(max_length=150, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["after_cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "after_cycle"], name="discharge_once_after_cycle"
            ),
        ]

    def __str__(self):
        return f"Discharged after cycle {self.after_cycle} on {self.on:%d %b %Y}"

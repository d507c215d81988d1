import secrets
import uuid
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from regimens import calendar, dosing
from tracker.lib.zones import validate_time_zone

INTERVAL_FIELDS = ("every_hours", "max_doses_per_cycle", "window_days")
PATTERN_FIELDS = ("days_on", "days_off", "pattern_days", "rest_days")


def validate_cycle_start_days(value):
    if not isinstance(value, list) or not all(isinstance(day, int) for day in value):
        raise ValidationError("Cycle start days must be a list of day numbers, e.g. [1, 15].")


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
        }

    def schedule(self, treatment_days: int | None = None) -> calendar.Schedule:
        return schedule_from_snapshot(self.rule_snapshot(), treatment_days)

    def describe(self) -> str:
        """The rule in words, e.g. "every 8 h, at most 14 doses per cycle, within 5 days"."""
        return describe_snapshot(self.rule_snapshot())


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


class CourseQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def visible_to(self, user):
        from tracker.patients.models import Patient

        return self.filter(patient__in=Patient.objects.visible_to(user))


class Course(models.Model):
    """One patient's course of a regimen, with the dose calendar it generated."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        CANCELLED = "cancelled", "Cancelled"

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
    weight_kg = models.DecimalField("weight used (kg)", max_digits=4, decimal_places=1)
    height_cm = models.DecimalField("height used (cm)", max_digits=4, decimal_places=1)
    dose_amount = models.DecimalField(max_digits=12, decimal_places=3)
    dose_unit = models.CharField(max_length=8)
    dose_iu = models.DecimalField("dose per administration (IU)", max_digits=14, decimal_places=0)
    rule = models.JSONField(help_text="The template's schedule rule when the course started.")
    status = models.CharField(max_length=12, choices=Status, default=Status.PLANNED)
    status_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cycles__gte=1), name="course_cycles_positive"
            ),
            models.CheckConstraint(condition=models.Q(dose_iu__gt=0), name="course_dose_positive"),
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

    def dose_calculation(self) -> dosing.DoseCalculation:
        return dosing.calculate_dose(
            self.dose_amount, self.dose_unit, weight_kg=self.weight_kg, height_cm=self.height_cm
        )

    def describe_rule(self) -> str:
        return describe_snapshot(self.rule, self.treatment_days)

    @transaction.atomic
    def move_start(self, start: datetime, *, by, reason: str) -> int:
        """Move the course to a new local start; returns how many doses moved.

        Only doses still in the future with no record follow the new calendar, matched
        by their number in the course.  Recorded and past doses stay exactly as they are.
        """
        if self.status == self.Status.CANCELLED:
            raise ValidationError("A cancelled course cannot be moved.")
        now = timezone.now()
        plan = {p.dose_in_course: p for p in self.plan(start)}
        doses = list(self.doses.select_for_update().order_by("dose_in_course"))
        fixed = [d for d in doses if not d.is_movable(now)]
        last_fixed = max((d.planned_at for d in fixed), default=None)
        movable = [d for d in doses if d.is_movable(now)]
        for dose in movable:
            planned = plan.get(dose.dose_in_course)
            if planned is None:
                continue
            if planned.start_utc <= now or (last_fixed and planned.start_utc <= last_fixed):
                raise ValidationError(
                    f"The new start puts dose {dose.dose_in_course} at or before a dose that is "
                    "already past or recorded. Choose a later start."
                )
        self.start_date, self.start_time = start.date(), start.time().replace(second=0)
        self._change_reason = reason
        self.save(update_fields=["start_date", "start_time"])
        moved = 0
        for dose in movable:
            planned = plan.pop(dose.dose_in_course, None)
            if planned is None:
                dose.cancel(by=by, reason=f"Not in the moved calendar: {reason}")
            elif planned.start_utc != dose.planned_at:
                dose.move(planned, reason=reason)
                moved += 1
        existing = {d.dose_in_course for d in doses}
        bulk_create_with_history(
            [Dose.from_plan(self, p) for n, p in plan.items() if n not in existing],
            Dose,
            default_user=by,
            default_change_reason=reason,
        )
        return moved

    @transaction.atomic
    def cancel(self, *, by, reason: str) -> int:
        """Cancel the course and its future unrecorded doses; returns how many were cancelled."""
        if self.status == self.Status.CANCELLED:
            raise ValidationError("This course is already cancelled.")
        now = timezone.now()
        self.status, self.status_reason = self.Status.CANCELLED, reason
        self._change_reason = reason
        self.save(update_fields=["status", "status_reason"])
        cancelled = 0
        for dose in self.doses.select_for_update():
            if dose.is_movable(now):
                dose.cancel(by=by, reason=reason)
                cancelled += 1
        return cancelled


class DoseQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(course__patient=patient)

    def visible_to(self, user):
        return self.filter(course__in=Course.objects.visible_to(user))

    def due_between(self, start, end):
        return self.filter(planned_at__gte=start, planned_at__lt=end)

    def scheduled(self):
        return self.filter(status=Dose.Status.SCHEDULED)

    def with_course(self):
        return self.select_related("course__patient", "course__template")


class Dose(models.Model):
    """One planned administration.  Its row and UID live as long as the course."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        GIVEN = "given", "Given"
        HELD = "held", "Held"
        NOT_GIVEN = "not_given", "Not given"
        CANCELLED = "cancelled", "Cancelled"

    RECORDED = (Status.GIVEN, Status.HELD, Status.NOT_GIVEN)

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
        )

    @property
    def is_recorded(self) -> bool:
        return self.status in self.RECORDED

    def is_movable(self, now) -> bool:
        return self.status == self.Status.SCHEDULED and self.planned_at > now

    def local_time(self, zone: str | None = None) -> datetime:
        return timezone.localtime(
            self.planned_at, calendar.ZoneInfo(zone or self.course.time_zone)
        )

    def move(self, planned: calendar.PlannedDose, *, reason: str) -> None:
        self.planned_at, self.day, self.dst_note = planned.start_utc, planned.day, planned.note
        self.cycle, self.dose_in_cycle = planned.cycle, planned.dose_in_cycle
        self._change_reason = reason
        self.save(update_fields=["planned_at", "day", "dst_note", "cycle", "dose_in_cycle"])

    def cancel(self, *, by, reason: str) -> None:
        self.status = self.Status.CANCELLED
        self._change_reason = reason
        self.save(update_fields=["status"])


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret subscription URL for one patient's calendar.

    Calendar apps cannot sign in, so the token is the only key: it can be revoked,
    and a new one issued, at any time.
    """

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
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

    def get_absolute_url(self):
        return reverse("calendar-feed", args=[self.token])

    def revoke(self, *, by) -> None:
        self.revoked_at, self.revoked_by = timezone.now(), by
        self.save(update_fields=["revoked_at", "revoked_by"])

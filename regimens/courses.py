"""Starting, moving and delaying a course: operations across patient, course and doses."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from regimens import calendar, dosing
from regimens.models import Course, Dose, RegimenTemplate
from tracker.lib.forms import REASON_LENGTH


class TooManyCycles(calendar.CalendarError):
    """More cycles than the regimen allows."""


def preview_course(
    *,
    template: RegimenTemplate,
    start: datetime,
    time_zone: str,
    cycles: int,
    weight_kg: Decimal,
    height_cm: Decimal,
    treatment_days: int | None = None,
):
    """The unsaved course and its planned doses, for the preview before saving."""
    if template.max_cycles and cycles > template.max_cycles:
        raise TooManyCycles(f"This regimen has at most {template.max_cycles} cycles.")
    course = Course(
        template=template,
        start_date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        time_zone=time_zone,
        cycles=cycles,
        treatment_days=treatment_days if template.days_chosen_per_course else None,
        weight_kg=weight_kg,
        height_cm=height_cm,
        dose_amount=template.dose_amount,
        dose_unit=template.dose_unit,
        rule=template.rule_snapshot(),
        overdue_after=template.overdue_after,
        recording_window=template.recording_window,
        retreatment_gap_days=template.retreatment_gap_days,
    )
    course.dose_iu = course.dose_calculation().dose_iu
    return course, course.plan()


def retreatment_refusal(patient, template: RegimenTemplate, start: date) -> str | None:
    """Why `patient` may not start a course of `template` on `start`, or None.

    Courses of a kind with a retreatment gap (high-dose IV: 7 weeks, counted from
    discharge) must follow each other's discharge by at least that gap.
    """
    if not template.retreatment_gap_days:
        return None
    others = list(
        Course.objects.for_patient(patient)
        .exclude(status=Course.Status.CANCELLED)
        .filter(retreatment_gap_days__gt=0)
        .order_by("-start_date")
    )
    later = [course for course in others if course.start_date > start]
    if later:
        return (
            f"Another high-dose course is planned from {later[-1].start_date:%d %b %Y}. "
            "A course before it would break the gap between courses."
        )
    for course in others:
        if course.discharged_on is None:
            return (
                f"The course that started on {course.start_date:%d %b %Y} has no discharge date. "
                "Record the discharge first; the next course counts from it."
            )
        earliest = course.earliest_next_course()
        if start < earliest:
            return (
                f"Too soon after the course that started on {course.start_date:%d %b %Y}: "
                f"discharged {course.discharged_on:%d %b %Y}, so the next course may start on "
                f"{earliest:%d %b %Y} at the earliest ({course.retreatment_gap_days} days)."
            )
    return None


def overlap_refusal(patient, plan) -> str | None:
    """Why the planned doses cannot start: another open course has doses in their span.

    Two courses at once would put two doses on the ward's list for one patient;
    no override makes that safe.
    """
    if not plan:
        return None
    first, last = plan[0].start_utc, plan[-1].start_utc
    clash = (
        Dose.objects.for_patient(patient)
        .filter(course__status=Course.Status.PLANNED, planned_at__gte=first, planned_at__lte=last)
        .exclude(status=Dose.Status.CANCELLED)
        .select_related("course__template")
        .order_by("planned_at")
        .first()
    )
    if clash is None:
        return None
    return (
        f"{clash.course.template} is still open, with doses from "
        f"{timezone.localtime(clash.planned_at, patient.zone):%d %b %Y}. Discontinue it or record "
        "its discharge before starting another course in the same days."
    )


class RetreatmentRefused(ValueError):
    """The course starts too soon after the previous one, with no override."""


class NeedsConfirmation(ValueError):
    """Something unusual about the course that a person must confirm before it starts."""

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check, self.message = check, message


# A change of body size that moves the dose more than this from the last course is
# shown side by side and must be confirmed: a mistyped weight is a wrong dose.
DOSE_CHANGE_TO_CONFIRM = Decimal("0.10")


@dataclass(frozen=True)
class DoseComparison:
    """This course's dose beside the patient's last course's, when body size moves it."""

    last: Course
    last_dose: dosing.DoseCalculation
    dose: dosing.DoseCalculation
    change: Decimal  # as a fraction of the dose the last body size would give

    @property
    def percent(self) -> str:
        return f"{self.change * 100:+.0f}%"

    @property
    def message(self) -> str:
        return (
            f"The weight used changes the dose by {self.percent} from the last course "
            f"({self.last.weight_kg} kg, {self.last_dose.dose_miu} a dose; now "
            f"{self.dose.weight_kg} kg, {self.dose.dose_miu}). Tick the box if it is right."
        )


def dose_comparison(patient, course: Course) -> DoseComparison | None:
    """The last course beside this one, if body size changes this dose by more than 10%."""
    last = (
        Course.objects.for_patient(patient)
        .exclude(status=Course.Status.CANCELLED)
        .exclude(pk=course.pk)
        .order_by("-start_date", "-pk")
        .first()
    )
    if last is None:
        return None
    dose = course.dose_calculation()
    at_last_size = dosing.calculate_dose(
        course.dose_amount, course.dose_unit, weight_kg=last.weight_kg, height_cm=last.height_cm
    ).dose_iu
    change = (dose.dose_iu - at_last_size) / at_last_size
    if abs(change) <= DOSE_CHANGE_TO_CONFIRM:
        return None
    return DoseComparison(last, last.dose_calculation(), dose, change)


def confirmations_needed(course: Course, comparison: DoseComparison | None) -> dict[str, str]:
    """What must be confirmed before `course` starts: {check: message}."""
    needed = {}
    warning = dosing.body_size_warning(course.height_cm, course.weight_kg)
    if warning:
        needed["body_size"] = warning
    if comparison:
        needed["dose_change"] = comparison.message
    return needed


@transaction.atomic
def start_course(
    *,
    patient,
    created_by,
    reason: str = "Course started",
    override_reason: str = "",
    confirmed=frozenset(),
    **choices,
) -> Course:
    """Put a patient on a course and write its dose calendar.

    Raises regimens.calendar.CalendarError or regimens.dosing.DosingError, with a
    message for the clinician, if the choices do not make a calendar, and
    RetreatmentRefused if it starts too soon after the last course and no
    override reason is given, and NeedsConfirmation for an unusual body size or
    dose change not in `confirmed` (see confirmations_needed).
    """
    course, plan = preview_course(**choices)
    for check, message in confirmations_needed(course, dose_comparison(patient, course)).items():
        if check not in confirmed:
            raise NeedsConfirmation(check, message)
    # One course start at a time per patient, so two cannot both pass the gap check.
    type(patient).objects.select_for_update().get(pk=patient.pk)
    overlap = overlap_refusal(patient, plan)
    if overlap:
        raise RetreatmentRefused(overlap)
    refusal = retreatment_refusal(patient, course.template, course.start_date)
    if refusal and not override_reason.strip():
        raise RetreatmentRefused(refusal)
    if refusal:
        course.retreatment_override = override_reason.strip()
        reason = f"{reason}; retreatment gap overridden: {course.retreatment_override}"
    course.patient, course.created_by = patient, created_by
    course._change_reason, course._history_user = reason, created_by
    course.save()
    bulk_create_with_history(
        [Dose.from_plan(course, planned) for planned in plan],
        Dose,
        default_user=created_by,
        default_change_reason=reason,
    )
    return course


# Moving the start, and delaying the doses still to come ------------------------------
#
# Before anything has happened, "Move start" re-plans the whole course from the new
# start.  Once a dose is recorded or past, the course has started where it started:
# only the doses still to come can be delayed, within their cycle's window, and the
# ones the delay pushes out of it are cancelled, not made up (docs/recording.md).

OUTSIDE_WINDOW = "Outside the cycle window after a delay; held doses are not made up"
STALE_PREVIEW = (
    "The course changed since the preview was shown. Check the new preview and confirm again."
)


@dataclass(frozen=True)
class DoseChange:
    """One dose's old and new time; `new` is None when the dose is cancelled."""

    number: int
    cycle: int
    dose_in_cycle: int
    old_at: datetime | None  # None: a dose the new plan adds
    new: calendar.PlannedDose | None
    dose: Dose | None

    @property
    def cancelled(self) -> bool:
        return self.new is None


@dataclass(frozen=True)
class Reschedule:
    """What a move or a delay would do, shown before it is applied and then applied as is."""

    kind: str  # "move" or "delay"
    start: datetime  # the new local start (move) or local time of the next dose (delay)
    changes: tuple[DoseChange, ...]

    @property
    def moved(self) -> int:
        return sum(1 for c in self.changes if c.old_at is not None and c.new is not None)

    @property
    def cancelled(self) -> int:
        return sum(1 for c in self.changes if c.cancelled)

    @property
    def fingerprint(self) -> str:
        """Short digest of the changes, so "confirm" applies exactly what was previewed."""
        text = repr(
            [
                self.kind,
                self.start.isoformat(),
                *(
                    (c.number, c.old_at and c.old_at.isoformat(), c.new and c.new.start_utc)
                    for c in self.changes
                ),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def first_fixed_dose(doses, now) -> Dose | None:
    """The earliest dose recorded or past: from then on the course's start is fixed."""
    fixed = [d for d in doses if d.status != Dose.Status.CANCELLED and not d.is_movable(now)]
    return min(fixed, key=lambda d: d.planned_at, default=None)


def move_refusal(fixed: Dose) -> str:
    """Why the start cannot move once `fixed` is recorded or past, and what to do instead."""
    state = f"recorded as {fixed.get_status_display().lower()}" if fixed.is_recorded else "past"
    return (
        f"Dose {fixed.dose_in_course} is already {state}, so the start of the course cannot "
        "move. Delay the remaining doses instead: give the new time of the next dose."
    )


def _course_doses(course, lock: bool = False) -> list[Dose]:
    doses = course.doses.order_by("dose_in_course")
    return list(doses.select_for_update() if lock else doses)


def _require_open(course, action: str) -> None:
    if not course.is_open:
        raise ValidationError(
            f"This course is {course.get_status_display().lower()}, so it cannot be {action}."
        )


def _local(course, instant: datetime) -> str:
    return f"{timezone.localtime(instant, calendar.ZoneInfo(course.time_zone)):%a %d %b, %H:%M %Z}"


def plan_move(course, start: datetime, now: datetime, doses=None) -> Reschedule:
    """The whole course re-planned from `start`, refused once a dose is recorded or past."""
    _require_open(course, "moved")
    doses = _course_doses(course) if doses is None else doses
    fixed = first_fixed_dose(doses, now)
    if fixed is not None:
        raise ValidationError(move_refusal(fixed))
    try:
        plan = course.plan(start)
    except calendar.CalendarError as error:
        raise ValidationError(str(error)) from error
    if plan and plan[0].start_utc <= now:
        raise ValidationError("The new start is in the past. Choose a later start.")
    planned = {p.dose_in_course: p for p in plan}
    changes = [
        DoseChange(d.dose_in_course, d.cycle, d.dose_in_cycle, d.planned_at, new, d)
        for d in doses
        # Doses cancelled before keep their state; only scheduled ones follow the new plan.
        if d.status == Dose.Status.SCHEDULED
        and ((new := planned.get(d.dose_in_course)) is None or new.start_utc != d.planned_at)
    ]
    numbers = {d.dose_in_course for d in doses}
    changes += [
        DoseChange(p.dose_in_course, p.cycle, p.dose_in_cycle, None, p, None)
        for p in plan
        if p.dose_in_course not in numbers
    ]
    return Reschedule("move", start, tuple(sorted(changes, key=lambda c: c.number)))


def _window_end(course, cycle_first: datetime) -> datetime:
    """When a cycle that started at `cycle_first` closes to further doses."""
    rule = course.schedule().rule
    if isinstance(rule, calendar.IntervalRule):
        return cycle_first + timedelta(days=rule.window_days)
    zone = calendar.ZoneInfo(course.time_zone)
    last_day = timezone.localtime(cycle_first, zone).date() + timedelta(days=rule.pattern_days)
    return calendar.to_utc(datetime.combine(last_day, time()), zone)[0]


def plan_delay(course, next_at: datetime, now: datetime, doses=None) -> Reschedule:
    """The doses still to come in the next dose's cycle, re-planned from `next_at` (local).

    They keep their numbers, the regimen's interval or day pattern and the cycle's
    window (from the cycle's real first dose); those the delay pushes to or past the
    window's close are cancelled.  Later cycles keep their times.
    """
    _require_open(course, "delayed")
    doses = _course_doses(course) if doses is None else doses
    fixed = [d for d in doses if d.status != Dose.Status.CANCELLED and not d.is_movable(now)]
    if not fixed:
        raise ValidationError("No dose is recorded or past yet: move the start instead.")
    to_come = sorted((d for d in doses if d.is_movable(now)), key=lambda d: d.planned_at)
    if not to_come:
        raise ValidationError("No dose of this course is still to come, so none can be delayed.")
    following = to_come[0]
    cycle = [d for d in to_come if d.cycle == following.cycle]
    zone = calendar.ZoneInfo(course.time_zone)
    first_day = timezone.localtime(following.planned_at, zone).date()
    offsets = [(timezone.localtime(d.planned_at, zone).date() - first_day).days for d in cycle]
    try:
        slots = calendar.delayed_slots(course.schedule().rule, next_at, course.time_zone, offsets)
    except calendar.CalendarError as error:
        raise ValidationError(str(error)) from error
    new_first = slots[0][0]
    if new_first <= now:
        raise ValidationError("The new time is in the past. Choose a later time.")
    if new_first <= following.planned_at:
        raise ValidationError(
            f"A delay moves doses later: dose {following.dose_in_course} is planned for "
            f"{_local(course, following.planned_at)}. Choose a later time."
        )
    last_fixed = max(fixed, key=lambda d: d.planned_at)
    if new_first <= last_fixed.planned_at:
        raise ValidationError(
            f"The new time is before dose {last_fixed.dose_in_course}, which is already "
            "recorded. Choose a later time."
        )
    started = [d.planned_at for d in fixed if d.cycle == following.cycle]
    window_end = _window_end(course, min(started, default=new_first))
    if new_first >= window_end:
        raise ValidationError(
            f"Cycle {following.cycle}'s window closes {_local(course, window_end)}, so no dose "
            "of the cycle would be left. Choose an earlier time, or discontinue the course."
        )
    later = [d.planned_at for d in doses if d.cycle > following.cycle and d.status != "cancelled"]
    first_day_of_course = timezone.localtime(doses[0].planned_at, zone).date()
    changes = []
    for dose, (instant, note) in zip(cycle, slots, strict=True):
        if instant >= window_end:
            changes.append(
                DoseChange(
                    dose.dose_in_course,
                    dose.cycle,
                    dose.dose_in_cycle,
                    dose.planned_at,
                    None,
                    dose,
                )
            )
            continue
        if later and instant >= min(later):
            raise ValidationError(
                f"The delay would put dose {dose.dose_in_course} at or after the start of cycle "
                f"{following.cycle + 1} ({_local(course, min(later))}). Choose an earlier time."
            )
        day = (timezone.localtime(instant, zone).date() - first_day_of_course).days + 1
        new = calendar.PlannedDose(
            dose.cycle, dose.dose_in_cycle, dose.dose_in_course, day, instant, note
        )
        changes.append(
            DoseChange(
                dose.dose_in_course, dose.cycle, dose.dose_in_cycle, dose.planned_at, new, dose
            )
        )
    return Reschedule("delay", next_at, tuple(changes))


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why: the reason is kept in the course history.")
    if len(reason) > REASON_LENGTH:
        raise ValidationError(f"Keep the reason to {REASON_LENGTH} characters or fewer.")
    return reason


def _locked_plan(course, planner, when: datetime, expected: str | None) -> Reschedule:
    """Re-plan under the course's lock: the operation, not the preview, decides."""
    course._lock()
    plan = planner(course, when, timezone.now(), _course_doses(course, lock=True))
    if expected is not None and expected != plan.fingerprint:
        raise ValidationError(STALE_PREVIEW)
    return plan


@transaction.atomic
def move_start(course, start: datetime, *, by, reason: str, expected: str | None = None):
    """Move a course that has not started to a new local start; returns the Reschedule.

    `expected` is the fingerprint of the preview the user confirmed, if any.
    """
    reason = _check_reason(reason)
    plan = _locked_plan(course, plan_move, start, expected)
    course.start_date, course.start_time = start.date(), start.time().replace(second=0)
    course._change_reason, course._history_user = reason, by
    course.save(update_fields=["start_date", "start_time"])
    added = []
    for change in plan.changes:
        if change.dose is None:
            added.append(Dose.from_plan(course, change.new))
        elif change.cancelled:
            change.dose.cancel(by=by, reason=f"Not in the moved calendar: {reason}")
        else:
            change.dose.move(change.new, by=by, reason=reason)
    bulk_create_with_history(added, Dose, default_user=by, default_change_reason=reason)
    return plan


@transaction.atomic
def delay_remaining_doses(
    course, next_at: datetime, *, by, reason: str, expected: str | None = None
) -> Reschedule:
    """Delay the doses still to come in the current cycle; returns the Reschedule."""
    reason = _check_reason(reason)
    plan = _locked_plan(course, plan_delay, next_at, expected)
    for change in plan.changes:
        if change.cancelled:
            change.dose.cancel(by=by, reason=f"{OUTSIDE_WINDOW}. {reason}")
        else:
            change.dose.move(change.new, by=by, reason=f"Delayed: {reason}")
    return plan

"""Every change to a course: start, move, delay, cancel, discontinue, end a cycle early,
discharge between cycles and at the end.

Each is an operation across patient, course and doses, in one transaction, and
refuses with CourseRefused (a tracker.lib.records.Refused) whose message is for
the clinician and whose `field`, when set, names the form field it is about.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from regimens import calendar, dosing
from regimens.models import Course, CycleEnd, Discharge, Dose, RegimenTemplate
from tracker.accounts.roles import GAP_OVERRIDE_ROLES
from tracker.lib.forms import REASON_LENGTH
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.patients.models import RetreatmentContraindication
from tracker.patients.retreatment import forget_flags, set_flag


class CourseRefused(Refused):
    """A change to a course was refused; the message is for the clinician."""


class NeedsConfirmation(CourseRefused):
    """Something unusual about the course that a person must confirm before it starts.

    `check` names it (see confirmations_needed); the form's box is `confirm_<check>`.
    """

    def __init__(self, check: str, message: str):
        super().__init__(message, field=f"confirm_{check}")
        self.check = check


def _refused(error: ValueError, field: str | None = None) -> CourseRefused:
    """A calendar or dose error, said as a refusal (beside the measurement it names)."""
    message = str(error)
    if field is None and isinstance(error, dosing.DosingError):
        field = {"Weight": "weight_kg", "Height": "height_cm"}.get(message.split(" ", 1)[0])
    return CourseRefused(message, field=field)


def check_choices(template: RegimenTemplate, *, cycles: int, treatment_days: int | None) -> None:
    """Refuse cycles or a pattern length the regimen does not allow (the app and the command)."""
    if template.max_cycles and cycles > template.max_cycles:
        raise CourseRefused(
            f"This regimen has at most {template.max_cycles} cycles.", field="cycles"
        )
    if treatment_days is None:
        return
    if not template.days_chosen_per_course:
        raise CourseRefused("This regimen has a fixed length.", field="treatment_days")
    if treatment_days < 1:
        raise CourseRefused("Days of treatment must be at least 1.", field="treatment_days")


def preview_course(
    *,
    template: RegimenTemplate,
    start: datetime,
    time_zone: str,
    cycles: int,
    weight_kg: Decimal,
    height_cm: Decimal,
    treatment_days: int | None = None,
    weight_basis: str = Course.WeightBasis.ACTUAL,
    weight_measured_on: date | None = None,
    baseline_weight_kg: Decimal | None = None,
    baseline_weight_on: date | None = None,
):
    """The unsaved course and its planned doses, for the preview before saving.

    Refuses (CourseRefused) choices that make no calendar or no dose, and a height or
    weight outside the plausible adult range; writes nothing.
    """
    check_choices(template, cycles=cycles, treatment_days=treatment_days)
    check_body_size(height_cm=height_cm, weight_kg=weight_kg)
    for field, measured in (
        ("weight_measured_on", weight_measured_on),
        ("baseline_weight_on", baseline_weight_on),
    ):
        if measured and measured > start.date():
            raise CourseRefused(
                "A weight the course uses must be measured on or before the first dose.",
                field=field,
            )
    if baseline_weight_kg is not None:
        check_body_size(height_cm=None, weight_kg=baseline_weight_kg, field="baseline_weight_kg")
    course = Course(
        template=template,
        start_date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        time_zone=time_zone,
        cycles=cycles,
        treatment_days=treatment_days,
        weight_kg=weight_kg,
        weight_basis=weight_basis,
        weight_measured_on=weight_measured_on or start.date(),
        baseline_weight_kg=weight_kg if baseline_weight_kg is None else baseline_weight_kg,
        baseline_weight_on=baseline_weight_on or weight_measured_on or start.date(),
        height_cm=height_cm,
        dose_amount=template.dose_amount,
        dose_unit=template.dose_unit,
        rule=template.rule_snapshot(),
        overdue_after=template.overdue_after,
        recording_window=template.recording_window,
        retreatment_gap_days=template.retreatment_gap_days,
    )
    try:
        course.dose_iu = course.dose_calculation().dose_iu
        return course, course.plan()
    except (calendar.CalendarError, dosing.DosingError) as error:
        raise _refused(error) from error


def patient_choices(patient) -> dict:
    """The choices a course takes from the patient's record: their zone and body size."""
    return {
        "time_zone": patient.time_zone,
        "weight_kg": patient.weight_kg,
        "height_cm": patient.height_cm,
    }


def check_body_size(*, height_cm, weight_kg, field: str | None = None) -> None:
    """Refuse a height or weight outside the plausible adult range (the app and the command)."""
    try:
        refusal = dosing.body_size_refusal(height_cm, weight_kg)
    except dosing.DosingError as error:
        raise _refused(error, field) from error
    if refusal:
        if field is None:
            field = "weight_kg" if refusal.startswith("Weight") else "height_cm"
        raise CourseRefused(refusal, field=field)


# A dosing weight measured longer than this before the first dose is shown with a warning.
WEIGHT_AGE_TO_WARN = timedelta(days=7)


def dosing_warnings(course: Course) -> list[str]:
    """What the prescriber should see about the dosing weight, though it need not stop them."""
    warnings = []
    bmi = dosing.bmi_warning(course.height_cm, course.weight_kg)
    if bmi:
        warnings.append(bmi)
    measured = course.weight_measured_on
    if measured and course.start_date - measured > WEIGHT_AGE_TO_WARN:
        days = (course.start_date - measured).days
        warnings.append(
            f"The dosing weight was measured on {measured:%d %b %Y}, {days} days before the "
            "first dose. Weigh the patient again if it may have changed."
        )
    return warnings


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
        .filter(course__status=Course.Status.OPEN, planned_at__gte=first, planned_at__lte=last)
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


GAP_OVERRIDE = "To start anyway, give the clinical reason."


def contraindication_refusal(patient) -> str | None:
    """Why `patient` may not start any course of aldesleukin, or None.

    A course stopped for a label criterion bars every later one; no override reason
    starts one anyway: only two clinicians lifting the flag do
    (docs/clinical-sources.md §1).
    """
    flags = patient.retreatment_contraindications
    if not flags:
        return None
    flag = flags[0]
    pending = (
        " A lift has been asked for and awaits a second clinician's confirmation."
        if flag.status == RetreatmentContraindication.Status.LIFT_REQUESTED
        else ""
    )
    return (
        f"Retreatment is contraindicated: aldesleukin was stopped for good for "
        f"{flag.summary}. No new course can start unless two clinicians lift the flag on "
        f"the patient's page.{pending}"
    )


def start_refusals(
    patient,
    course: Course,
    plan,
    *,
    by,
    override_reason: str = "",
    confirmed=frozenset(),
    comparison: DoseComparison | None = None,
) -> list[CourseRefused]:
    """Every reason `course` (from preview_course) may not start now, in the order to say them.

    The preview shows them all at once; start_course raises the first.  Writes nothing.
    """
    contraindicated = contraindication_refusal(patient)
    if contraindicated:
        # Nothing else matters, and nothing else on the form can make it start.
        return [CourseRefused(contraindicated)]
    refusals = []
    overlap = overlap_refusal(patient, plan)
    if overlap:
        refusals.append(CourseRefused(overlap, field="start_date"))
    else:
        gap = retreatment_refusal(patient, course.template, course.start_date)
        if gap and not override_reason.strip():
            refusals.append(CourseRefused(f"{gap} {GAP_OVERRIDE}", field="override_reason"))
    if override_reason.strip() and by.role not in GAP_OVERRIDE_ROLES:
        refusals.append(
            CourseRefused(
                "Only a clinician can override the retreatment gap.", field="override_reason"
            )
        )
    for check, message in confirmations_needed(course, comparison).items():
        if check not in confirmed:
            refusals.append(NeedsConfirmation(check, message))
    return refusals


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

    Refuses (CourseRefused) choices that make no calendar or dose (preview_course),
    and whatever start_refusals finds: an overlap with an open course, a start too
    soon after the last course with no override reason (a clinician's alone), and
    NeedsConfirmation for an unusual body size or dose change not in `confirmed`.
    """
    course, plan = preview_course(**choices)
    # One course start at a time per patient, so two cannot both pass the gap check
    # (nor start while a course of theirs is being stopped for a label criterion).
    type(patient).objects.select_for_update().get(pk=patient.pk)
    # Read again under the lock: the page's patient may be older than the flag.
    forget_flags(patient)
    refusals = start_refusals(
        patient,
        course,
        plan,
        by=created_by,
        override_reason=override_reason,
        confirmed=confirmed,
        comparison=dose_comparison(patient, course),
    )
    if refusals:
        raise refusals[0]
    # An override reason is kept only where the gap needed one.
    if override_reason.strip() and retreatment_refusal(
        patient, course.template, course.start_date
    ):
        course.retreatment_override = override_reason.strip()
        reason = f"{reason}; retreatment gap overridden: {course.retreatment_override}"
    # Whoever starts the course prescribes it, so chooses the weight it is dosed on.
    course.patient, course.created_by = patient, created_by
    course.weight_chosen_by = created_by
    save_with_history(course, by=created_by, reason=reason)
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


def _lock(course: Course) -> Course:
    """Re-read `course` under a row lock, so two people cannot change it at once."""
    course.refresh_from_db(from_queryset=Course.objects.select_for_update())
    return course


def _course_doses(course, lock: bool = False) -> list[Dose]:
    doses = course.doses.order_by("dose_in_course")
    return list(doses.select_for_update() if lock else doses)


def _require_open(course, action: str) -> None:
    if not course.is_open:
        raise CourseRefused(
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
        raise CourseRefused(move_refusal(fixed))
    try:
        plan = course.plan(start)
    except calendar.CalendarError as error:
        raise CourseRefused(str(error)) from error
    if plan and plan[0].start_utc <= now:
        raise CourseRefused("The new start is in the past. Choose a later start.")
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
        raise CourseRefused("No dose is recorded or past yet: move the start instead.")
    to_come = sorted((d for d in doses if d.is_movable(now)), key=lambda d: d.planned_at)
    if not to_come:
        raise CourseRefused("No dose of this course is still to come, so none can be delayed.")
    following = to_come[0]
    cycle = [d for d in to_come if d.cycle == following.cycle]
    zone = calendar.ZoneInfo(course.time_zone)
    first_day = timezone.localtime(following.planned_at, zone).date()
    offsets = [(timezone.localtime(d.planned_at, zone).date() - first_day).days for d in cycle]
    try:
        slots = calendar.delayed_slots(course.schedule().rule, next_at, course.time_zone, offsets)
    except calendar.CalendarError as error:
        raise CourseRefused(str(error)) from error
    new_first = slots[0][0]
    if new_first <= now:
        raise CourseRefused("The new time is in the past. Choose a later time.")
    if new_first <= following.planned_at:
        raise CourseRefused(
            f"A delay moves doses later: dose {following.dose_in_course} is planned for "
            f"{_local(course, following.planned_at)}. Choose a later time."
        )
    last_fixed = max(fixed, key=lambda d: d.planned_at)
    if new_first <= last_fixed.planned_at:
        raise CourseRefused(
            f"The new time is before dose {last_fixed.dose_in_course}, which is already "
            "recorded. Choose a later time."
        )
    started = [d.planned_at for d in fixed if d.cycle == following.cycle]
    window_end = _window_end(course, min(started, default=new_first))
    if new_first >= window_end:
        raise CourseRefused(
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
            raise CourseRefused(
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
        raise CourseRefused("Say why: the reason is kept in the course history.")
    if len(reason) > REASON_LENGTH:
        raise CourseRefused(f"Keep the reason to {REASON_LENGTH} characters or fewer.")
    return reason


def _locked_plan(course, planner, when: datetime, expected: str | None) -> Reschedule:
    """Re-plan under the course's lock: the operation, not the preview, decides."""
    _lock(course)
    plan = planner(course, when, timezone.now(), _course_doses(course, lock=True))
    if expected is not None and expected != plan.fingerprint:
        raise CourseRefused(STALE_PREVIEW)
    return plan


@transaction.atomic
def move_start(course, start: datetime, *, by, reason: str, expected: str | None = None):
    """Move a course that has not started to a new local start; returns the Reschedule.

    `expected` is the fingerprint of the preview the user confirmed, if any.
    """
    reason = _check_reason(reason)
    plan = _locked_plan(course, plan_move, start, expected)
    course.start_date, course.start_time = start.date(), start.time().replace(second=0)
    save_with_history(course, by=by, reason=reason, update_fields=["start_date", "start_time"])
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


# Ending a course -----------------------------------------------------------------------
#
# Each ending cancels the doses still to come.  Past doses with no record stay as they
# are, listed as overdue, because only a nurse can say whether they were given.


def _cancel_future_doses(course: Course, *, by, reason: str) -> int:
    now = timezone.now()
    cancelled = 0
    for dose in course.doses.select_for_update():
        if dose.is_movable(now):
            dose.cancel(by=by, reason=reason)
            cancelled += 1
    return cancelled


def _end(course: Course, reason: str, *, by, fields=()) -> int:
    save_with_history(
        course, by=by, reason=reason, update_fields=["status", "status_reason", *fields]
    )
    return _cancel_future_doses(course, by=by, reason=reason)


@transaction.atomic
def cancel_course(course: Course, *, by, reason: str) -> int:
    """Cancel a course entered by mistake; returns how many future doses were cancelled.

    Once a dose has a record the course has happened, so it is discontinued instead.
    """
    _lock(course)
    refusal = course.refusal_to_cancel()
    if refusal:
        raise CourseRefused(refusal)
    course.status, course.status_reason = Course.Status.CANCELLED, reason
    return _end(course, reason, by=by)


# The reasons a clinician may choose; the unspecified "toxicity" of older courses is not one.
DISCONTINUE_CODES = [c for c in Course.DiscontinueReason if c != Course.DiscontinueReason.TOXICITY]


@transaction.atomic
def discontinue_course(
    course: Course, *, by, code: str, note: str = "", discharged_on=None
) -> int:
    """Stop the course; returns how many future doses were cancelled.

    A label criterion to stop permanently also flags the patient "retreatment
    contraindicated", in the same transaction (docs/clinical-sources.md §1).
    """
    patient = course.patient
    # The patient first, as start_course locks it: a course cannot start meanwhile.
    type(patient).objects.select_for_update().get(pk=patient.pk)
    _lock(course)
    if not course.is_open:
        raise CourseRefused(f"This course is {course.get_status_display().lower()}.")
    if code == Course.DiscontinueReason.TOXICITY:
        raise CourseRefused(
            "Choose which of the label's criteria to stop permanently was met.", field="code"
        )
    if code not in DISCONTINUE_CODES:
        raise CourseRefused("Choose a reason from the list.", field="code")
    code = Course.DiscontinueReason(code)
    note = note.strip()
    if code == Course.DiscontinueReason.OTHER and not note:
        raise CourseRefused("Say why the course is discontinued.", field="note")
    if discharged_on:
        _check_discharge(course, discharged_on)
    reason = f"Discontinued: {code.label}" + (f". {note}" if note else "")
    course.status, course.status_reason = Course.Status.DISCONTINUED, reason[:200]
    course.discontinue_reason = code
    course.discharged_on = discharged_on or course.discharged_on
    cancelled = _end(course, reason, by=by, fields=("discontinue_reason", "discharged_on"))
    if code in RetreatmentContraindication.Criterion.values:
        set_flag(patient, course, criterion=code, by=by, note=note)
    return cancelled


def _check_discharge(course: Course, on: date) -> None:
    """Refuse a discharge date the record contradicts, or one that would close doses
    nobody has recorded; the retreatment gap counts from this date."""
    zone = calendar.ZoneInfo(course.time_zone)
    # The first dose row, not start_date: that is where the course really started.
    first = course.doses.order_by("dose_in_course").first()
    if on < (timezone.localdate(first.planned_at, zone) if first else course.start_date):
        raise CourseRefused(
            "The discharge date is before the course started.", field="discharged_on"
        )
    if on > timezone.localdate(timezone.now(), zone):
        raise CourseRefused("The discharge date is in the future.", field="discharged_on")
    last_given = (
        course.doses.filter(status__in=(Dose.Status.GIVEN, Dose.Status.PARTIAL))
        .order_by("-planned_at")
        .first()
    )
    if last_given and on < timezone.localdate(last_given.planned_at, zone):
        raise CourseRefused(
            f"Dose {last_given.dose_in_course} was given after that date. "
            "Check the discharge date.",
            field="discharged_on",
        )
    unrecorded = list(
        course.doses.scheduled()
        .filter(planned_at__lte=timezone.now())
        .values_list("dose_in_course", flat=True)
    )
    if unrecorded:
        numbers = ", ".join(str(n) for n in unrecorded[:10])
        raise CourseRefused(
            f"Record dose{'s' if len(unrecorded) > 1 else ''} {numbers} first "
            "(given, held or not given), then record the discharge."
        )


@transaction.atomic
def record_discharge(course: Course, *, by, on: date, note: str = "") -> int:
    """Record the discharge that ends the course; returns how many future doses lapse.

    Refused while a past dose still has no record: it must be recorded (given,
    held or not given) first, so nothing is closed silently.
    """
    _lock(course)
    refusal = course.refusal_to_discharge()
    if refusal:
        raise CourseRefused(refusal)
    _check_discharge(course, on)
    note = note.strip()
    reason = f"Discharged on {on:%d %b %Y}" + (f". {note}" if note else "")
    course.discharged_on = on
    if course.is_open:
        course.status, course.status_reason = Course.Status.COMPLETED, reason[:200]
    return _end(course, reason, by=by, fields=("discharged_on",))


# Cycle control ------------------------------------------------------------------------
#
# A clinician may end a cycle early, after toxicity, and keep the next one planned; and a
# patient may go home between cycles.  Neither ends the course: stopping for good is
# "discontinue", and the discharge after the last cycle completes the course.


def plan_end_cycle(course, cycle: int, now: datetime, doses=None) -> list[Dose]:
    """The doses of `cycle` still to come, which ending it early cancels.

    Refused when the course is not open, when the cycle has none to come, and for the
    last cycle: ending that one ends the course, which is for discontinue or discharge.
    """
    _require_open(course, "changed")
    doses = _course_doses(course) if doses is None else doses
    cycles = sorted({d.cycle for d in doses})
    if cycle not in cycles:
        raise CourseRefused(f"This course has no cycle {cycle}.", field="cycle")
    if cycle == cycles[-1]:
        raise CourseRefused(
            f"Cycle {cycle} is the course's last, so ending it ends the course: discontinue "
            "the course instead, or record the discharge once its doses are recorded.",
            field="cycle",
        )
    to_come = [d for d in doses if d.cycle == cycle and d.is_movable(now)]
    if not to_come:
        raise CourseRefused(f"Cycle {cycle} has no dose still to come.", field="cycle")
    return to_come


def cycles_to_end(course, doses, now: datetime) -> list[int]:
    """The cycles that can be ended early now (see plan_end_cycle); no query."""
    if not course.is_open or not doses:
        return []
    last = max(d.cycle for d in doses)
    return sorted({d.cycle for d in doses if d.cycle != last and d.is_movable(now)})


def cycle_end_reason(cycle: int, reason: str, note: str) -> str:
    label = CycleEnd.Reason(reason).label if reason != CycleEnd.Reason.OTHER else ""
    text = ". ".join(part for part in (label, note) if part)
    return f"Cycle {cycle} ended early: {text}"


@transaction.atomic
def end_cycle(course, cycle: int, *, by, reason: str, note: str = "") -> CycleEnd:
    """End `cycle` early: cancel its doses still to come, with the reason; keep later cycles.

    Past doses with no record stay for the nurse, as when a course stops.
    """
    if reason not in CycleEnd.Reason.values:
        raise CourseRefused("Choose a reason from the list.", field="reason")
    note = note.strip()
    if reason == CycleEnd.Reason.OTHER and not note:
        raise CourseRefused("Say why the cycle ends early.", field="note")
    _lock(course)
    now = timezone.now()
    cancelled = plan_end_cycle(course, cycle, now, _course_doses(course, lock=True))
    text = cycle_end_reason(cycle, reason, note)
    for dose in cancelled:
        dose.cancel(by=by, reason=text)
    ended = CycleEnd(
        course=course,
        cycle=cycle,
        reason=reason,
        note=note,
        doses_cancelled=len(cancelled),
        ended_by=by,
        ended_at=now,
    )
    save_with_history(ended, by=by, reason=text)
    return ended


def cycle_just_over(course, now: datetime, doses=None) -> tuple[int, list[Dose]] | None:
    """The cycle under way or last under way, and the next cycle's doses, if one is to come.

    None before the course has started.
    """
    doses = _course_doses(course) if doses is None else doses
    begun = [d for d in doses if d.planned_at <= now]
    if not begun:
        return None
    current = max(begun, key=lambda d: d.planned_at).cycle
    following = [d for d in doses if d.cycle > current and d.status == Dose.Status.SCHEDULED]
    return current, following


@transaction.atomic
def record_discharge_between_cycles(course, *, by, on: date, note: str = "") -> Discharge:
    """Record that the patient went home after a cycle; the next cycle stays planned.

    Refused while the cycle still has doses to come (end it early first), when no cycle
    is to come (then the discharge ends the course), and while a past dose has no record.
    """
    _lock(course)
    _require_open(course, "discharged between cycles")
    now = timezone.now()
    doses = _course_doses(course, lock=True)
    found = cycle_just_over(course, now, doses)
    if found is None:
        raise CourseRefused("The course has not started, so no cycle is over yet.")
    cycle, following = found
    if not following:
        raise CourseRefused(
            f"No cycle is planned after cycle {cycle}: record the discharge that ends the "
            "course instead."
        )
    to_come = [d for d in doses if d.cycle == cycle and d.is_movable(now)]
    if to_come:
        raise CourseRefused(
            f"Cycle {cycle} still has {len(to_come)} dose{'s' if len(to_come) > 1 else ''} to "
            f"come, from {_local(course, to_come[0].planned_at)}. End the cycle early first, "
            "or record the discharge when it is over."
        )
    earlier = course.discharges.filter(after_cycle=cycle).first()
    if earlier:
        raise CourseRefused(
            f"The discharge after cycle {cycle} is already recorded: {earlier.on:%d %b %Y}."
        )
    _check_discharge(course, on)
    note = note.strip()
    discharge = Discharge(course=course, after_cycle=cycle, on=on, note=note, recorded_by=by)
    save_with_history(
        discharge,
        by=by,
        reason=f"Discharged after cycle {cycle} on {on:%d %b %Y}" + (f". {note}" if note else ""),
    )
    return discharge

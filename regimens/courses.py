"""Starting a course: one operation across patient, template, course and doses."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from regimens.models import Course, Dose, RegimenTemplate


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


@transaction.atomic
def start_course(
    *,
    patient,
    created_by,
    reason: str = "Course started",
    override_reason: str = "",
    **choices,
) -> Course:
    """Put a patient on a course and write its dose calendar.

    Raises regimens.calendar.CalendarError or regimens.dosing.DosingError, with a
    message for the clinician, if the choices do not make a calendar, and
    RetreatmentRefused if it starts too soon after the last course and no
    override reason is given.
    """
    course, plan = preview_course(**choices)
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

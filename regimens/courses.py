"""Starting a course: one operation across patient, template, course and doses."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
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
    )
    course.dose_iu = course.dose_calculation().dose_iu
    return course, course.plan()


@transaction.atomic
def start_course(*, patient, created_by, reason: str = "Course started", **choices) -> Course:
    """Put a patient on a course and write its dose calendar.

    Raises regimens.calendar.CalendarError or regimens.dosing.DosingError, with a
    message for the clinician, if the choices do not make a calendar.
    """
    course, plan = preview_course(**choices)
    course.patient, course.created_by = patient, created_by
    course._change_reason = reason
    course.save()
    bulk_create_with_history(
        [Dose.from_plan(course, planned) for planned in plan],
        Dose,
        default_user=created_by,
        default_change_reason=reason,
    )
    return course

"""What the clinician's home page reads beside each patient: their course, next dose and
whether retreatment is contraindicated."""

from datetime import timedelta

from django.db import models

from regimens.models import Course, Dose
from tracker.alerts.for_doses import attach_open_alerts
from tracker.patients.models import RetreatmentContraindication


def with_treatment(patients, now):
    """Annotate each patient with their current course, their next dose, and whether a
    "retreatment contraindicated" flag bars a new course, all in the one query.

    The current course is the latest one not cancelled; the next dose is the
    earliest scheduled one from `now` on any open course.
    """
    courses = (
        Course.objects.filter(patient=models.OuterRef("pk"))
        .exclude(status=Course.Status.CANCELLED)
        .order_by("-start_date", "-pk")
    )
    doses = (
        Dose.objects.filter(course__patient=models.OuterRef("pk"), planned_at__gte=now)
        .recordable()
        .order_by("planned_at")
    )
    return patients.annotate(
        current_course_id=models.Subquery(courses.values("pk")[:1]),
        current_course_name=models.Subquery(courses.values("template__name")[:1]),
        current_course_status=models.Subquery(courses.values("status")[:1]),
        next_dose_id=models.Subquery(doses.values("pk")[:1]),
        next_dose_at=models.Subquery(doses.values("planned_at")[:1]),
        retreatment_barred=models.Exists(
            RetreatmentContraindication.objects.active().filter(patient=models.OuterRef("pk"))
        ),
    )


def most_urgent_doses(user, now, hours: int, limit: int) -> dict:
    """The `limit` most urgent doses waiting for a record, with how many are overdue and
    how many due within `hours`: the whole team is counted and ordered by the database,
    and only the doses shown are read.

    Overdue doses come first, then those coming due, each the earliest first, as on the
    shift page (tracker.clinic.shift.shift_lists).
    """
    doses = Dose.objects.visible_to(user)
    counts = doses.waiting_counts(now, hours)
    waiting = (
        doses.recordable()
        .filter(planned_at__lt=now + timedelta(hours=hours))
        .with_overdue_from()
        .alias(
            late=models.Case(
                models.When(overdue_from__lte=now, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )
    )
    shown = list(
        waiting.with_course()
        .with_cycle_total()
        .order_by("-late", "planned_at", "course__patient__family_name", "pk")[:limit]
    )
    for dose in shown:
        dose.overdue_now = dose.is_overdue(now)
    attach_open_alerts(user, shown)
    return {
        "overdue": [dose for dose in shown if dose.overdue_now],
        "due": [dose for dose in shown if not dose.overdue_now],
        "overdue_count": counts["overdue"],
        "due_count": counts["due"],
    }

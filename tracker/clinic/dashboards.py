"""What the clinician's home page reads beside each patient: their course, next dose and
whether retreatment is contraindicated."""

from django.db import models

from regimens.models import Course, Dose
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

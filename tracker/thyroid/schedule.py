"""When TSH falls due for patients, read from their courses and results (two queries)."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Max, Min
from django.utils import timezone

from regimens.models import Course
from tracker.thyroid import lab
from tracker.thyroid.models import ThyroidResult


def due_checks_by_patient(patients) -> dict[int, list[lab.Due]]:
    """Every patient's TSH checks, met or not, keyed by patient id."""
    courses = defaultdict(list)
    rows = (
        Course.objects.filter(patient__in=patients)
        .exclude(status=Course.Status.CANCELLED)
        .annotate(first=Min("doses__planned_at"), last=Max("doses__planned_at"))
        .filter(first__isnull=False)
        .values("patient_id", "first", "last", "time_zone", "template__thyroid_every_days")
        .order_by("first")
    )
    for row in rows:
        zone = ZoneInfo(row["time_zone"])
        span = (timezone.localdate(row["first"], zone), timezone.localdate(row["last"], zone))
        courses[row["patient_id"]].append((span, row["template__thyroid_every_days"]))
    tested = defaultdict(list)
    for patient_id, collected in (
        ThyroidResult.objects.active()
        .of(lab.Test.TSH)
        .filter(patient__in=patients)
        .values_list("patient_id", "collected_at")
    ):
        tested[patient_id].append(timezone.localdate(collected))
    return {
        patient_id: lab.due_checks(
            [span for span, _ in spans], [every for _, every in spans], tested[patient_id]
        )
        for patient_id, spans in courses.items()
    }


def overdue_checks(patients, today=None):
    """(patient, due) for each check whose day has passed with no TSH, oldest first."""
    today = today or timezone.localdate()
    by_id = {patient.pk: patient for patient in patients}
    overdue = [
        (by_id[patient_id], due)
        for patient_id, checks in due_checks_by_patient(list(by_id)).items()
        for due in checks
        if due.is_overdue(today)
    ]
    return sorted(overdue, key=lambda pair: pair[1].on)

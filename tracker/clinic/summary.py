"""A course on one page: what was given and held, side effects by grade, thyroid, vials."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Min
from django.utils import timezone

from regimens.dosing import vials_for_iu
from tracker.symptoms.models import AdverseEvent, SymptomReport
from tracker.thyroid import lab
from tracker.thyroid.lab import LOOKBACK
from tracker.thyroid.models import ThyroidResult
from tracker.ward.models import DoseRecord


@dataclass(frozen=True)
class TermSummary:
    """One CTCAE term over the course: its worst grade and how often it was graded."""

    term: str
    version: str
    worst: int
    entries: int


@dataclass
class CourseSummary:
    course: object
    counts: object
    records: list
    vials: int
    side_effects: list[TermSummary]
    patient_reports: list
    thyroid: list
    reading: lab.Reading | None


def course_summary(course, now) -> CourseSummary:
    """Everything the printed summary shows, in a fixed number of queries."""
    zone = course.patient.zone
    records = list(
        DoseRecord.objects.active()
        .filter(dose__course=course)
        .select_related("dose", "given_by")
        .order_by("dose__dose_in_course")
    )
    return CourseSummary(
        course=course,
        counts=course.counts(now),
        records=records,
        vials=sum(vials_for_iu(r.amount_iu) for r in records if r.amount_iu),
        side_effects=_side_effects(course),
        patient_reports=list(
            SymptomReport.objects.active()
            .filter(dose__course=course)
            .select_related("symptom", "dose")
            .order_by("onset_at")
        ),
        thyroid=(thyroid := _thyroid(course)),
        reading=lab.reading(thyroid, lambda r: timezone.localdate(r.collected_at, zone)),
    )


def _side_effects(course) -> list[TermSummary]:
    """Staff-graded side effects linked to the course's doses, worst grade first."""
    rows = (
        AdverseEvent.objects.active()
        .filter(dose__course=course)
        .values("term__term", "ctcae_version")
        .annotate(worst=Max("grade"), entries=Count("pk"))
        .order_by()
    )
    summaries = [
        TermSummary(row["term__term"], row["ctcae_version"], row["worst"], row["entries"])
        for row in rows
    ]
    return sorted(summaries, key=lambda s: (-s.worst, s.term))


def _thyroid(course) -> list:
    """Results from the check before the course to the end of its doses."""
    span = course.doses.aggregate(first=Min("planned_at"), last=Max("planned_at"))
    if span["first"] is None:
        return []
    return list(
        ThyroidResult.objects.active()
        .filter(
            patient=course.patient,
            collected_at__gte=span["first"] - LOOKBACK,
            collected_at__lte=span["last"] + timedelta(days=1),
        )
        .order_by("collected_at", "test")
    )

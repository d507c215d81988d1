"""When TSH falls due for patients, read from their courses, results and the follow-up
checks after treatment (three queries, however many patients)."""

from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.db.models import DateField, F, Func, OuterRef, Subquery
from django.utils import timezone

from regimens.models import Course, Dose
from tracker.patients.models import Patient
from tracker.thyroid import lab
from tracker.thyroid.models import FollowUpCheck, ThyroidResult


class LocalDate(Func):
    """The date an instant falls on, on the clock of the zone named in another column.

    Read in the database: a team's courses and results are thousands of instants,
    and turning each into a date in Python took longer than the rest of the page.
    """

    arity = 2
    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((%(expressions)s)::date)",
            arg_joiner=" AT TIME ZONE ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django's own function for TruncDate, given the zone per row.
        return self.as_sql(
            compiler,
            connection,
            template="django_datetime_cast_date(%(expressions)s, 'UTC')",
            **extra_context,
        )


def due_checks_by_patient(patients) -> dict[int, list[lab.Due]]:
    """Every patient's TSH checks, met or not, keyed by patient id: before and during
    each course, and the active follow-up checks after the last dose of the last course.

    `patients` is a queryset of patients or a list of their ids.  Days are read
    on each course's and each patient's own clock, not the server's.
    """
    # Doses cancelled when a course was discontinued or discharged early were
    # never given, so checks "during the course" stop where the doses stopped.
    # Read from the doses themselves, so a moved or cut-short course is always right;
    # each end is one step into dose_course_span_idx, not a read of every dose.
    doses = (
        Dose.objects.filter(course=OuterRef("pk"))
        .exclude(status=Dose.Status.CANCELLED)
        .values("planned_at")
    )
    courses = defaultdict(list)
    rows = (
        Course.objects.filter(patient__in=patients)
        .exclude(status=Course.Status.CANCELLED)
        .annotate(
            first=Subquery(doses.order_by("planned_at")[:1]),
            last=Subquery(doses.order_by("-planned_at")[:1]),
        )
        .annotate(
            first_day=LocalDate("first", "time_zone"), last_day=LocalDate("last", "time_zone")
        )
        .values_list("patient_id", "first_day", "last_day", "template__thyroid_every_days")
        .order_by("first_day", "pk")
    )
    for patient_id, first, last, every in rows:
        if first is None:
            # No dose left to give or given: filtered here, as in SQL it reads the
            # course's doses a third time.
            continue
        courses[patient_id].append(((first, last), every))
    tested = defaultdict(list)
    for patient_id, day in (
        ThyroidResult.objects.active()
        .of(lab.Test.TSH)
        .filter(patient__in=patients)
        .annotate(day=LocalDate("collected_at", F("patient__time_zone")))
        .values_list("patient_id", "day")
        .order_by()
    ):
        tested[patient_id].append(day)
    follow_up = list(
        FollowUpCheck.objects.active()
        .order_by("after_last_dose_days")
        .values_list("after_last_dose_days", "label")
    )
    return {
        patient_id: lab.due_checks(
            [span for span, _ in spans],
            [every for _, every in spans],
            tested[patient_id],
            follow_up,
        )
        for patient_id, spans in courses.items()
    }


class OverdueChecks(Sequence):
    """(patient, due) for each overdue check, oldest first, read a slice at a time.

    The checks are worked out for every patient given, but only the patients of the
    slice asked for are read whole: a page of 50, or the oldest 20, reads 50 or 20
    patients however long the team.
    """

    def __init__(self, rows: list[tuple[int, lab.Due]]):
        self._rows = rows  # (patient id, due), in the order shown

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        chosen = self._rows[index]
        patients = Patient.objects.in_bulk({patient_id for patient_id, _ in chosen})
        return [(patients[patient_id], due) for patient_id, due in chosen]

    def __iter__(self):
        return iter(self[:])


def overdue_checks(patients, today=None) -> OverdueChecks:
    """(patient, due) for each check whose day has passed with no TSH, oldest first.

    `patients` is a queryset.  "Today" is each patient's own date unless `today` is given.
    """
    now = timezone.now()
    # Each patient's date and name for the order; the patients themselves wait for a slice.
    known = {
        pk: (today or now.astimezone(ZoneInfo(zone)).date(), family_name)
        for pk, zone, family_name in patients.values_list("pk", "time_zone", "family_name")
    }
    overdue = [
        (patient_id, due)
        for patient_id, checks in due_checks_by_patient(patients).items()
        if patient_id in known
        for due in checks
        if due.is_overdue(known[patient_id][0])
    ]
    overdue.sort(key=lambda pair: (pair[1].on, known[pair[0]][1], pair[0]))
    return OverdueChecks(overdue)

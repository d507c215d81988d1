"""What every charted observation shares: its patient, course, time taken and who charted it.

Observations are append-only, like dose records: a wrong entry is marked entered in
error with a reason (tracker.lib.records.ClinicalEntry), and a corrected value is a
new entry.  Times are stored in UTC and shown on the patient's clock.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tracker.lib.records import ClinicalEntry, ClinicalEntryQuerySet


class ObservationQuerySet(ClinicalEntryQuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def taken_between(self, start, end):
        """Taken at or after `start` and before `end`."""
        return self.filter(taken_at__gte=start, taken_at__lt=end)

    def latest_first(self):
        return self.order_by("-taken_at", "-pk")

    def patient_reported(self):
        return self.filter(source=Source.PATIENT)


class Source(models.TextChoices):
    """Who took the reading: the care team on the ward, or the patient at home."""

    STAFF = "staff", "Care team"
    PATIENT = "patient", "Patient at home"


class Observation(ClinicalEntry):
    """One charted entry about a patient, at the time it was taken.

    `course` is the course the patient was on, if any, so a course's chart can be
    read without guessing from times.  `source` says whether the care team charted it
    or the patient recorded it at home (`recorded_by` is then the patient's login).
    """

    Source = Source

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    course = models.ForeignKey(
        "regimens.Course", models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(help_text="When it was measured (or given, or passed).")
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=Source, default=Source.STAFF)

    objects = ObservationQuerySet.as_manager()

    class Meta(ClinicalEntry.Meta):
        abstract = True
        ordering = ["taken_at", "pk"]
        get_latest_by = "taken_at"
        constraints = [
            *ClinicalEntry.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(source__in=Source.values),
                name="%(app_label)s_%(class)s_source_known",
            ),
        ]

    @property
    def is_patient_reported(self) -> bool:
        return self.source == Source.PATIENT

"""Thyroid results: each with its unit, the lab's range and the flag read against it."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from tracker.lib.records import ClinicalEntry, ClinicalEntryQuerySet
from tracker.observations.models.labs import LabValue
from tracker.patients.models import PatientRecordQuerySet
from tracker.thyroid import lab


class ResultQuerySet(PatientRecordQuerySet, ClinicalEntryQuerySet):
    def of(self, test: lab.Test):
        return self.filter(test=test)


class ThyroidResult(LabValue, ClinicalEntry):
    """A thyroid result: its value, unit, range and flag are a LabValue's, read against
    the thyroid catalogue (tracker.thyroid.lab.TESTS)."""

    class TestName(models.TextChoices):
        TSH = lab.Test.TSH, "TSH"
        FREE_T4 = lab.Test.FREE_T4, "Free T4"
        FREE_T3 = lab.Test.FREE_T3, "Free T3"
        ANTI_TPO = lab.Test.ANTI_TPO, "Anti-TPO antibodies"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="thyroid_results")
    course = models.ForeignKey(
        "regimens.Course", models.PROTECT, null=True, blank=True, related_name="thyroid_results"
    )
    dose = models.ForeignKey(
        "regimens.Dose", models.PROTECT, null=True, blank=True, related_name="thyroid_results"
    )

    test = models.CharField(max_length=4, choices=TestName)
    collected_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    catalogue = lab.TESTS

    history = HistoricalRecords()
    objects = ResultQuerySet.as_manager()

    already_in_error = "This result is already marked entered in error."

    class Meta(ClinicalEntry.Meta):
        ordering = ["-collected_at", "test"]
        indexes = [
            models.Index(
                fields=["patient", "test", "collected_at"], name="thyroid_patient_test_idx"
            ),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-collected_at", "test", "-id"], name="thyroid_collected_idx"),
        ]
        constraints = [
            *ClinicalEntry.Meta.constraints,
            *LabValue.value_constraints("thyroid"),
        ]


class FollowUpCheckQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class FollowUpCheck(models.Model):
    """A TSH check due so many days after the last dose of a patient's last course.

    Hypothyroidism after IL-2 appears months after the doses stop, so checks go on
    after treatment (docs/clinical-sources.md §3).  Centres differ, so the checks
    are data, editable in the admin with a reason and history.
    """

    after_last_dose_days = models.PositiveSmallIntegerField(
        unique=True, help_text="Days after the last dose of the patient's last course."
    )
    label = models.CharField(max_length=80, help_text="As the checks list shows it.")
    source = models.CharField(max_length=200, help_text="Where the check comes from.")
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()
    objects = FollowUpCheckQuerySet.as_manager()

    class Meta:
        ordering = ["order", "after_last_dose_days", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(after_last_dose_days__gte=1),
                name="thyroid_follow_up_after_the_last_dose",
                violation_error_message="A follow-up check falls at least a day after the last dose.",
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.after_last_dose_days} days)"

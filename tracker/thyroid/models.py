"""Thyroid results: each with its unit, the lab's range and the flag read against it."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from tracker.lib.records import ClinicalEntry, ClinicalEntryQuerySet
from tracker.patients.models import PatientRecordQuerySet
from tracker.thyroid import lab


class ResultQuerySet(PatientRecordQuerySet, ClinicalEntryQuerySet):
    def of(self, test: lab.Test):
        return self.filter(test=test)


class ThyroidResult(ClinicalEntry):
    class TestName(models.TextChoices):
        TSH = lab.Test.TSH, "TSH"
        FREE_T4 = lab.Test.FREE_T4, "Free T4"
        FREE_T3 = lab.Test.FREE_T3, "Free T3"
        ANTI_TPO = lab.Test.ANTI_TPO, "Anti-TPO antibodies"

    class Flag(models.TextChoices):
        LOW = lab.Flag.LOW, "Low"
        NORMAL = lab.Flag.NORMAL, "Normal"
        HIGH = lab.Flag.HIGH, "High"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="thyroid_results")
    course = models.ForeignKey(
        "regimens.Course", models.PROTECT, null=True, blank=True, related_name="thyroid_results"
    )
    dose = models.ForeignKey(
        "regimens.Dose", models.PROTECT, null=True, blank=True, related_name="thyroid_results"
    )

    class Qualifier(models.TextChoices):
        EXACT = lab.Qualifier.EXACT, "The value"
        BELOW = lab.Qualifier.BELOW, "Below the assay's limit"
        ABOVE = lab.Qualifier.ABOVE, "Above the assay's limit"

    test = models.CharField(max_length=4, choices=TestName)
    value = models.DecimalField(max_digits=10, decimal_places=3)
    # "<0.01" is stored as 0.01 with "<": the value is then the assay's limit.
    qualifier = models.CharField(max_length=1, choices=Qualifier, blank=True, default="")
    unit = models.CharField(max_length=8)
    range_low = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    range_high = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    flag = models.CharField(max_length=6, choices=Flag, editable=False)
    collected_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ResultQuerySet.as_manager()

    already_in_error = "This result is already marked entered in error."

    class Meta(ClinicalEntry.Meta):
        ordering = ["-collected_at", "test"]
        indexes = [
            models.Index(
                fields=["patient", "test", "collected_at"], name="thyroid_patient_test_idx"
            )
        ]
        constraints = [
            *ClinicalEntry.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="thyroid_value_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(qualifier__in=["", "<", ">"]), name="thyroid_qualifier_known"
            ),
            models.CheckConstraint(
                condition=models.Q(range_low__isnull=True)
                | models.Q(range_high__isnull=True)
                | models.Q(range_low__lte=models.F("range_high")),
                name="thyroid_range_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_test_display()} {self.shown_value} {self.unit}"

    def save(self, *args, **kwargs):
        # recording.record_result refuses a limit the range cannot flag; reading the
        # limit as the value is the fallback for any other way in.
        self.flag = lab.qualified_flag(
            self.value, self.qualifier, self.range_low, self.range_high
        ) or lab.flag(self.value, self.range_low, self.range_high)
        super().save(*args, **kwargs)

    @property
    def shown_value(self) -> str:
        """The result as the lab wrote it: "2.1", "<0.01"."""
        return lab.format_result(self.value, self.qualifier)

    @property
    def spec(self) -> lab.TestSpec:
        return lab.TESTS[lab.Test(self.test)]

    @property
    def loinc(self) -> str:
        return lab.unit_of(self.test, self.unit).loinc

    @property
    def is_abnormal(self) -> bool:
        return self.flag != self.Flag.NORMAL

    def value_in(self, unit: str):
        return lab.convert(self.value, self.test, self.unit, unit)


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

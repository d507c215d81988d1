"""Alerts to a patient's care team: they stay open until someone acknowledges them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.patients.models import PatientRecordQuerySet


class AlertQuerySet(PatientRecordQuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True)

    def most_severe_first(self):
        """Urgent, then high, then routine; the newest first within each."""
        rank = models.Case(
            *(models.When(severity=s, then=i) for i, s in enumerate(Alert.Severity.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(severity_rank=rank).order_by("severity_rank", "-created_at", "-pk")


class Alert(models.Model):
    class Trigger(models.TextChoices):
        STAFF_GRADE = "staff_grade", "Staff-graded side effect of grade 3 or more"
        PATIENT_ANSWER = "patient_answer", "Patient answer of 3 or more"
        THYROID = "thyroid", "Thyroid result out of range"
        # The rule and its firing say which entries; the firing points here.
        CHART_RULE = "chart_rule", "Chart rule met (withhold or stop)"

    class Severity(models.TextChoices):
        # In order, most severe first; the thresholds are in tracker/alerts/rules.py.
        URGENT = "urgent", "Urgent"
        HIGH = "high", "High"
        ROUTINE = "routine", "Routine"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="alerts")
    trigger = models.CharField(max_length=16, choices=Trigger)
    severity = models.CharField(max_length=8, choices=Severity, default=Severity.ROUTINE)
    text = models.CharField(max_length=300)
    symptom_report = models.ForeignKey(
        "symptoms.SymptomReport", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    adverse_event = models.ForeignKey(
        "symptoms.AdverseEvent", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    thyroid_result = models.ForeignKey(
        "thyroid.ThyroidResult", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()
    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "acknowledged_at"], name="alert_patient_open_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=["urgent", "high", "routine"]),
                name="alert_severity_known",
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        trigger="staff_grade",
                        adverse_event__isnull=False,
                        symptom_report__isnull=True,
                        thyroid_result__isnull=True,
                    )
                    | models.Q(
                        trigger="patient_answer",
                        symptom_report__isnull=False,
                        adverse_event__isnull=True,
                        thyroid_result__isnull=True,
                    )
                    | models.Q(
                        trigger="thyroid",
                        thyroid_result__isnull=False,
                        adverse_event__isnull=True,
                        symptom_report__isnull=True,
                    )
                    | models.Q(
                        trigger="chart_rule",
                        thyroid_result__isnull=True,
                        adverse_event__isnull=True,
                        symptom_report__isnull=True,
                    )
                ),
                name="alert_one_source_for_its_trigger",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

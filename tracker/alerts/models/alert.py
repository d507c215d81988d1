"""Alerts to a patient's care team: they stay open until someone acknowledges them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.patients.models import PatientRecordQuerySet

# Which source column each trigger fills (a tuple: exactly one of them); every other
# source column stays empty.
SOURCES: dict[str, str | tuple[str, ...] | None] = {
    "staff_grade": "adverse_event",
    "patient_answer": "symptom_report",
    "thyroid": "thyroid_result",
    "lab": "lab_result",
    "event": "clinical_event",
    "withhold_override": "dose",
    "dose_overdue": "dose",
    "doses_held": "dose",
    "drill": "drill_recipient",
    # A temperature or BP is a set of vital signs; a weight is a weight entry.
    "reading": ("vital_signs", "weight_entry"),
    # The rule and its firing say which entries; the firing points to the alert.
    "chart_rule": None,
}


def _fields(source) -> tuple[str, ...]:
    if source is None:
        return ()
    return source if isinstance(source, tuple) else (source,)


SOURCE_FIELDS = sorted({field for source in SOURCES.values() for field in _fields(source)})


def _one_source_for_its_trigger() -> models.Q:
    condition = models.Q()
    for trigger, source in SOURCES.items():
        for filled in _fields(source) or (None,):
            fields = {f"{field}__isnull": field != filled for field in SOURCE_FIELDS}
            condition |= models.Q(trigger=trigger, **fields)
    return condition


class AlertQuerySet(PatientRecordQuerySet):
    def visible_to(self, user):
        # A drill is about no patient: it is seen in the admin and in its own e-mails.
        return super().visible_to(user).exclude(trigger=Alert.Trigger.DRILL)

    def drills(self):
        return self.filter(trigger=Alert.Trigger.DRILL)

    def real(self):
        """Every alert but drills: what reports and counts read."""
        return self.exclude(trigger=Alert.Trigger.DRILL)

    def open(self):
        return self.filter(acknowledged_at__isnull=True)

    def urgent_or_high(self):
        """What the navigation counts: the alerts that are e-mailed at once."""
        return self.filter(severity__in=[Alert.Severity.URGENT, Alert.Severity.HIGH])

    def most_severe_first(self):
        """Urgent, then high, then routine; the newest first within each."""
        rank = models.Case(
            *(models.When(severity=s, then=i) for i, s in enumerate(Alert.Severity.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(severity_rank=rank).order_by("severity_rank", "-created_at", "-pk")


class Alert(models.Model):
    class Trigger(models.TextChoices):
        STAFF_GRADE = "staff_grade", "Staff-graded side effect"
        PATIENT_ANSWER = "patient_answer", "Patient's answer to a symptom question"
        THYROID = "thyroid", "Thyroid result out of range"
        # The rule and its firing say which entries; the firing points here.
        CHART_RULE = "chart_rule", "Chart rule met (withhold or stop)"
        LAB = "lab", "Laboratory result flagged"
        EVENT = "event", "Clinical event charted"
        WITHHOLD_OVERRIDE = "withhold_override", "Dose given despite a withhold rule"
        DOSE_OVERDUE = "dose_overdue", "Dose not recorded by the end of its window"
        DOSES_HELD = "doses_held", "Several doses held in one cycle"
        # A temperature, BP or weight the patient recorded at home (docs/alerts.md).
        READING = "reading", "Reading recorded at home"
        # A test of the delivery chain (manage.py alert_drill): about no patient.
        DRILL = "drill", "Drill"

    class Severity(models.TextChoices):
        # In order, most severe first; the thresholds are in tracker/alerts/rules.py.
        URGENT = "urgent", "Urgent"
        HIGH = "high", "High"
        ROUTINE = "routine", "Routine"

    patient = models.ForeignKey(
        "patients.Patient", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    trigger = models.CharField(max_length=24, choices=Trigger)
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
    lab_result = models.ForeignKey(
        "observations.LabResult", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    clinical_event = models.ForeignKey(
        "observations.ClinicalEvent", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    # A reading the patient recorded at home: a set of vital signs or a weight.
    vital_signs = models.ForeignKey(
        "observations.VitalSigns", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    weight_entry = models.ForeignKey(
        "observations.WeightEntry", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    # The dose overridden, overdue, or the last of those held.
    dose = models.ForeignKey(
        "regimens.Dose", models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    # A drill is addressed to one person (manage.py alert_drill --to).
    drill_recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The alert rule that set its severity, where one did (drills: none).
    rule = models.ForeignKey(
        "alerts.AlertRule", models.PROTECT, null=True, blank=True, related_name="alerts"
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
            models.Index(fields=["patient", "acknowledged_at"], name="alert_patient_open_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-created_at", "-id"], name="alert_created_idx"),
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
                condition=_one_source_for_its_trigger(),
                name="alert_one_source_for_its_trigger",
            ),
            # A drill is about no patient; every other alert is about one.
            models.CheckConstraint(
                condition=models.Q(trigger="drill", patient__isnull=True)
                | (~models.Q(trigger="drill") & models.Q(patient__isnull=False)),
                name="alert_patient_unless_drill",
            ),
            # Time alone raises these, again at every pass: once per dose.
            models.UniqueConstraint(
                fields=["trigger", "dose"],
                condition=models.Q(trigger__in=["dose_overdue", "withhold_override"]),
                name="alert_once_per_dose",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

"""The thresholds that raise alerts, as data a centre edits in the admin with a reason.

One row says: an entry of this kind, matching these fields, at or above this value,
raises an alert of this severity.  When several rules match one entry, the most
severe wins.  The evaluation is in tracker/alerts/rules.py; the shipped rules and
their sources are in docs/alerts.md.
"""

from django.db import models
from simple_history.models import HistoricalRecords

from tracker.alerts.models.alert import Alert


class AlertRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_trigger(self, trigger):
        return self.filter(trigger=trigger)

    def most_severe_first(self):
        """Urgent, then high, then routine: where rules overlap, the most severe decides."""
        rank = models.Case(
            *(models.When(severity=s, then=i) for i, s in enumerate(Alert.Severity.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(severity_rank=rank).order_by("severity_rank", "name")


class AlertRule(models.Model):
    class Attribute(models.TextChoices):
        # PRO-CTCAE attributes of a patient's answer (0–4), and the measured temperature.
        FREQUENCY = "frequency", "Frequency"
        SEVERITY = "severity", "Severity"
        INTERFERENCE = "interference", "Interference"
        PRESENCE = "presence", "Presence"
        TEMPERATURE = "temperature", "Temperature (°C)"

    name = models.CharField(max_length=120, unique=True, help_text="What it says, in words.")
    trigger = models.CharField(max_length=24, choices=Alert.Trigger)
    severity = models.CharField(max_length=8, choices=Alert.Severity)
    active = models.BooleanField(default=True)
    # What the entry must match; blank matches any.
    symptom = models.SlugField(
        max_length=40, blank=True, help_text="Patient answers: the symptom's slug."
    )
    attribute = models.CharField(max_length=16, choices=Attribute, blank=True)
    term = models.CharField(
        max_length=120, blank=True, help_text="Staff grades: the CTCAE term, as catalogued."
    )
    test = models.CharField(max_length=16, blank=True, help_text="Lab and thyroid: the test code.")
    flag = models.CharField(max_length=16, blank=True, help_text="Lab and thyroid: the flag.")
    event_kind = models.CharField(max_length=24, blank=True, help_text="Charted events: the kind.")
    at_least = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The threshold: an answer (0–4), a grade, a temperature, a count of doses.",
    )
    high_dose_only = models.BooleanField(
        default=False, help_text="Only while the patient is on a high-dose IV course."
    )
    source = models.CharField(
        max_length=300, blank=True, help_text="Where the threshold comes from."
    )

    history = HistoricalRecords()
    objects = AlertRuleQuerySet.as_manager()

    class Meta:
        ordering = ["trigger", "name"]
        indexes = [models.Index(fields=["trigger", "active"], name="alertrule_trigger_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=["urgent", "high", "routine"]),
                name="alertrule_severity_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger="drill"), name="alertrule_not_for_drills"
            ),
        ]

    def __str__(self):
        return self.name

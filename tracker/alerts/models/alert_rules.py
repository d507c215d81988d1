"""The thresholds that raise alerts, as data a centre edits in the admin with a reason.

One row says: an entry of this kind, matching these fields, at or above this value,
raises an alert of this severity.  When several rules match one entry, the most
severe wins.  The evaluation is in tracker/alerts/rules.py; the shipped rules and
their sources are in docs/alerts.md.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from tracker.alerts.models.alert import Alert

# The entries a rule matches field by field, and which matching fields each reads;
# the others stay empty.  The dose-level triggers (tracker/alerts/dose_rules.py)
# check their own fields.
READS = {
    "patient_answer": ("symptom", "attribute"),
    "staff_grade": ("term",),
    "thyroid": ("test", "flag"),
    "lab": ("test", "flag"),
    "event": ("event_kind",),
    "reading": ("measure",),
}
MATCHING_FIELDS = ("symptom", "attribute", "term", "test", "flag", "event_kind", "measure")
# Triggers whose rules need a threshold, and those that take none.
NEEDS_THRESHOLD = ("patient_answer", "staff_grade", "reading")
TAKES_NO_THRESHOLD = ("event",)
ANSWER_RANGE = (Decimal(0), Decimal(4))
GRADE_RANGE = (Decimal(1), Decimal(5))
# What a patient can measure at home (tracker.symptoms.models.TEMPERATURE_RANGE_C,
# an app above this one).
TEMPERATURE_RANGE_C = (Decimal("34.0"), Decimal("43.0"))
# A home reading's thresholds: a gain in % of the baseline weight, a systolic BP in mmHg
# (the chart's plausible range, tracker.observations.models.vitals.RANGES).
WEIGHT_GAIN_RANGE = (Decimal(1), Decimal(50))
SYSTOLIC_RANGE = (Decimal(40), Decimal(300))


def _fields_fit_trigger() -> models.Q:
    condition = ~models.Q(trigger__in=list(READS))
    for trigger, reads in READS.items():
        empty = {field: "" for field in MATCHING_FIELDS if field not in reads}
        threshold = models.Q()
        if trigger in NEEDS_THRESHOLD:
            threshold = models.Q(at_least__isnull=False)
        elif trigger in TAKES_NO_THRESHOLD:
            threshold = models.Q(at_least__isnull=True, strictly_above=False)
        condition |= models.Q(trigger=trigger, **empty) & threshold
    # Only a home reading alerts below its threshold (a low blood pressure), never both ways.
    below = models.Q(below=False) | models.Q(trigger="reading", strictly_above=False)
    return condition & below


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

    class Measure(models.TextChoices):
        # What a patient records at home (tracker/observations, source "patient").
        TEMPERATURE = "temperature_c", "Temperature (°C)"
        WEIGHT_GAIN = "weight_gain_percent", "Weight gain (% of the baseline weight)"
        SYSTOLIC_BP = "systolic_bp", "Systolic BP (mmHg)"

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
    measure = models.CharField(
        max_length=20,
        choices=Measure,
        blank=True,
        help_text="Readings at home: the measure read; a weight gain is counted from the "
        "course's admission weight, or the patient's registered weight.",
    )
    at_least = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=(
            "The threshold: an answer (0–4), a grade, a temperature (°C), a result's value "
            "in its test's first unit, a count of doses, a weight gain (%), a BP (mmHg)."
        ),
    )
    strictly_above = models.BooleanField(
        "above, not at, the threshold",
        default=False,
        help_text="E.g. a TSH above 10 mIU/L, a temperature above 40.0 °C: at the threshold "
        "itself it does not match.",
    )
    below = models.BooleanField(
        "below, not at or above, the threshold",
        default=False,
        help_text="E.g. a systolic BP below 90 mmHg: the value must be under the threshold.",
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
            models.CheckConstraint(
                condition=_fields_fit_trigger(),
                name="alertrule_fields_fit_trigger",
                violation_error_message="The rule has fields its trigger does not read.",
            ),
            # A PRO-CTCAE answer runs 0–4 (presence 0–1, checked in clean()).
            models.CheckConstraint(
                condition=~models.Q(
                    trigger="patient_answer",
                    attribute__in=["frequency", "severity", "interference", "presence"],
                )
                | models.Q(at_least__gte=ANSWER_RANGE[0], at_least__lte=ANSWER_RANGE[1]),
                name="alertrule_answer_0_to_4",
                violation_error_message="An answer's threshold runs from 0 to 4.",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger="reading", measure=""),
                name="alertrule_reading_names_its_measure",
                violation_error_message="A rule on readings names the measure it reads.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        reads = READS.get(self.trigger)
        if reads is None:
            return
        trigger = self.get_trigger_display().lower()
        errors = {
            field: f"A rule for “{trigger}” does not read the "
            f"{self._meta.get_field(field).verbose_name}: leave it empty."
            for field in MATCHING_FIELDS
            if field not in reads and getattr(self, field)
        }
        if self.flag not in ("", "low", "high"):
            errors["flag"] = "A flag is “low” or “high”; leave it empty for either."
        errors.update(self._threshold_errors())
        if errors:
            raise ValidationError(errors)

    def _threshold_errors(self) -> dict[str, str]:
        at_least = self.at_least
        if self.below and self.strictly_above:
            return {"below": "A rule alerts below or above its threshold, not both."}
        if self.below and self.trigger != "reading":
            return {"below": "Only a rule on readings at home alerts below its threshold."}
        if self.trigger in TAKES_NO_THRESHOLD:
            if at_least is not None or self.strictly_above:
                return {"at_least": "A charted event alerts as it is charted: leave it empty."}
            return {}
        if at_least is None:
            if self.trigger == "reading":
                return {"at_least": "Give the threshold: the reading that alerts."}
            if self.trigger in NEEDS_THRESHOLD:
                return {"at_least": "Give the threshold: the answer or grade that alerts."}
            if self.strictly_above:
                return {"strictly_above": "“Above” needs a threshold."}
            return {}
        if self.trigger == "staff_grade":
            return _outside(at_least, GRADE_RANGE, "A CTCAE grade runs from 1 to 5.")
        if self.trigger == "reading":
            return self._reading_threshold_errors(at_least)
        if self.trigger != "patient_answer":
            return {}
        if not self.attribute:
            return {"attribute": "Choose the answer it reads: frequency, severity, …"}
        if self.attribute == self.Attribute.TEMPERATURE:
            low, high = TEMPERATURE_RANGE_C
            return _outside(
                at_least, TEMPERATURE_RANGE_C, f"A temperature from {low} to {high} °C."
            )
        if self.attribute == self.Attribute.PRESENCE:
            return _outside(at_least, (Decimal(0), Decimal(1)), "A yes/no answer: 1 is yes.")
        return _outside(at_least, ANSWER_RANGE, "An answer runs from 0 to 4.")

    def _reading_threshold_errors(self, at_least) -> dict[str, str]:
        if not self.measure:
            return {"measure": "Choose the measure it reads: temperature, weight gain, …"}
        if self.measure == self.Measure.TEMPERATURE:
            low, high = TEMPERATURE_RANGE_C
            return _outside(at_least, (low, high), f"A temperature from {low} to {high} °C.")
        if self.measure == self.Measure.WEIGHT_GAIN:
            low, high = WEIGHT_GAIN_RANGE
            return _outside(at_least, (low, high), f"A weight gain from {low} to {high} %.")
        low, high = SYSTOLIC_RANGE
        return _outside(at_least, (low, high), f"A systolic BP from {low} to {high} mmHg.")


def _outside(value, bounds, message) -> dict[str, str]:
    low, high = bounds
    return {} if low <= value <= high else {"at_least": message}

"""What happened at the bedside: dose records, pre-dose checks and the hold rules they use.

A dose has at most one active record.  A wrong record is never edited or deleted:
it is marked "entered in error" with a reason, and a new record replaces it.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.lib.records import ClinicalEntry, ClinicalEntryQuerySet
from tracker.lib.zones import CLOCK_LEEWAY

# The withhold reasons are the chart's vocabulary too: its rules name them.
from tracker.observations.models import ChartRule, HoldReason
from tracker.patients.models import Patient
from tracker.ward.sites import InjectionSite

STOP_ACTION = ChartRule.Action.STOP

# A check charted this long after it was taken is a note, not a check to decide a dose on.
CHECK_CHARTED_WITHIN = timedelta(hours=12)


class NotGivenReason(models.TextChoices):
    REFUSED = "refused", "Patient refused"
    UNAVAILABLE = "unavailable", "Drug unavailable"
    OTHER = "other", "Other (see note)"
    # The patient's own words for a home dose they did not inject.
    MISSED = "missed", "Missed / forgot"
    UNWELL = "unwell", "Felt too unwell"


# The reasons a patient chooses from for a home dose they did not take.
PATIENT_NOT_GIVEN_REASONS = [
    (NotGivenReason.MISSED.value, NotGivenReason.MISSED.label),
    (NotGivenReason.UNWELL.value, NotGivenReason.UNWELL.label),
    (NotGivenReason.OTHER.value, "Another reason"),
]


# The label stops the course for signs of hepatic failure rather than holding a dose.
NEW_HOLD_REASONS = [(v, label) for v, label in HoldReason.choices if v != HoldReason.HEPATIC]


class PartialReason(models.TextChoices):
    """Why less than the prescribed dose went in: the dose is never reduced on purpose (§1)."""

    REACTION = "reaction", "Infusion stopped for a reaction"
    LINE = "line", "Line problem"
    EXTRAVASATION = "extravasation", "Extravasation"
    PATIENT_REQUEST = "patient_request", "Patient asked to stop"
    OTHER = "other", "Other (see note)"


# Reasons that mean nothing without the nurse's words.
NEEDS_NOTE = {
    HoldReason.INSTITUTIONAL,
    HoldReason.OTHER,
    NotGivenReason.OTHER,
    PartialReason.OTHER,
}


class HoldRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


UNITS = {
    "systolic_bp": " mmHg",
    "heart_rate": "/min",
    "temperature_c": " °C",
    "spo2": "%",
    "urine_ml": " mL",
    "weight_gain_percent": "%",
    "creatinine_mg_dl": " mg/dL",
}

# A creatinine result older than this at the time of the check does not count for it.
CREATININE_VALID_FOR = timedelta(hours=24)


# The yes/no measures as stored, for the rule constraint.
YES_NO_MEASURES = [
    "mental_status_changed",
    "on_pressors",
    "arrhythmia",
    "occult_blood_positive",
    "skin_bullous",
    "sepsis_unstable",
]


class HoldRule(models.Model):
    """A bedside rule that suggests holding a dose.  Centres differ, so rules are data."""

    class Measure(models.TextChoices):
        SYSTOLIC_BP = "systolic_bp", "Systolic BP (mmHg)"
        HEART_RATE = "heart_rate", "Heart rate (/min)"
        TEMPERATURE = "temperature_c", "Temperature (°C)"
        SPO2 = "spo2", "SpO₂ (%)"
        URINE = "urine_ml", "Urine since the last dose (mL)"
        WEIGHT_GAIN = "weight_gain_percent", "Weight gain over the admission weight (%)"
        MENTAL_STATUS = "mental_status_changed", "Mental status changed"
        PRESSORS = "on_pressors", "On pressors"
        ARRHYTHMIA = "arrhythmia", "AF, SVT or bradycardia needing treatment"
        OCCULT_BLOOD = "occult_blood_positive", "Stool occult blood positive"
        SKIN = "skin_bullous", "Bullous dermatitis or marked skin worsening"
        SEPSIS = "sepsis_unstable", "Sepsis with clinical instability"
        CREATININE = "creatinine_mg_dl", "Creatinine (mg/dL)"

    YES_NO = (
        Measure.MENTAL_STATUS,
        Measure.PRESSORS,
        Measure.ARRHYTHMIA,
        Measure.OCCULT_BLOOD,
        Measure.SKIN,
        Measure.SEPSIS,
    )

    class Comparison(models.TextChoices):
        BELOW = "lt", "<"
        AT_MOST = "le", "≤"
        ABOVE = "gt", ">"
        AT_LEAST = "ge", "≥"
        YES = "yes", "is yes"

    measure = models.CharField(max_length=24, choices=Measure)
    comparison = models.CharField(max_length=3, choices=Comparison)
    threshold = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Empty for yes/no."
    )
    hold_reason = models.CharField(max_length=16, choices=HoldReason)
    source = models.CharField(max_length=200, help_text="Where the rule comes from.")
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()
    objects = HoldRuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        measure__in=YES_NO_MEASURES,
                        comparison="yes",
                        threshold__isnull=True,
                    )
                    | (
                        ~models.Q(measure__in=YES_NO_MEASURES)
                        & ~models.Q(comparison="yes")
                        & models.Q(threshold__isnull=False)
                    )
                ),
                name="hold_rule_comparison_fits_measure",
                violation_error_message=(
                    "Yes/no measures take the comparison 'is yes' and no threshold; "
                    "numbers take <, ≤, > or ≥ and a threshold."
                ),
            ),
        ]

    def __str__(self):
        """The rule as a nurse would say it: "Systolic BP < 90 mmHg"."""
        name = self.Measure(self.measure).label.partition(" (")[0]
        if self.measure in self.YES_NO:
            return name
        threshold = f"{self.threshold.normalize():f}"
        return f"{name} {self.get_comparison_display()} {threshold}{UNITS[self.measure]}"

    def fires(self, values: dict) -> bool:
        """Whether the rule fires for a check's values; a value not measured never fires."""
        value = values.get(self.measure)
        if value is None:
            return False
        if self.comparison == self.Comparison.YES:
            return bool(value)
        value = Decimal(value)
        return {
            self.Comparison.BELOW: value < self.threshold,
            self.Comparison.AT_MOST: value <= self.threshold,
            self.Comparison.ABOVE: value > self.threshold,
            self.Comparison.AT_LEAST: value >= self.threshold,
        }[self.comparison]

    def snapshot(self) -> dict:
        """What a check keeps of the rule, so editing the rule later leaves the check as it was."""
        return {
            "rule": self.pk,
            "measure": self.measure,
            "text": str(self),
            "hold_reason": self.hold_reason,
        }


class Finding(models.TextChoices):
    """A bedside finding the nurse attests to; "not assessed" leaves its rule unchecked."""

    NOT_ASSESSED = "not_assessed", "Not assessed"
    NO = "no", "No"
    YES = "yes", "Yes"


class PreDoseCheck(models.Model):
    """Observations before a high-dose IV dose, the rules they fired and the nurse's decision.

    The findings after the vital signs are the label's other withhold rows, as far as
    one bedside check can attest to them (docs/clinical-sources.md §1).
    """

    class MentalStatus(models.TextChoices):
        NORMAL = "normal", "Normal"
        CHANGED = "changed", "Changed"

    class Rhythm(models.TextChoices):
        SINUS = "sinus", "Sinus rhythm"
        SINUS_TACHYCARDIA = "sinus_tachycardia", "Sinus tachycardia"
        AF = "af", "Atrial fibrillation"
        SVT = "svt", "Supraventricular tachycardia"
        BRADYCARDIA = "bradycardia", "Bradycardia needing treatment"
        OTHER = "other", "Other rhythm (see note)"

    # The rhythms the label withholds for (docs/clinical-sources.md §1).
    WITHHELD_RHYTHMS = (Rhythm.AF, Rhythm.SVT, Rhythm.BRADYCARDIA)

    class OccultBlood(models.TextChoices):
        NOT_TESTED = "not_tested", "Not tested"
        NEGATIVE = "negative", "Negative"
        POSITIVE = "positive", "Positive"

    class Decision(models.TextChoices):
        GIVE = "give", "Give the dose"
        HOLD = "hold", "Hold the dose"
        ASK = "ask", "Ask the prescriber"

    dose = models.ForeignKey("regimens.Dose", models.PROTECT, related_name="checks")
    taken_at = models.DateTimeField(default=timezone.now)
    systolic_bp = models.PositiveSmallIntegerField(
        "systolic BP (mmHg)", validators=[MinValueValidator(40), MaxValueValidator(300)]
    )
    heart_rate = models.PositiveSmallIntegerField(
        "heart rate (/min)", validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    temperature_c = models.DecimalField(
        "temperature (°C)",
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("30.0")), MaxValueValidator(Decimal("45.0"))],
    )
    spo2 = models.PositiveSmallIntegerField(
        "SpO₂ (%)", validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("20.0")), MaxValueValidator(Decimal("400.0"))],
    )
    urine_ml = models.PositiveIntegerField(
        "urine since the last dose (mL)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(20000)],
    )
    mental_status = models.CharField(max_length=8, choices=MentalStatus)
    on_pressors = models.BooleanField("on pressors")
    rhythm = models.CharField("cardiac rhythm", max_length=20, choices=Rhythm, blank=True)
    occult_blood = models.CharField(
        "stool occult blood", max_length=12, choices=OccultBlood, default=OccultBlood.NOT_TESTED
    )
    skin_bullous = models.CharField(
        "bullous dermatitis or marked worsening of the skin",
        max_length=12,
        choices=Finding,
        default=Finding.NOT_ASSESSED,
    )
    sepsis_unstable = models.CharField(
        "sepsis with clinical instability",
        max_length=12,
        choices=Finding,
        default=Finding.NOT_ASSESSED,
    )
    hepatic_failure = models.CharField(
        "signs of hepatic failure", max_length=12, choices=Finding, default=Finding.NOT_ASSESSED
    )
    creatinine_mg_dl = models.DecimalField(
        "latest creatinine (mg/dL)",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("30"))],
    )
    creatinine_taken_at = models.DateTimeField("creatinine sample taken", null=True, blank=True)
    fired_rules = models.JSONField(default=list, blank=True)
    # The chart rules that had no data when the check was taken: never a pass.
    chart_no_data = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=4, choices=Decision)
    decision_note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_at", "pk"]
        get_latest_by = "taken_at"
        indexes = [
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="predosecheck_taken_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(spo2__gte=50, spo2__lte=100), name="check_spo2_range"
            ),
            models.CheckConstraint(
                condition=models.Q(systolic_bp__gte=40, systolic_bp__lte=300),
                name="check_systolic_bp_range",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["give", "hold", "ask"]),
                name="check_decision_known",
            ),
            models.CheckConstraint(
                condition=models.Q(creatinine_mg_dl__isnull=True, creatinine_taken_at__isnull=True)
                | models.Q(creatinine_mg_dl__isnull=False, creatinine_taken_at__isnull=False),
                name="check_creatinine_has_its_time",
                violation_error_message="A creatinine result needs the time its sample was taken.",
            ),
        ]

    def __str__(self):
        return f"Pre-dose check for {self.dose}"

    def refusal_of_taken_time(self, now) -> str | None:
        """Why the check cannot have been taken at its `taken_at`, or None if it could."""
        if self.taken_at > now + CLOCK_LEEWAY:
            return "The time taken is in the future. Record a check once it is taken."
        if now - self.taken_at > CHECK_CHARTED_WITHIN:
            hours = CHECK_CHARTED_WITHIN.total_seconds() / 3600
            return (
                f"The time taken is more than {hours:g} hours ago. Check the date, or write "
                "the observations in the notes of the dose's record."
            )
        return None

    def rule_values(self) -> dict:
        """The check as the measures hold rules compare against; None where not checked."""
        # The admission weight, not the dosing weight: a patient dosed on an
        # adjusted weight has not gained weight on day 1 (docs/dosing.md).
        baseline = self.dose.course.weight_gain_baseline
        gain = None
        if self.weight_kg is not None and baseline:
            gain = (self.weight_kg - baseline) / baseline * 100
        return {
            "systolic_bp": self.systolic_bp,
            "heart_rate": self.heart_rate,
            "temperature_c": self.temperature_c,
            "spo2": self.spo2,
            "urine_ml": self.urine_ml,
            "weight_gain_percent": gain,
            "mental_status_changed": self.mental_status == self.MentalStatus.CHANGED,
            "on_pressors": self.on_pressors,
            "arrhythmia": self.rhythm in self.WITHHELD_RHYTHMS if self.rhythm else None,
            "occult_blood_positive": {
                self.OccultBlood.POSITIVE: True,
                self.OccultBlood.NEGATIVE: False,
            }.get(self.occult_blood),
            "skin_bullous": _finding(self.skin_bullous),
            "sepsis_unstable": _finding(self.sepsis_unstable),
            "creatinine_mg_dl": self.creatinine_mg_dl if self.creatinine_counts else None,
        }

    @property
    def creatinine_counts(self) -> bool:
        """A creatinine result counts for the check if taken in the day before it."""
        if self.creatinine_mg_dl is None or self.creatinine_taken_at is None:
            return False
        # An unsaved check entered without a time is taken now, as record_check takes it.
        age = (self.taken_at or timezone.now()) - self.creatinine_taken_at
        return -CLOCK_LEEWAY <= age <= CREATININE_VALID_FOR

    def evaluate(self, rules) -> list[dict]:
        """Fire `rules` against this check and keep what fired on it."""
        values = self.rule_values()
        self.fired_rules = [rule.snapshot() for rule in rules if rule.fires(values)]
        return self.fired_rules

    def unchecked_criteria(self, rules) -> list[str]:
        """The active rules, and the label's hepatic row, this check had no data for."""
        values = self.rule_values()
        unchecked = [str(rule) for rule in rules if values.get(rule.measure) is None]
        if self.hepatic_failure == Finding.NOT_ASSESSED:
            unchecked.append("Signs of hepatic failure")
        return unchecked

    def findings(self) -> list[str]:
        """The label's other criteria as recorded, for the dose page: "Rhythm: AF"."""
        creatinine = (
            f"{self.creatinine_mg_dl.normalize():f} mg/dL" if self.creatinine_mg_dl else None
        )
        rows = [
            ("Rhythm", self.get_rhythm_display() or "not recorded"),
            ("Occult blood", self.get_occult_blood_display()),
            ("Skin", self.get_skin_bullous_display()),
            ("Sepsis", self.get_sepsis_unstable_display()),
            ("Hepatic failure", self.get_hepatic_failure_display()),
            ("Creatinine", creatinine or "none"),
        ]
        return [f"{name}: {str(value).lower()}" for name, value in rows]

    @property
    def stops_course(self) -> bool:
        """Hepatic failure, or a chart rule to stop for good: the label stops the course (§1)."""
        stop_rules = any(rule.get("action") == STOP_ACTION for rule in self.fired_rules)
        return self.hepatic_failure == Finding.YES or stop_rules

    @property
    def needs_prescriber(self) -> bool:
        """Whether giving after this check needs a clinician's override."""
        return bool(self.fired_rules) or self.stops_course

    @property
    def suggestion(self) -> str:
        return self.Decision.HOLD if self.needs_prescriber else self.Decision.GIVE

    @property
    def went_against_suggestion(self) -> bool:
        # Asking the prescriber leaves the decision to them: it goes against nothing.
        return self.decision not in (self.suggestion, self.Decision.ASK)


def _finding(value: str) -> bool | None:
    return {Finding.YES: True, Finding.NO: False}.get(value)


# The shortest reason a prescriber's override may give: a word or two is not a reason.
OVERRIDE_REASON_MIN = 15


class WithholdOverride(ClinicalEntry):
    """A prescriber's decision to give a dose the bedside rules would withhold.

    Either the dose's pre-dose check fired withhold rules (or recorded signs of
    hepatic failure), or a high-dose IV dose has no recent check.  Only a clinician
    makes one (WITHHOLD_OVERRIDE_ROLES), with a reason; it is never edited.
    """

    class Kind(models.TextChoices):
        FIRED_RULES = "fired_rules", "Give despite the withhold"
        NO_CHECK = "no_check", "Give without a pre-dose check"

    dose = models.ForeignKey("regimens.Dose", models.PROTECT, related_name="withhold_overrides")
    pre_dose_check = models.ForeignKey(
        PreDoseCheck, models.PROTECT, null=True, blank=True, related_name="overrides"
    )
    kind = models.CharField(max_length=12, choices=Kind)
    reason = models.CharField(max_length=200)
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = ClinicalEntryQuerySet.as_manager()

    already_in_error = "This authorisation is already withdrawn."
    in_error_history = "Authorisation withdrawn"

    class Meta(ClinicalEntry.Meta):
        ordering = ["recorded_at", "pk"]
        indexes = [
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-recorded_at", "-id"], name="withhold_override_recorded_idx"),
        ]
        constraints = [
            *ClinicalEntry.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(kind="fired_rules", pre_dose_check__isnull=False)
                | models.Q(kind="no_check", pre_dose_check__isnull=True),
                name="withhold_override_kind_fits_check",
                violation_error_message=(
                    "An override of fired rules names its check; one without a check names none."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="withhold_override_has_reason",
                violation_error_message="An override needs its reason.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.dose}"


class DoseRecordQuerySet(ClinicalEntryQuerySet):
    def for_patient(self, patient):
        return self.filter(dose__course__patient=patient)

    def visible_to(self, user):
        # Joined to the patient, not `dose__in` the user's doses: a big team has tens of
        # thousands of doses, and a list of records starts best from its own index.
        return self.filter(dose__course__patient__in=Patient.objects.visible_to(user))

    def by_the_patient(self):
        return self.filter(source=DoseRecord.Source.PATIENT)

    def awaiting_verification(self):
        """Records the patient made that no nurse or clinician has verified yet."""
        return self.active().by_the_patient().filter(verified_at__isnull=True)

    def settled(self):
        """Records made by staff, or made by the patient and since verified."""
        return self.exclude(source=DoseRecord.Source.PATIENT, verified_at__isnull=True)

    def recent_sites(self, patient, limit: int = 8) -> list[str]:
        """The sites the patient injected, most recent first (for suggest_site)."""
        return list(
            self.active()
            .for_patient(patient)
            .exclude(injection_site="")
            .order_by("-given_at", "-pk")
            .values_list("injection_site", flat=True)[:limit]
        )


class DoseRecord(ClinicalEntry):
    """The record of one dose: given, held or not given."""

    class Outcome(models.TextChoices):
        # The same values as the dose statuses they set.
        GIVEN = "given", "Given"
        PARTIAL = "partial", "Partial dose"
        HELD = "held", "Held"
        NOT_GIVEN = "not_given", "Not given"

    class Source(models.TextChoices):
        STAFF = "staff", "The care team"
        PATIENT = "patient", "The patient"

    # The outcomes in which the patient received drug.
    RECEIVED = (Outcome.GIVEN, Outcome.PARTIAL)

    dose = models.ForeignKey("regimens.Dose", models.PROTECT, related_name="records")
    outcome = models.CharField(max_length=12, choices=Outcome)
    given_at = models.DateTimeField(null=True, blank=True, help_text="When the dose started.")
    amount_iu = models.DecimalField(
        "amount given (IU)", max_digits=14, decimal_places=0, null=True, blank=True
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    hold_reason = models.CharField(max_length=16, choices=HoldReason, blank=True)
    not_given_reason = models.CharField(max_length=16, choices=NotGivenReason, blank=True)
    partial_reason = models.CharField(
        "why less than the prescribed dose", max_length=16, choices=PartialReason, blank=True
    )
    reason_note = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    pre_dose_check = models.ForeignKey(
        PreDoseCheck, models.PROTECT, null=True, blank=True, related_name="records"
    )
    different_time_reason = models.CharField(
        "why given at a different time",
        max_length=200,
        blank=True,
        help_text=(
            "Given outside the dose's recording window, before the course's first dose, or "
            "while an earlier dose had no record: the nurse confirmed it, and why."
        ),
    )
    withhold_override = models.ForeignKey(
        WithholdOverride,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        help_text="The prescriber's decision the dose was given under, past a withhold.",
    )
    proceeded_past_alerts = models.JSONField(
        default=list,
        blank=True,
        help_text="Urgent open alerts the nurse gave the dose despite: each alert and why.",
    )
    marked_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_in_error_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The record, entered in error, that this one corrects.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(
        "recorded by",
        max_length=8,
        choices=Source,
        default=Source.STAFF,
        help_text="The patient records a home injection themself; a nurse verifies it.",
    )
    injection_site = models.CharField(
        max_length=20,
        choices=InjectionSite,
        blank=True,
        help_text="Where a subcutaneous dose went in; blank for an IV dose.",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = DoseRecordQuerySet.as_manager()

    already_in_error = "This record is already marked as entered in error."

    class Meta(ClinicalEntry.Meta):
        ordering = ["recorded_at", "pk"]
        indexes = [
            # The shift page lists what was recorded in the last hours; the admin's
            # list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-recorded_at", "-id"], name="doserecord_recorded_idx"),
            # The patient's last injection sites, for the next one's suggestion.
            models.Index(
                fields=["injection_site", "given_at"],
                condition=~models.Q(injection_site=""),
                name="doserecord_site_idx",
            ),
            # The shift page lists the patients' own records no one has verified yet.
            models.Index(
                fields=["dose"],
                condition=models.Q(source="patient", verified_at__isnull=True, state="active"),
                name="doserecord_to_verify_idx",
            ),
        ]
        constraints = [
            *ClinicalEntry.Meta.constraints,
            models.UniqueConstraint(
                fields=["dose"],
                condition=models.Q(state="active"),
                name="doserecord_one_active_per_dose",
                violation_error_message="This dose already has a record.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        outcome="given",
                        given_at__isnull=False,
                        amount_iu__gt=0,
                        given_by__isnull=False,
                        hold_reason="",
                        not_given_reason="",
                        partial_reason="",
                    )
                    | models.Q(
                        outcome="partial",
                        given_at__isnull=False,
                        amount_iu__gt=0,
                        given_by__isnull=False,
                        hold_reason="",
                        not_given_reason="",
                    )
                    & ~models.Q(partial_reason="")
                    | models.Q(
                        outcome="held",
                        given_at__isnull=True,
                        not_given_reason="",
                        partial_reason="",
                    )
                    & ~models.Q(hold_reason="")
                    | models.Q(
                        outcome="not_given",
                        given_at__isnull=True,
                        hold_reason="",
                        partial_reason="",
                    )
                    & ~models.Q(not_given_reason="")
                ),
                name="doserecord_fields_fit_outcome",
                violation_error_message=(
                    "A given or partial dose needs its time, amount and who gave it, and a "
                    "partial dose its reason; a held or not-given dose needs its reason."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["staff", "patient"]),
                name="doserecord_source_known",
            ),
            models.CheckConstraint(
                condition=models.Q(injection_site="") | models.Q(outcome__in=["given", "partial"]),
                name="doserecord_site_only_when_received",
                violation_error_message="Only a dose that went in has an injection site.",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True, verified_at__isnull=True)
                | models.Q(source="patient", verified_by__isnull=False, verified_at__isnull=False),
                name="doserecord_verified_patient_record",
                violation_error_message=(
                    "Only a record the patient made is verified, by someone, at a time."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.dose}"

    @property
    def by_the_patient(self) -> bool:
        return self.source == self.Source.PATIENT

    @property
    def awaits_verification(self) -> bool:
        return self.by_the_patient and self.is_active and self.verified_at is None

    @property
    def reason_text(self) -> str:
        """The coded reason in words, with the nurse's note: "Patient refused — nauseated"."""
        label = (
            self.get_hold_reason_display()
            or self.get_not_given_reason_display()
            or self.get_partial_reason_display()
        )
        return " — ".join(part for part in (label, self.reason_note) if part)

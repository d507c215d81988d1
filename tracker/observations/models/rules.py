"""The chart's rules: the label's withhold and stop criteria as conditions over time.

A rule is one or more groups of conditions: it is met when every condition of some
group is met (groups are alternatives, conditions within one all needed).  Each
condition reads one parameter (tracker.observations.parameters) with one test:
its latest value, a value held for N hours, a rise over N hours, or an episode
lasting more than N hours.  Rules are data, edited in the admin with a reason,
because centres differ (docs/clinical-sources.md §1).
"""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tracker.observations import parameters


class HoldReason(models.TextChoices):
    """Why a dose is held: the label's withhold criteria (docs/clinical-sources.md §1) first."""

    HYPOTENSION = "hypotension", "Systolic BP below 90 mmHg"
    ARRHYTHMIA = "arrhythmia", "AF, SVT or bradycardia needing treatment"
    HYPOXIA = "hypoxia", "O₂ saturation below 90%"
    MENTAL_STATUS = "mental_status", "Mental status change (confusion, agitation)"
    OCCULT_BLOOD = "occult_blood", "Positive stool occult blood test"
    RENAL = "renal", "Raised creatinine or persistent oliguria"
    # Kept for records made before hepatic failure stopped the course instead (§1):
    # not offered for a new hold (NEW_HOLD_REASONS).
    HEPATIC = "hepatic", "Signs of hepatic failure"
    SEPSIS = "sepsis", "Sepsis with clinical instability"
    SKIN = "skin", "Bullous dermatitis or marked worsening of the skin"
    INSTITUTIONAL = "institutional", "Institutional bedside criterion (see note)"
    OTHER = "other", "Other toxicity (see note)"


class ChartRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_conditions(self):
        return self.prefetch_related(
            models.Prefetch("conditions", queryset=RuleCondition.objects.order_by("group", "pk"))
        )


class ChartRule(models.Model):
    class Action(models.TextChoices):
        WITHHOLD = "withhold", "Withhold the dose"
        STOP = "stop", "Stop aldesleukin for good"

    slug = models.SlugField(unique=True, help_text="How the rule is named in replays and reports.")
    name = models.CharField(max_length=100, help_text="As the dose decision panel shows it.")
    label_row = models.CharField(
        max_length=200, blank=True, help_text="The criterion's own words, where it is the label's."
    )
    action = models.CharField(max_length=8, choices=Action)
    hold_reason = models.CharField(
        max_length=16, choices=HoldReason, blank=True, help_text="For withhold rules."
    )
    source = models.CharField(max_length=200, help_text="Where the rule comes from.")
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()
    objects = ChartRuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="withhold", hold_reason__gt="")
                | Q(action="stop", hold_reason=""),
                name="chart_rule_withhold_has_its_reason",
                violation_error_message="A withhold rule names its hold reason; a stop rule none.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def stops_course(self) -> bool:
        return self.action == self.Action.STOP

    def groups(self) -> list[list["RuleCondition"]]:
        """The conditions by group, in order (from the prefetch when there is one)."""
        grouped: dict[int, list[RuleCondition]] = {}
        for condition in self.conditions.all():
            grouped.setdefault(condition.group, []).append(condition)
        return [grouped[key] for key in sorted(grouped)]


class RuleCondition(models.Model):
    class Test(models.TextChoices):
        LATEST = "latest", "Latest value"
        SUSTAINED = "sustained", "Held for at least N hours"
        RISING = "rising", "Risen by at least the threshold over N hours"
        LASTING = "lasting", "Lasting more than N hours"
        ONGOING = "ongoing", "Going on now"

    class Comparison(models.TextChoices):
        BELOW = "lt", "<"
        AT_MOST = "le", "≤"
        ABOVE = "gt", ">"
        AT_LEAST = "ge", "≥"
        YES = "yes", "is yes"

    rule = models.ForeignKey(ChartRule, models.CASCADE, related_name="conditions")
    group = models.PositiveSmallIntegerField(
        default=1, help_text="Conditions with the same group number must all be met."
    )
    parameter = models.CharField(max_length=24, choices=parameters.CHOICES)
    test = models.CharField(max_length=10, choices=Test, default=Test.LATEST)
    comparison = models.CharField(max_length=3, choices=Comparison, blank=True)
    threshold = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The value compared with; for 'risen', the rise.",
    )
    hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="For 'held', 'risen' and 'lasting': the hours.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(test="latest", hours__isnull=True)
                    & (
                        Q(comparison="yes", threshold__isnull=True)
                        | Q(comparison__in=["lt", "le", "gt", "ge"], threshold__isnull=False)
                    )
                )
                # The null tests are explicit: a check on NULL > 0 would pass.
                | Q(test="sustained", hours__isnull=False, hours__gt=0)
                & (
                    Q(comparison="yes", threshold__isnull=True)
                    | Q(comparison__in=["lt", "le", "gt", "ge"], threshold__isnull=False)
                )
                | Q(test="rising", comparison="", hours__isnull=False, hours__gt=0)
                & (
                    Q(threshold__isnull=False, threshold__gt=0)
                    | Q(parameter="pressor", threshold__isnull=True)
                )
                | Q(
                    test="lasting",
                    comparison="",
                    threshold__isnull=True,
                    hours__isnull=False,
                    hours__gt=0,
                )
                | Q(test="ongoing", comparison="", threshold__isnull=True, hours__isnull=True),
                name="rule_condition_test_has_its_terms",
                violation_error_message=(
                    "'Latest' takes a comparison (and a threshold unless yes/no); 'held' a "
                    "comparison and hours; 'risen' a rise and hours; 'lasting' hours only; "
                    "'going on' nothing more."
                ),
            ),
            models.CheckConstraint(
                condition=Q(parameter__in=list(parameters.PARAMETERS)),
                name="rule_condition_parameter_known",
                violation_error_message="Choose a parameter the chart can read.",
            ),
            models.CheckConstraint(
                condition=Q(
                    test__in=["lasting", "ongoing"], parameter__in=parameters.EPISODE_CODES
                )
                | (
                    ~Q(test__in=["lasting", "ongoing"])
                    & ~Q(parameter__in=parameters.EPISODE_CODES)
                ),
                name="rule_condition_lasting_is_for_events",
                violation_error_message="Events take 'lasting' or 'going on'; only events do.",
            ),
            models.CheckConstraint(
                condition=Q(comparison="yes", parameter__in=parameters.YES_NO_CODES)
                | ~Q(comparison="yes") & ~Q(parameter__in=parameters.YES_NO_CODES)
                | Q(test="rising", parameter="pressor"),
                name="rule_condition_yes_is_for_yes_no",
                violation_error_message="Yes/no parameters take 'is yes'; numbers a comparison.",
            ),
        ]

    def __str__(self):
        spec = self.spec
        hours = f"{self.hours.normalize():f} h" if self.hours is not None else ""
        threshold = spec.measure.value(self.threshold) if self.threshold is not None else ""
        if self.test == self.Test.LASTING:
            return f"{spec.measure.name} lasting more than {hours}"
        if self.test == self.Test.ONGOING:
            return f"{spec.measure.name} going on"
        if self.test == self.Test.RISING:
            if self.parameter == "pressor":
                return f"pressor rate increased within {hours}"
            return f"{spec.measure.name} up by {threshold} or more within {hours}"
        words = spec.measure.name
        if self.comparison != self.Comparison.YES:
            words += f" {self.get_comparison_display()} {threshold}"
        if self.test == self.Test.SUSTAINED:
            words += f" for {hours} or more"
        return words

    @property
    def spec(self) -> parameters.Parameter:
        return parameters.PARAMETERS[self.parameter]


class RuleFiringQuerySet(models.QuerySet):
    def open(self):
        return self.filter(cleared_at__isnull=True)


class RuleFiring(models.Model):
    """A rule met on a course's chart, from when it was first met until it no longer was.

    Kept so a rule that stays met raises one alert, not one per entry charted, and
    so the chart's history shows when each rule fired and why.
    """

    rule = models.ForeignKey(ChartRule, models.PROTECT, related_name="firings")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="+")
    course = models.ForeignKey("regimens.Course", models.PROTECT, related_name="+")
    fired_at = models.DateTimeField()
    why = models.CharField(max_length=300)
    cleared_at = models.DateTimeField(null=True, blank=True)
    alert = models.ForeignKey(
        "alerts.Alert", models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = RuleFiringQuerySet.as_manager()

    class Meta:
        ordering = ["-fired_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "course"],
                condition=Q(cleared_at__isnull=True),
                name="rule_firing_one_open_per_course",
            ),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_at__gte=models.F("fired_at")),
                name="rule_firing_clears_after_it_fires",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "cleared_at"], name="rule_firing_course_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-fired_at", "-id"], name="rule_firing_fired_idx"),
        ]

    def __str__(self):
        return f"{self.rule} ({self.why})"

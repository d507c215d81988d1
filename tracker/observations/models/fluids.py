"""Fluid intake and output, and body weight, as charted at the bedside.

Interleukin-2 causes capillary leak: fluid given stays in the tissues, urine falls
and weight rises; the label's oliguria row and centres' weight-gain rule are read
against these entries (docs/clinical-sources.md §1).  The chart keeps each measured
volume and weight as its own entry; balances and urine rates are worked out from
them (tracker.observations.fluids), never stored.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q, Sum
from simple_history.models import HistoricalRecords

from tracker.observations.models.base import Observation, ObservationQuerySet
from tracker.patients.measures import PLAUSIBLE_WEIGHT_KG

# One measured volume above this is more likely a mistyped one (an extra zero) than real:
# more than the largest infusion bag or urine bag charted at once.
MAX_VOLUME_ML = 6000


class Direction(models.TextChoices):
    INTAKE = "intake", "Intake"
    OUTPUT = "output", "Output"


class FluidKind(models.TextChoices):
    IV_FLUID = "iv_fluid", "IV fluids"
    IV_DRUG = "iv_drug", "IV drugs and flushes"
    ORAL = "oral", "Oral"
    OTHER_INTAKE = "other_intake", "Other intake"
    URINE = "urine", "Urine"
    DRAIN = "drain", "Drain"
    STOOL = "stool", "Stool or diarrhoea"
    VOMIT = "vomit", "Vomit"
    OTHER_OUTPUT = "other_output", "Other output"


INTAKE_KINDS = (FluidKind.IV_FLUID, FluidKind.IV_DRUG, FluidKind.ORAL, FluidKind.OTHER_INTAKE)
OUTPUT_KINDS = (
    FluidKind.URINE,
    FluidKind.DRAIN,
    FluidKind.STOOL,
    FluidKind.VOMIT,
    FluidKind.OTHER_OUTPUT,
)
KINDS_BY_DIRECTION = {Direction.INTAKE: INTAKE_KINDS, Direction.OUTPUT: OUTPUT_KINDS}


class FluidEntryQuerySet(ObservationQuerySet):
    def intake(self):
        return self.filter(direction=Direction.INTAKE)

    def output(self):
        return self.filter(direction=Direction.OUTPUT)

    def urine(self):
        return self.filter(kind=FluidKind.URINE)

    def totals(self) -> dict:
        """{"intake_ml": ..., "output_ml": ...} of the active entries, in one query."""
        found = self.active().aggregate(
            intake_ml=Sum("volume_ml", filter=Q(direction=Direction.INTAKE), default=0),
            output_ml=Sum("volume_ml", filter=Q(direction=Direction.OUTPUT), default=0),
        )
        return {key: int(value) for key, value in found.items()}

    def urine_periods_within(self, start, end):
        """Active urine entries whose whole period lies in [start, end]."""
        return (
            self.active()
            .urine()
            .filter(period_start__gte=start, taken_at__lte=end)
            .order_by("period_start", "pk")
        )

    def urine_overlapping(self, start, end):
        """Active urine entries whose period shares some time with (start, end)."""
        return self.active().urine().filter(period_start__lt=end, taken_at__gt=start)


class FluidEntry(Observation):
    """A volume taken in or passed, in mL, at `taken_at`.

    Urine is charted with the period it was collected over (`period_start` to
    `taken_at`), so an hourly rate can be worked out; 0 mL says no urine was passed.
    """

    direction = models.CharField(max_length=6, choices=Direction)
    kind = models.CharField(max_length=12, choices=FluidKind)
    volume_ml = models.PositiveIntegerField("volume (mL)")
    period_start = models.DateTimeField(
        "collected since",
        null=True,
        blank=True,
        help_text="Urine only: the start of the period the volume was collected over.",
    )

    history = HistoricalRecords()
    objects = FluidEntryQuerySet.as_manager()

    already_in_error = "This fluid entry is already marked entered in error."

    class Meta(Observation.Meta):
        verbose_name = "fluid entry"
        verbose_name_plural = "fluid entries"
        indexes = [
            models.Index(fields=["patient", "taken_at"], name="obs_fluid_patient_taken_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="obs_fluid_taken_idx"),
        ]
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=Q(direction=Direction.INTAKE, kind__in=INTAKE_KINDS)
                | Q(direction=Direction.OUTPUT, kind__in=OUTPUT_KINDS),
                name="obs_fluid_kind_fits_direction",
                violation_error_message="That kind of fluid does not go that way.",
            ),
            models.CheckConstraint(
                condition=Q(volume_ml__lte=MAX_VOLUME_ML),
                name="obs_fluid_volume_plausible",
                violation_error_message=f"A volume is at most {MAX_VOLUME_ML} mL.",
            ),
            models.CheckConstraint(
                condition=Q(volume_ml__gt=0) | Q(kind=FluidKind.URINE),
                name="obs_fluid_only_urine_may_be_nil",
                violation_error_message="Only urine is charted as 0 mL (no urine).",
            ),
            models.CheckConstraint(
                # The null test is explicit: a check on NULL < taken_at would pass.
                condition=Q(
                    kind=FluidKind.URINE,
                    period_start__isnull=False,
                    period_start__lt=models.F("taken_at"),
                )
                | (~Q(kind=FluidKind.URINE) & Q(period_start__isnull=True)),
                name="obs_fluid_urine_period_before_taken",
                violation_error_message="Urine needs the start of its period, before its time.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.volume_ml} mL"

    @property
    def is_urine(self) -> bool:
        return self.kind == FluidKind.URINE

    @property
    def period_hours(self) -> Decimal | None:
        if not self.is_urine or self.period_start is None:
            return None
        seconds = Decimal((self.taken_at - self.period_start).total_seconds())
        return seconds / 3600

    @property
    def urine_ml_per_hour(self) -> Decimal | None:
        """This entry's urine over its own period, mL/h to 0.1."""
        hours = self.period_hours
        if not hours:
            return None
        return (self.volume_ml / hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def urine_ml_per_kg_hour(self, weight_kg: Decimal | None) -> Decimal | None:
        """The same against a body weight (the admission weight), mL/kg/h to 0.01."""
        rate = self.urine_ml_per_hour
        if rate is None or not weight_kg:
            return None
        hours = self.period_hours
        return (self.volume_ml / hours / weight_kg).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


class WeightEntry(Observation):
    """Body weight in kg, compared with the course's admission weight."""

    weight_kg = models.DecimalField("weight (kg)", max_digits=4, decimal_places=1)

    history = HistoricalRecords()
    objects = ObservationQuerySet.as_manager()

    already_in_error = "This weight is already marked entered in error."

    class Meta(Observation.Meta):
        verbose_name = "weight entry"
        verbose_name_plural = "weight entries"
        indexes = [
            models.Index(fields=["patient", "taken_at"], name="obs_weight_patient_taken_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="obs_weight_taken_idx"),
        ]
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=Q(
                    weight_kg__gte=PLAUSIBLE_WEIGHT_KG[0], weight_kg__lte=PLAUSIBLE_WEIGHT_KG[1]
                ),
                name="obs_weight_plausible",
                violation_error_message=(
                    f"A weight is between {PLAUSIBLE_WEIGHT_KG[0]} and "
                    f"{PLAUSIBLE_WEIGHT_KG[1]} kg."
                ),
            ),
        ]

    def __str__(self):
        by = " (patient at home)" if self.is_patient_reported else ""
        return f"Weight {self.weight_kg} kg{by}"

    @property
    def admission_weight(self) -> Decimal | None:
        return self.course.weight_gain_baseline if self.course_id else None

    def gain_percent(self) -> Decimal | None:
        """Change from the course's admission weight, in % to 0.1 (a loss is negative)."""
        baseline = self.admission_weight
        if not baseline:
            return None
        change = (self.weight_kg - baseline) * 100 / baseline
        return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

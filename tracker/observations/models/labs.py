"""Laboratory results on the observation chart, and what every lab result shares.

`LabValue` is a result as a lab reports it: a value (or the assay's limit with "<"
or ">"), its unit, the lab's own range and the flag read against that range.  The
ward's results (`LabResult`) and the thyroid results (tracker.thyroid) are both
made of it; each names the catalogue its tests and units come from
(tracker.observations.lab).
"""

from decimal import Decimal

from django.db import models
from simple_history.models import HistoricalRecords

from tracker.observations import lab
from tracker.observations.models.base import Observation, ObservationQuerySet


class LabValue(models.Model):
    """A result's value, unit, range and flag; the concrete model adds `test` and its time.

    `catalogue` maps each test to its lab.TestSpec.
    """

    class Flag(models.TextChoices):
        LOW = lab.Flag.LOW, "Low"
        NORMAL = lab.Flag.NORMAL, "Normal"
        HIGH = lab.Flag.HIGH, "High"

    class Qualifier(models.TextChoices):
        EXACT = lab.Qualifier.EXACT, "The value"
        BELOW = lab.Qualifier.BELOW, "Below the assay's limit"
        ABOVE = lab.Qualifier.ABOVE, "Above the assay's limit"

    value = models.DecimalField(max_digits=10, decimal_places=3)
    # "<0.01" is stored as 0.01 with "<": the value is then the assay's limit.
    qualifier = models.CharField(max_length=1, choices=Qualifier, blank=True, default="")
    unit = models.CharField(max_length=8)
    range_low = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    range_high = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    flag = models.CharField(max_length=6, choices=Flag, editable=False)

    catalogue: dict = {}

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_test_display()} {self.shown_value} {self.unit_label}"

    def save(self, *args, **kwargs):
        # The operations refuse a limit the range cannot flag; reading the limit as
        # the value is the fallback for any other way in.
        self.flag = lab.qualified_flag(
            self.value, self.qualifier, self.range_low, self.range_high
        ) or lab.flag(self.value, self.range_low, self.range_high)
        super().save(*args, **kwargs)

    @staticmethod
    def value_constraints(prefix: str) -> list[models.BaseConstraint]:
        """The rules every stored result keeps, named for its table."""
        return [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name=f"{prefix}_value_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(qualifier__in=["", "<", ">"]), name=f"{prefix}_qualifier_known"
            ),
            models.CheckConstraint(
                condition=models.Q(range_low__isnull=True)
                | models.Q(range_high__isnull=True)
                | models.Q(range_low__lte=models.F("range_high")),
                name=f"{prefix}_range_in_order",
            ),
        ]

    def take_default_range(self) -> None:
        """With no range given, the catalogue's default for the test and unit, if any."""
        if self.range_low is None and self.range_high is None:
            unit = self.spec.units.get(self.unit)
            if unit is not None and unit.default_range:
                self.range_low, self.range_high = unit.default_range

    def refusal_to_chart(self) -> tuple[str, str] | None:
        """(field, message) for the first thing that stops this result being stored, or None.

        A unit the test is not reported in, a value no patient has (most often one
        typed against the wrong unit), a range out of order, or a "<" or ">" result
        the range cannot flag.
        """
        try:
            self.spec.unit(self.unit)
        except lab.LabError as error:
            return "unit", str(error)
        implausible = self.spec.implausibility(self.value, self.unit)
        if implausible:
            return "value", implausible
        if self.qualifier not in {known.value for known in lab.Qualifier}:
            return "value", 'A result starts with "<" or ">" only, as in "<0.01".'
        low, high = self.range_low, self.range_high
        if low is not None and high is not None and low > high:
            return "range_low", "The lower limit of the range is above its upper limit."
        if lab.qualified_flag(self.value, self.qualifier, low, high) is None:
            side = "below" if self.qualifier == lab.Qualifier.BELOW else "above"
            return "value", (
                f"A result {side} {lab.format_number(self.value)} {self.unit_label} could be "
                "inside or outside the range, so it cannot be flagged. Enter the lab's value, "
                "or check the limit."
            )
        return None

    def other_units(self) -> list[tuple[str, str]]:
        """The result in the test's other units, as labs report them: [("106", "µmol/L")]."""
        return [
            (
                lab.format_result(self.spec.shown_in(self.value, self.unit, code), self.qualifier),
                unit.label,
            )
            for code, unit in self.spec.units.items()
            if code != self.unit
        ]

    @property
    def shown_value(self) -> str:
        """The result as the lab wrote it: "2.1", "<0.01"."""
        return lab.format_result(self.value, self.qualifier)

    @property
    def spec(self) -> lab.TestSpec:
        return self.catalogue[self.test]

    @property
    def unit_label(self) -> str:
        """The unit for people ("µmol/L"); the stored code if the catalogue lacks it, so a
        page or the admin still shows an old row rather than failing."""
        spec = self.catalogue.get(self.test)
        unit = spec.units.get(self.unit) if spec else None
        return unit.label if unit else self.unit

    @property
    def loinc(self) -> str:
        return self.spec.unit(self.unit).loinc

    @property
    def is_abnormal(self) -> bool:
        return self.flag != self.Flag.NORMAL

    def value_in(self, unit: str) -> Decimal:
        """The value in another of the test's units, exactly (lab.TestSpec.convert)."""
        return self.spec.convert(self.value, self.unit, unit)

    @property
    def canonical_value(self) -> Decimal:
        """The value in the test's canonical unit, the one results are compared in."""
        return self.value_in(self.spec.canonical)


class LabResultQuerySet(ObservationQuerySet):
    def of(self, test):
        return self.filter(test=test)

    def latest_of_each_test(self):
        """The newest counted result of each test, in one query whatever their number."""
        newest = (
            LabResult.objects.active()
            .filter(patient=models.OuterRef("patient"), test=models.OuterRef("test"))
            .order_by("-taken_at", "-pk")
            .values("pk")[:1]
        )
        return self.active().filter(pk=models.Subquery(newest))


class LabResult(LabValue, Observation):
    """One laboratory result on the ward's chart; `taken_at` is when the sample was taken.

    Results of one sample share `taken_at` (a panel).  A wrong result is marked
    entered in error and the right one charted anew.
    """

    class Test(models.TextChoices):
        CREATININE = lab.LabTest.CREATININE, "Creatinine"
        UREA = lab.LabTest.UREA, "Urea"
        POTASSIUM = lab.LabTest.POTASSIUM, "Potassium"
        MAGNESIUM = lab.LabTest.MAGNESIUM, "Magnesium"
        CALCIUM = lab.LabTest.CALCIUM, "Calcium"
        PHOSPHATE = lab.LabTest.PHOSPHATE, "Phosphate"
        BICARBONATE = lab.LabTest.BICARBONATE, "Bicarbonate"
        BILIRUBIN = lab.LabTest.BILIRUBIN, "Bilirubin"
        AST = lab.LabTest.AST, "AST"
        ALT = lab.LabTest.ALT, "ALT"
        CK = lab.LabTest.CK, "Creatine kinase"
        TROPONIN = lab.LabTest.TROPONIN, "Troponin I"
        HAEMOGLOBIN = lab.LabTest.HAEMOGLOBIN, "Haemoglobin"
        WHITE_CELLS = lab.LabTest.WHITE_CELLS, "White cells"
        NEUTROPHILS = lab.LabTest.NEUTROPHILS, "Neutrophils"
        PLATELETS = lab.LabTest.PLATELETS, "Platelets"

    test = models.CharField(max_length=12, choices=Test)
    # Longer than a thyroid unit: "mg/dL BUN" says urea is reported as its nitrogen.
    unit = models.CharField(max_length=12)

    catalogue = lab.LAB_TESTS

    history = HistoricalRecords()
    objects = LabResultQuerySet.as_manager()

    already_in_error = "This result is already marked entered in error."

    class Meta(Observation.Meta):
        verbose_name = "laboratory result"
        ordering = ["taken_at", "test", "pk"]
        indexes = [
            models.Index(fields=["patient", "test", "taken_at"], name="obs_lab_patient_test_idx"),
            # The chart and the flowsheet read every test of a window at once.
            models.Index(fields=["patient", "taken_at"], name="obs_lab_patient_taken_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="obs_lab_taken_idx"),
        ]
        constraints = [
            *Observation.Meta.constraints,
            *LabValue.value_constraints("obs_lab"),
            models.CheckConstraint(
                condition=models.Q(
                    *[
                        models.Q(test=str(test), unit__in=list(spec.units))
                        for test, spec in lab.LAB_TESTS.items()
                    ],
                    _connector=models.Q.OR,
                ),
                name="obs_lab_unit_known_for_test",
                violation_error_message="That unit is not one the test is reported in.",
            ),
        ]

"""A patient's chart over a window, read once, as readings the rules and pages use.

Reading the chart is a fixed number of queries (one per kind of entry), however
much is charted, so the decision panel and the rules stay as fast on day five as
on day one.  Entries marked in error are left out: they never count.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from tracker.observations import parameters
from tracker.observations.models import (
    ClinicalEvent,
    FluidEntry,
    Infusion,
    LabResult,
    VitalSigns,
    WeightEntry,
)
from tracker.observations.models.infusions import DoseUnit
from tracker.observations.models.vitals import WITHHOLD_RHYTHMS, CognitiveTest, Sedation
from tracker.observations.parameters import Source
from tracker.observations.trends import Episode, Rate, Reading, utc

# How far back a chart is read by default: a rise over 48 hours read against a
# result up to a day old (the longest shipped condition).
LOOKBACK = timedelta(hours=72)


@dataclass
class Chart:
    patient: object
    course: object
    at: datetime
    start: datetime
    vitals: list = field(default_factory=list)
    urine: list = field(default_factory=list)
    weights: list = field(default_factory=list)
    infusions: list = field(default_factory=list)
    events: list = field(default_factory=list)
    labs: list = field(default_factory=list)

    @classmethod
    def read(cls, course, at: datetime, *, lookback: timedelta = LOOKBACK) -> "Chart":
        """The course's patient's chart from `lookback` before `at` up to `at`."""
        at = utc(at)
        patient, start = course.patient, at - lookback
        chart = cls(patient, course, at, start)

        def taken(model):
            return (
                model.objects.active()
                .for_patient(patient)
                .filter(taken_at__gte=start, taken_at__lte=at)
                .order_by("taken_at", "pk")
            )

        chart.vitals = list(taken(VitalSigns))
        chart.urine = list(taken(FluidEntry).urine())
        chart.weights = list(taken(WeightEntry))
        chart.labs = list(taken(LabResult))
        chart.infusions = list(
            Infusion.objects.active()
            .for_patient(patient)
            .pressors()
            .filter(taken_at__lte=at)
            .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=start))
            .with_rate_changes()
            .order_by("taken_at", "pk")
        )
        # Every event of the patient's up to `at`: a stop criterion met once stays met.
        chart.events = list(
            ClinicalEvent.objects.active()
            .for_patient(patient)
            .filter(taken_at__lte=at)
            .order_by("taken_at", "pk")
        )
        return chart

    def readings(self, code: str) -> list[Reading]:
        """The readings of one parameter, oldest first."""
        spec = parameters.PARAMETERS[code]
        if spec.source == Source.VITALS:
            return [r for r in (_vital_reading(v, code) for v in self.vitals) if r]
        if spec.source == Source.URINE:
            return [
                Reading(e.taken_at, e.urine_ml_per_hour, since=e.period_start)
                for e in self.urine
                if e.urine_ml_per_hour is not None
            ]
        if spec.source == Source.WEIGHT:
            baseline = self.course.weight_gain_baseline
            if not baseline:
                return []
            return [
                Reading(w.taken_at, (w.weight_kg - baseline) * 100 / baseline)
                for w in self.weights
            ]
        if spec.source == Source.LAB:
            return [
                Reading(result.taken_at, result.canonical_value)
                for result in self.labs
                if result.test == code
            ]
        if spec.source == Source.PRESSOR:
            return [Reading(self.at, any(i.runs_at(self.at) for i in self.infusions))]
        raise ValueError(f"{code} is not read as readings")

    def episodes(self, code: str) -> list[Episode]:
        return [Episode(e.taken_at, e.ended_at) for e in self.events if e.kind == code]

    def pressor_rates(self) -> list[tuple[str, list[Rate]]]:
        """Each pressor's rates in order, with a rate of 0 from when it stopped."""
        found = []
        for infusion in self.infusions:
            rates = [Rate(at, rate) for at, rate in infusion.rate_history()]
            if infusion.stopped_at is not None:
                rates.append(Rate(infusion.stopped_at, Decimal(0)))
            name = infusion.get_agent_display().split(" (")[0].lower()
            found.append((f"{name} ({DoseUnit(infusion.dose_unit).label})", rates))
        return found


def _vital_reading(vitals, code: str) -> Reading | None:
    if code == "rhythm_withheld":
        if not vitals.rhythm:
            return None
        return Reading(vitals.taken_at, vitals.rhythm in WITHHOLD_RHYTHMS)
    if code == "mental_status_changed":
        return _neuro_reading(vitals)
    value = vitals.value(code)
    return None if value is None else Reading(vitals.taken_at, Decimal(value))


def _neuro_reading(vitals) -> Reading | None:
    """Any neuro item charted abnormal is a change; charted all normal, no change."""
    tested = vitals.cognitive_test in (CognitiveTest.PASSED, CognitiveTest.FAILED)
    if vitals.alert_oriented is None and not tested and not vitals.sedation:
        return None
    changed = (
        vitals.alert_oriented is False
        or vitals.cognitive_test == CognitiveTest.FAILED
        or bool(vitals.sedation and vitals.sedation != Sedation.ALERT)
    )
    return Reading(vitals.taken_at, changed)

"""The observation chart's tables, one module per kind of entry."""

from tracker.observations.models.base import Observation, ObservationQuerySet
from tracker.observations.models.fluids import FluidEntry, WeightEntry
from tracker.observations.models.infusions import ClinicalEvent, Infusion, InfusionRateChange
from tracker.observations.models.labs import LabResult, LabResultQuerySet, LabValue
from tracker.observations.models.vitals import VitalSigns

__all__ = [
    "ClinicalEvent",
    "FluidEntry",
    "Infusion",
    "InfusionRateChange",
    "LabResult",
    "LabResultQuerySet",
    "LabValue",
    "Observation",
    "ObservationQuerySet",
    "VitalSigns",
    "WeightEntry",
]

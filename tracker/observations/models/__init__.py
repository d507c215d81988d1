"""The observation chart's tables, one module per kind of entry."""

from tracker.observations.models.base import Observation, ObservationQuerySet
from tracker.observations.models.infusions import ClinicalEvent, Infusion, InfusionRateChange

__all__ = [
    "ClinicalEvent",
    "Infusion",
    "InfusionRateChange",
    "Observation",
    "ObservationQuerySet",
]

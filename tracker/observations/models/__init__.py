"""The observation chart's tables, one module per kind of entry."""

from tracker.observations.models.base import Observation, ObservationQuerySet
from tracker.observations.models.fluids import FluidEntry, WeightEntry

__all__ = ["FluidEntry", "Observation", "ObservationQuerySet", "WeightEntry"]

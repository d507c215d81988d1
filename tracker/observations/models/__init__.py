"""The observation chart's tables, one module per kind of entry."""

from tracker.observations.models.base import Observation, ObservationQuerySet

__all__ = ["Observation", "ObservationQuerySet"]

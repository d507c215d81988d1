"""The observation chart's tables, one module per kind of entry."""

from tracker.observations.models.base import Observation, ObservationQuerySet
from tracker.observations.models.vitals import VitalSigns as VitalSigns

__all__ = ["Observation", "ObservationQuerySet"]

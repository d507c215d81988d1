"""Pressor and other infusions, their rate changes, and clinical events with durations.

An infusion's start is one entry and each change of rate another, so the rate at any
instant is read from the entries, never overwritten.  Stopping sets `stopped_at` with
a history row; a stop made in error is withdrawn with a reason (`infusions.py`).
Durations are elapsed time between instants (UTC), so a change of the clocks does not
lengthen or shorten them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from tracker.observations.models.base import Observation, ObservationQuerySet


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Time that passed from `start` to `end`, whatever zone either is written in.

    Python subtracts two times in the same zone by their wall clocks, which gains or
    loses an hour across a change of the clocks; in UTC it cannot.
    """
    return end.astimezone(UTC) - start.astimezone(UTC)


class Agent(models.TextChoices):
    NOREPINEPHRINE = "norepinephrine", "Norepinephrine (noradrenaline)"
    PHENYLEPHRINE = "phenylephrine", "Phenylephrine"
    DOPAMINE = "dopamine", "Dopamine"
    VASOPRESSIN = "vasopressin", "Vasopressin"
    EPINEPHRINE = "epinephrine", "Epinephrine (adrenaline)"
    DOBUTAMINE = "dobutamine", "Dobutamine"
    OTHER = "other", "Other (name it)"


class DoseUnit(models.TextChoices):
    MICROGRAMS_PER_KG_MIN = "mcg/kg/min", "µg/kg/min"
    UNITS_PER_MIN = "units/min", "units/min"
    MICROGRAMS_PER_MIN = "mcg/min", "µg/min"
    MG_PER_HOUR = "mg/h", "mg/h"
    UNITS_PER_HOUR = "units/h", "units/h"
    ML_PER_HOUR = "mL/h", "mL/h"


# The unit each named agent is charted in, so two nurses never chart one drug in two
# units (docs/clinical-sources.md §7).  An "other" infusion names its own unit.
AGENT_UNITS = {
    Agent.NOREPINEPHRINE: DoseUnit.MICROGRAMS_PER_KG_MIN,
    Agent.PHENYLEPHRINE: DoseUnit.MICROGRAMS_PER_KG_MIN,
    Agent.DOPAMINE: DoseUnit.MICROGRAMS_PER_KG_MIN,
    Agent.EPINEPHRINE: DoseUnit.MICROGRAMS_PER_KG_MIN,
    Agent.DOBUTAMINE: DoseUnit.MICROGRAMS_PER_KG_MIN,
    Agent.VASOPRESSIN: DoseUnit.UNITS_PER_MIN,
}

# The vasopressors: what "on pressors" means.  Dobutamine is an inotrope and an "other"
# infusion may be anything, so neither counts (docs/clinical-sources.md §7).
PRESSORS = (
    Agent.NOREPINEPHRINE,
    Agent.PHENYLEPHRINE,
    Agent.DOPAMINE,
    Agent.VASOPRESSIN,
    Agent.EPINEPHRINE,
)

RATE_DIGITS, RATE_PLACES = 8, 3


def rate_in_words(rate, unit: str) -> str:
    """A rate as charted, without trailing zeros: "0.05 µg/kg/min"."""
    return f"{Decimal(rate).normalize():f} {DoseUnit(unit).label}"


class InfusionQuerySet(ObservationQuerySet):
    def running_at(self, at):
        """Counted infusions started by `at` and not stopped by then."""
        return (
            self.active()
            .filter(taken_at__lte=at)
            .filter(models.Q(stopped_at__isnull=True) | models.Q(stopped_at__gt=at))
        )

    def running_between(self, start, end):
        """Counted infusions that ran at some time from `start` to `end`."""
        return (
            self.active()
            .filter(taken_at__lte=end)
            .filter(models.Q(stopped_at__isnull=True) | models.Q(stopped_at__gt=start))
        )

    def pressors(self):
        return self.filter(agent__in=PRESSORS)

    def any_pressor_running(self, at) -> bool:
        return self.pressors().running_at(at).exists()

    def with_rate_changes(self):
        """Each infusion with its rate changes read in one query, for `rate_at` and pages."""
        return self.prefetch_related(
            models.Prefetch(
                "rate_changes",
                queryset=InfusionRateChange.objects.select_related("recorded_by").order_by(
                    "taken_at", "pk"
                ),
            )
        )

    def pressor_rising(self, hours, now) -> list["Infusion"]:
        """The pressors whose rate rose over the `hours` before `now` (`Infusion.rising_over`)."""
        start = now - timedelta(hours=hours)
        return [
            infusion
            for infusion in self.pressors().running_between(start, now).with_rate_changes()
            if infusion.rising_over(hours, now)
        ]


class Infusion(Observation):
    """A continuous infusion, from its start (`taken_at`) at its starting rate.

    A rate change is its own entry (`InfusionRateChange`).  `stopped_at` is empty while
    it runs.
    """

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="infusions")
    agent = models.CharField(max_length=16, choices=Agent)
    other_name = models.CharField(
        "name of the other infusion", max_length=80, blank=True, help_text="For “Other” only."
    )
    dose_unit = models.CharField(max_length=12, choices=DoseUnit)
    starting_rate = models.DecimalField(
        max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, help_text="In the dose unit."
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InfusionQuerySet.as_manager()
    history = HistoricalRecords()

    already_in_error = "This infusion is already marked as entered in error."

    class Meta(Observation.Meta):
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(starting_rate__gte=0),
                name="infusion_rate_not_negative",
                violation_error_message="A rate cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(agent=Agent.OTHER, other_name__gt="")
                | models.Q(
                    models.Q(
                        *(
                            models.Q(agent=agent, dose_unit=unit)
                            for agent, unit in AGENT_UNITS.items()
                        ),
                        _connector=models.Q.OR,
                    ),
                    other_name="",
                ),
                name="infusion_unit_fits_agent",
                violation_error_message="Chart this agent in its own unit; name an other infusion.",
            ),
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True)
                | models.Q(stopped_at__gte=models.F("taken_at")),
                name="infusion_stops_after_it_starts",
                violation_error_message="An infusion stops after it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "taken_at"], name="infusion_patient_taken"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="infusion_taken_idx"),
        ]

    def __str__(self):
        return f"{self.name} from {self.taken_at:%Y-%m-%d %H:%M} UTC"

    @property
    def started_at(self):
        return self.taken_at

    @property
    def name(self) -> str:
        return self.other_name if self.agent == Agent.OTHER else self.get_agent_display()

    @property
    def is_pressor(self) -> bool:
        return self.agent in PRESSORS

    @property
    def is_running(self) -> bool:
        return self.is_active and self.stopped_at is None

    @property
    def current_rate_text(self) -> str:
        return rate_in_words(self.current_rate, self.dose_unit)

    @property
    def starting_rate_text(self) -> str:
        return rate_in_words(self.starting_rate, self.dose_unit)

    def active_changes(self) -> list["InfusionRateChange"]:
        """The counted rate changes, oldest first (from `with_rate_changes` if prefetched)."""
        changes = sorted(self.rate_changes.all(), key=lambda c: (c.taken_at, c.pk))
        return [change for change in changes if change.is_active]

    def runs_at(self, at) -> bool:
        return (
            self.is_active
            and self.taken_at <= at
            and (self.stopped_at is None or self.stopped_at > at)
        )

    def rate_at(self, at) -> Decimal | None:
        """The rate in force at `at`; None when the infusion was not running then."""
        if not self.runs_at(at):
            return None
        rate = self.starting_rate
        for change in self.active_changes():
            if change.taken_at > at:
                break
            rate = change.rate
        return rate

    @property
    def current_rate(self) -> Decimal:
        """The latest rate charted."""
        changes = self.active_changes()
        return changes[-1].rate if changes else self.starting_rate

    def rate_history(self, start=None, end=None) -> list[tuple[datetime, Decimal]]:
        """(from when, rate) for each rate in force between `start` and `end`, oldest first.

        The first pair is the rate in force at `start` (at `start`), or the start of
        the infusion if it started later.  Without bounds, the whole infusion.
        """
        steps = [(self.taken_at, self.starting_rate)] + [
            (change.taken_at, change.rate) for change in self.active_changes()
        ]
        if self.stopped_at is not None:
            steps = [(at, rate) for at, rate in steps if at <= self.stopped_at]
        if end is not None:
            steps = [(at, rate) for at, rate in steps if at < end]
        if start is not None:
            before = [(at, rate) for at, rate in steps if at <= start]
            after = [(at, rate) for at, rate in steps if at > start]
            if self.stopped_at is not None and self.stopped_at <= start:
                return []
            steps = ([(start, before[-1][1])] if before else []) + after
        return steps

    def rising_over(self, hours, now) -> bool:
        """Whether the highest rate in the `hours` before `now` is above the rate at their start.

        Not running at the start counts as a rate of 0: starting a pressor within the
        window is a rising requirement.  Entered in error, it never rises.
        """
        if not self.is_active:
            return False
        start = now - timedelta(hours=hours)
        at_start = self.rate_at(start) or Decimal(0)
        rates = [rate for _, rate in self.rate_history(start, now + timedelta.resolution)]
        return bool(rates) and max(rates) > at_start

    def refusal_to_change(self, at) -> str | None:
        """Why the rate cannot change at `at`, or None."""
        if not self.is_active:
            return "This infusion is marked as entered in error."
        if self.stopped_at is not None:
            return "This infusion is stopped. Start a new one to give it again."
        if at < self.taken_at:
            return "The change is before the infusion started. Check the time."
        return None


class InfusionRateChange(Observation):
    """A new rate of an infusion from `taken_at` on, in the infusion's unit."""

    patient = models.ForeignKey(
        "patients.Patient", models.PROTECT, related_name="infusion_rate_changes"
    )
    infusion = models.ForeignKey(Infusion, models.PROTECT, related_name="rate_changes")
    rate = models.DecimalField(max_digits=RATE_DIGITS, decimal_places=RATE_PLACES)

    objects = ObservationQuerySet.as_manager()
    history = HistoricalRecords()

    already_in_error = "This rate change is already marked as entered in error."

    class Meta(Observation.Meta):
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(rate__gte=0),
                name="infusionratechange_rate_not_negative",
                violation_error_message="A rate cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["infusion", "taken_at"], name="infusion_change_taken"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="infusion_change_taken_idx"),
        ]

    def __str__(self):
        return f"{self.rate_text} from {self.taken_at:%Y-%m-%d %H:%M} UTC"

    @property
    def rate_text(self) -> str:
        return rate_in_words(self.rate, self.infusion.dose_unit)


# Clinical events ---------------------------------------------------------------------


class EventKind(models.TextChoices):
    ICU_TRANSFER = "icu_transfer", "Transfer to ICU"
    INTUBATION = "intubation", "Intubation"
    DIALYSIS = "dialysis", "Dialysis"
    COMA_OR_TOXIC_PSYCHOSIS = "coma_psychosis", "Coma or toxic psychosis"
    SEIZURE = "seizure", "Seizure"
    OTHER = "other", "Other (name it)"


@dataclass(frozen=True)
class LabelThreshold:
    kind: str
    hours: int
    text: str


# The label stops aldesleukin for good after these last longer than this
# (docs/clinical-sources.md §1).  "More than": at exactly the threshold it has not passed.
LABEL_THRESHOLDS = (
    LabelThreshold(EventKind.INTUBATION, 72, "Intubated for more than 72 hours"),
    LabelThreshold(EventKind.DIALYSIS, 72, "On dialysis for more than 72 hours"),
    LabelThreshold(
        EventKind.COMA_OR_TOXIC_PSYCHOSIS, 48, "Coma or toxic psychosis for more than 48 hours"
    ),
)


class ClinicalEventQuerySet(ObservationQuerySet):
    def ongoing_at(self, at):
        return (
            self.active()
            .filter(taken_at__lte=at)
            .filter(models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=at))
        )

    def ongoing(self):
        return self.active().filter(ended_at__isnull=True)

    def past_label_threshold(self, now) -> list["ClinicalEvent"]:
        """Counted events of a thresholded kind that have lasted past the label's limit."""
        kinds = [threshold.kind for threshold in LABEL_THRESHOLDS]
        return [e for e in self.active().filter(kind__in=kinds) if e.thresholds_passed(now)]


class ClinicalEvent(Observation):
    """Something that lasts, from its start (`taken_at`); `ended_at` is empty while ongoing."""

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="clinical_events")
    kind = models.CharField(max_length=16, choices=EventKind)
    other_name = models.CharField(
        "name of the other event", max_length=80, blank=True, help_text="For “Other” only."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ClinicalEventQuerySet.as_manager()
    history = HistoricalRecords()

    # A patient may come back from intensive care already intubated or on dialysis:
    # the start is charted when the ward learns it, and the label counts from it.
    charted_within = timedelta(days=7)

    already_in_error = "This event is already marked as entered in error."

    class Meta(Observation.Meta):
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("taken_at")),
                name="clinicalevent_ends_after_it_starts",
                violation_error_message="An event ends after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=EventKind.OTHER, other_name__gt="")
                | (~models.Q(kind=EventKind.OTHER) & models.Q(other_name="")),
                name="clinicalevent_other_is_named",
                violation_error_message="Name an other event.",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "taken_at"], name="clinicalevent_patient_taken"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="clinicalevent_taken_idx"),
        ]

    def __str__(self):
        return f"{self.name} from {self.taken_at:%Y-%m-%d %H:%M} UTC"

    @property
    def started_at(self):
        return self.taken_at

    @property
    def name(self) -> str:
        return self.other_name if self.kind == EventKind.OTHER else self.get_kind_display()

    @property
    def is_ongoing(self) -> bool:
        return self.ended_at is None

    def duration(self, now) -> timedelta:
        """How long it lasted, or has lasted until `now` while ongoing."""
        return elapsed(self.taken_at, self.ended_at or now)

    def longer_than(self, hours, now) -> bool:
        return self.duration(now) > timedelta(hours=hours)

    def thresholds_passed(self, now) -> list[LabelThreshold]:
        """The label's stop-for-good durations this event has passed (none if in error).

        Only reported: the course is not stopped and no alert is raised here.
        """
        if not self.is_active:
            return []
        return [
            threshold
            for threshold in LABEL_THRESHOLDS
            if threshold.kind == self.kind and self.longer_than(threshold.hours, now)
        ]

    def refusal_to_end(self, at) -> str | None:
        if not self.is_active:
            return "This event is marked as entered in error."
        if self.ended_at is not None:
            return "This event has already ended."
        if at < self.taken_at:
            return "The end is before the event started. Check the time."
        return None

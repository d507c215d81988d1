"""Charting infusions and clinical events: start, change, stop, end, and their corrections.

Starts and rate changes are entries, saved through `charting.save_observation`.
Stopping an infusion or ending an event sets a time on the entry, with a history row;
a stop or end made in error is withdrawn with a reason, and the infusion runs (or the
event goes on) again in the chart until it is stopped or ended at the right time.
"""

from django.db import transaction
from django.utils import timezone

from tracker.alerts.rules import alert_for_clinical_event
from tracker.lib.history import save_with_history
from tracker.observations.charting import (
    ChartRefused,
    chart_changed,
    mark_entered_in_error,
    refusal_of_time,
    save_observation,
)
from tracker.observations.models.infusions import (
    AGENT_UNITS,
    Agent,
    ClinicalEvent,
    DoseUnit,
    EventKind,
    Infusion,
    InfusionRateChange,
)

__all__ = [
    "ChartRefused",
    "change_rate",
    "end_event",
    "mark_entered_in_error",
    "start_event",
    "start_infusion",
    "stop_infusion",
    "withdraw_end",
    "withdraw_stop",
]


def _refusal_of_rate(rate):
    if rate is None or rate < 0:
        return ChartRefused("Enter the rate: 0 or more.", field="rate")
    return None


def start_infusion(
    patient, *, by, agent, rate, started_at, other_name="", dose_unit="", note="", now=None
) -> Infusion:
    """Chart an infusion started at `started_at` at `rate`, in its agent's unit."""
    other_name = other_name.strip()
    if agent not in Agent.values:
        raise ChartRefused("Choose the infusion.", field="agent")
    if agent == Agent.OTHER:
        if not other_name:
            raise ChartRefused("Name the infusion.", field="other_name")
        if dose_unit not in DoseUnit.values:
            raise ChartRefused("Choose the unit of the rate.", field="dose_unit")
    else:
        # A named agent is always charted in its own unit, whatever the form sent.
        other_name, dose_unit = "", AGENT_UNITS[agent]
    if refusal := _refusal_of_rate(rate):
        raise refusal
    infusion = Infusion(
        patient=patient,
        agent=agent,
        other_name=other_name,
        dose_unit=dose_unit,
        starting_rate=rate,
        taken_at=started_at,
        note=note.strip(),
    )
    return save_observation(infusion, by=by, reason="Infusion started", now=now)


@transaction.atomic
def change_rate(infusion, *, by, rate, at, note="", now=None) -> InfusionRateChange:
    """Chart a new rate from `at`; refused on a stopped infusion or before its start."""
    infusion = Infusion.objects.select_for_update().get(pk=infusion.pk)
    if refusal := _refusal_of_rate(rate):
        raise refusal
    if message := infusion.refusal_to_change(at):
        raise ChartRefused(message, field="taken_at")
    change = InfusionRateChange(
        patient=infusion.patient,
        course=infusion.course,
        infusion=infusion,
        rate=rate,
        taken_at=at,
        note=note.strip(),
    )
    return save_observation(change, by=by, reason="Rate changed", now=now)


@transaction.atomic
def stop_infusion(infusion, *, by, at, now=None) -> Infusion:
    """Stop a running infusion at `at`: not before its start or its latest rate change."""
    now = now or timezone.now()
    locked = Infusion.objects.select_for_update().get(pk=infusion.pk)
    if not locked.is_active:
        raise ChartRefused("This infusion is marked as entered in error.")
    if locked.stopped_at is not None:
        raise ChartRefused("This infusion is already stopped.")
    if refusal := refusal_of_time(at, now, field="stopped_at"):
        raise refusal
    latest = max([locked.taken_at, *(c.taken_at for c in locked.active_changes())])
    if at < latest:
        raise ChartRefused(
            "The stop is before the infusion started or its latest rate change. Check the time.",
            field="stopped_at",
        )
    locked.stopped_at, locked.stopped_by = at, by
    save_with_history(
        locked, by=by, reason="Infusion stopped", update_fields=["stopped_at", "stopped_by"]
    )
    infusion.stopped_at, infusion.stopped_by = at, by
    chart_changed(locked, now=now)
    return locked


@transaction.atomic
def withdraw_stop(infusion, *, by, reason: str) -> Infusion:
    """A stop charted in error: the infusion runs again in the chart; the stop stays in history."""
    reason = reason.strip()
    if not reason:
        raise ChartRefused("Say why the stop is wrong.", field="reason")
    locked = Infusion.objects.select_for_update().get(pk=infusion.pk)
    if locked.stopped_at is None:
        raise ChartRefused("This infusion is not stopped.")
    locked.stopped_at = locked.stopped_by = None
    save_with_history(
        locked,
        by=by,
        reason=f"Stop entered in error: {reason}",
        update_fields=["stopped_at", "stopped_by"],
    )
    infusion.stopped_at = infusion.stopped_by = None
    chart_changed(locked)
    return locked


@transaction.atomic
def start_event(patient, *, by, kind, started_at, other_name="", note="", now=None):
    """Chart an event (intubation, dialysis ...) that started at `started_at`, and alert
    the care team as the alert rules say."""
    other_name = other_name.strip()
    if kind not in EventKind.values:
        raise ChartRefused("Choose the event.", field="kind")
    if kind == EventKind.OTHER and not other_name:
        raise ChartRefused("Name the event.", field="other_name")
    if kind != EventKind.OTHER:
        other_name = ""
    event = ClinicalEvent(
        patient=patient, kind=kind, other_name=other_name, taken_at=started_at, note=note.strip()
    )
    save_observation(event, by=by, reason="Event started", now=now)
    alert_for_clinical_event(event, now=now)
    return event


@transaction.atomic
def end_event(event, *, by, at, now=None) -> ClinicalEvent:
    """End an ongoing event at `at`: not before it started, and only once."""
    now = now or timezone.now()
    locked = ClinicalEvent.objects.select_for_update().get(pk=event.pk)
    if message := locked.refusal_to_end(at):
        raise ChartRefused(message, field="ended_at")
    if refusal := refusal_of_time(at, now, field="ended_at"):
        raise refusal
    locked.ended_at, locked.ended_by = at, by
    save_with_history(locked, by=by, reason="Event ended", update_fields=["ended_at", "ended_by"])
    event.ended_at, event.ended_by = at, by
    chart_changed(locked, now=now)
    return locked


@transaction.atomic
def withdraw_end(event, *, by, reason: str) -> ClinicalEvent:
    """An end charted in error: the event goes on again in the chart; the end stays in history."""
    reason = reason.strip()
    if not reason:
        raise ChartRefused("Say why the end is wrong.", field="reason")
    locked = ClinicalEvent.objects.select_for_update().get(pk=event.pk)
    if locked.ended_at is None:
        raise ChartRefused("This event has not ended.")
    locked.ended_at = locked.ended_by = None
    save_with_history(
        locked,
        by=by,
        reason=f"End entered in error: {reason}",
        update_fields=["ended_at", "ended_by"],
    )
    event.ended_at = event.ended_by = None
    chart_changed(locked)
    return locked

"""Charting vital signs, and marking a set entered in error (docs/observations.md, "Vital signs").

A set is saved through `charting.save_observation`, which checks its time and finds
its course; the rules about the values are the model's (`VitalSigns.refusal_to_chart`).
"""

from django.db import transaction

from tracker.observations import charting
from tracker.observations.charting import ChartRefused
from tracker.observations.models.vitals import VitalSigns

# What a caller may chart, besides the time: the measures as stored, and a note.
VALUES = (
    "systolic_bp",
    "diastolic_bp",
    "heart_rate",
    "rhythm",
    "respiratory_rate",
    "spo2",
    "oxygen_device",
    "oxygen_flow_l_min",
    "temperature_c",
    "alert_oriented",
    "cognitive_test",
    "sedation",
    "note",
    "course",
    "source",
)


@transaction.atomic
def chart_vitals(patient, *, by, taken_at, now=None, **values) -> VitalSigns:
    """Chart one set of vital signs taken at `taken_at`; ChartRefused names the field.

    A measure left out was not measured.  `values` are in the stored units
    (temperature in °C, oxygen flow in L/min).
    """
    unknown = set(values) - set(VALUES)
    if unknown:
        raise TypeError(f"chart_vitals() got unknown values: {', '.join(sorted(unknown))}")
    note = (values.pop("note", "") or "").strip()
    longest = VitalSigns._meta.get_field("note").max_length
    if len(note) > longest:
        raise ChartRefused(f"Keep the note to {longest} characters or fewer.", field="note")
    entry = VitalSigns(
        patient=patient,
        taken_at=taken_at,
        note=note,
        **{name: value for name, value in values.items() if value is not None},
    )
    refusal = entry.refusal_to_chart()
    if refusal:
        field, message = refusal
        raise ChartRefused(message, field=field)
    return charting.save_observation(entry, by=by, reason="Vital signs charted", now=now)


def mark_entered_in_error(entry: VitalSigns, *, by, reason: str) -> VitalSigns:
    """Withdraw a set with a reason; it stays in the chart, struck through."""
    return charting.mark_entered_in_error(entry, by=by, reason=reason)

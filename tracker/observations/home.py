"""Readings a patient records at home: temperature, weight and blood pressure.

They are the chart's own entries (a set of vital signs, a weight entry) with
`source` "patient" and the patient's login as `recorded_by`, saved through the
same charting operations as the ward's, so the chart rules and the home-reading
alert rules read them at once (docs/observations.md, "Readings at home").
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker.alerts.models import Alert
from tracker.alerts.rules import RANK
from tracker.lib.zones import CLOCK_LEEWAY
from tracker.observations import charting
from tracker.observations.charting import ChartRefused
from tracker.observations.fluids import chart_weight
from tracker.observations.models import VitalSigns, WeightEntry
from tracker.observations.models.base import Source
from tracker.observations.vitals import chart_vitals

# What the patient's list shows: two weeks, the span of a cycle of home injections.
SHOWN_FOR = timedelta(days=14)


def start_of_day(now: datetime, zone) -> datetime:
    local = timezone.localtime(now, zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def refusal_of_home_time(taken_at: datetime, now: datetime, zone) -> ChartRefused | None:
    """A home reading is taken today on the patient's clock, and not after now."""
    if taken_at > now + CLOCK_LEEWAY:
        return ChartRefused(
            "That time is still to come. Enter when you took it.", field="taken_time"
        )
    if taken_at < start_of_day(now, zone):
        return ChartRefused(
            "Enter readings taken today. Tell your care team about older ones.", field="taken_time"
        )
    return None


@transaction.atomic
def record_readings(
    patient,
    *,
    by,
    taken_at: datetime,
    temperature_c: Decimal | None = None,
    weight_kg: Decimal | None = None,
    systolic_bp: int | None = None,
    diastolic_bp: int | None = None,
    heart_rate: int | None = None,
    now=None,
) -> list[VitalSigns | WeightEntry]:
    """Chart what the patient measured: the vital signs as one set, the weight as its own entry.

    All or nothing: a weight refused takes the temperature with it, so the patient never
    wonders which half was kept.  ChartRefused names the form field.
    """
    now = now or timezone.now()
    refusal = refusal_of_home_time(taken_at, now, patient.zone)
    if refusal:
        raise refusal
    vitals = {"temperature_c": temperature_c, "systolic_bp": systolic_bp}
    vitals |= {"diastolic_bp": diastolic_bp, "heart_rate": heart_rate}
    if weight_kg is None and all(value is None for value in vitals.values()):
        raise ChartRefused("Enter at least one reading: temperature, weight or blood pressure.")
    entries: list[VitalSigns | WeightEntry] = []
    if any(value is not None for value in vitals.values()):
        entries.append(
            chart_vitals(
                patient, by=by, taken_at=taken_at, now=now, source=Source.PATIENT, **vitals
            )
        )
    if weight_kg is not None:
        entries.append(
            chart_weight(
                patient,
                by=by,
                weight_kg=weight_kg,
                taken_at=taken_at,
                now=now,
                source=Source.PATIENT,
            )
        )
    return entries


def alert_severity(entries) -> str | None:
    """The most severe alert the readings raised, or None: what the patient is told next."""
    vitals = [entry.pk for entry in entries if isinstance(entry, VitalSigns)]
    weights = [entry.pk for entry in entries if isinstance(entry, WeightEntry)]
    severities = Alert.objects.filter(
        Q(vital_signs__in=vitals) | Q(weight_entry__in=weights)
    ).values_list("severity", flat=True)
    return min(severities, key=RANK.__getitem__, default=None)


def recent_readings(patient, now: datetime) -> list[VitalSigns | WeightEntry]:
    """The patient's own readings of the last two weeks, newest first, in two queries."""
    since = now - SHOWN_FOR
    vitals = VitalSigns.objects.for_patient(patient).patient_reported().filter(taken_at__gte=since)
    weights = (
        WeightEntry.objects.for_patient(patient).patient_reported().filter(taken_at__gte=since)
    )
    readings: list[VitalSigns | WeightEntry] = [*vitals, *weights]
    return sorted(readings, key=lambda entry: (entry.taken_at, entry.recorded_at), reverse=True)


def mark_entered_in_error(entry, *, by, reason: str, now=None):
    """The patient withdraws their own reading, the day they took it, with a reason."""
    now = now or timezone.now()
    if entry.taken_at < start_of_day(now, entry.patient.zone):
        raise ChartRefused(
            "Only today's readings can be withdrawn here. Tell your care team instead."
        )
    return charting.mark_entered_in_error(entry, by=by, reason=reason)

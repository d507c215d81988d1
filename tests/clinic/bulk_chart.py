"""A patient's chart built in bulk, for the flowsheet's tests: hours of observations at once."""

from datetime import timedelta
from decimal import Decimal

from tracker.observations.models import (
    FluidEntry,
    Infusion,
    InfusionRateChange,
    LabResult,
    VitalSigns,
    WeightEntry,
)

H = timedelta(hours=1)
NORMAL_SET = {
    "systolic_bp": 118,
    "diastolic_bp": 72,
    "heart_rate": 84,
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "temperature_c": Decimal("37.1"),
    "alert_oriented": True,
    "sedation": "alert",
}


def _entry(model, patient, course, by, at, **values):
    return model(
        patient=patient, course=course, recorded_by=by, taken_at=at, recorded_at=at, **values
    )


def hourly_chart(patient, course, by, start, hours: int):
    """A set of vital signs, an IV bag and a urine measurement every hour from `start`,
    and a weight every 24 hours: four entries an hour, in four queries."""
    instants = [start + n * H for n in range(hours)]
    VitalSigns.objects.bulk_create(
        [_entry(VitalSigns, patient, course, by, at, **NORMAL_SET) for at in instants]
    )
    FluidEntry.objects.bulk_create(
        [
            entry
            for at in instants
            for entry in (
                _entry(
                    FluidEntry,
                    patient,
                    course,
                    by,
                    at + 10 * timedelta(minutes=1),
                    direction="intake",
                    kind="iv_fluid",
                    volume_ml=125,
                ),
                _entry(
                    FluidEntry,
                    patient,
                    course,
                    by,
                    at + 30 * timedelta(minutes=1),
                    direction="output",
                    kind="urine",
                    volume_ml=60,
                    period_start=at - 30 * timedelta(minutes=1),
                ),
            )
        ]
    )
    WeightEntry.objects.bulk_create(
        [
            _entry(WeightEntry, patient, course, by, at, weight_kg=Decimal("70.0") + n)
            for n, at in enumerate(instants[::24])
        ]
    )


def pressor(patient, course, by, start, rates, *, every=H, stopped_at=None):
    """A norepinephrine infusion from `start` at rates[0], changed every `every` to the next."""
    infusion = _entry(
        Infusion,
        patient,
        course,
        by,
        start,
        agent="norepinephrine",
        dose_unit="mcg/kg/min",
        starting_rate=Decimal(rates[0]),
        stopped_at=stopped_at,
    )
    infusion.save()
    InfusionRateChange.objects.bulk_create(
        [
            _entry(
                InfusionRateChange,
                patient,
                course,
                by,
                start + n * every,
                infusion=infusion,
                rate=Decimal(rate),
            )
            for n, rate in enumerate(rates[1:], start=1)
        ]
    )
    return infusion


def daily_creatinine(patient, course, by, start, days: int, value="1.1"):
    """A creatinine (mg/dL) every 24 hours from `start`, in one query."""
    LabResult.objects.bulk_create(
        [
            _entry(
                LabResult,
                patient,
                course,
                by,
                start + n * 24 * H,
                test="creatinine",
                value=Decimal(value),
                unit="mg/dL",
                range_low=Decimal("0.6"),
                range_high=Decimal("1.2"),
                flag="normal",
            )
            for n in range(days)
        ]
    )

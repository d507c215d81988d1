"""The chart's last hours in a few lines, for the dose decision panel.

Worked out from a chart already read (tracker.observations.chart), so the panel
adds no query: the last 8 hours of vital signs (latest, lowest, highest), urine
over the last 24 and 8 hours, the latest weight against the admission weight,
the pressors running and the latest result of each lab test.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tracker.observations.chart import Chart
from tracker.observations.trends import Measure, elapsed

VITALS_WINDOW = timedelta(hours=8)
URINE_WINDOWS = (timedelta(hours=24), timedelta(hours=8))

SUMMARISED = [
    ("systolic_bp", Measure("Systolic BP", " mmHg")),
    ("mean_arterial_pressure", Measure("MAP", " mmHg")),
    ("heart_rate", Measure("Heart rate", "/min")),
    ("respiratory_rate", Measure("Respiratory rate", "/min")),
    ("spo2", Measure("SpO₂", "%")),
    ("temperature_c", Measure("Temperature", " °C")),
]


@dataclass(frozen=True)
class VitalLine:
    name: str
    latest: str
    latest_at: datetime
    lowest: str
    highest: str
    count: int


@dataclass(frozen=True)
class UrineLine:
    hours: int
    volume_ml: int
    covered_hours: Decimal
    rate_ml_per_hour: Decimal | None


@dataclass(frozen=True)
class Summary:
    at: datetime
    vitals: list[VitalLine]
    urine: list[UrineLine]
    weight: object | None
    weight_gain_percent: Decimal | None
    pressors: list
    labs: list

    @property
    def is_empty(self) -> bool:
        """Nothing charted in the last 8 hours: no vital signs and no urine."""
        return not self.vitals and not self.urine[-1].covered_hours


def summarise(chart: Chart) -> Summary:
    at = chart.at
    weight = chart.weights[-1] if chart.weights else None
    return Summary(
        at=at,
        vitals=_vitals(chart),
        urine=[_urine(chart, window) for window in URINE_WINDOWS],
        weight=weight,
        weight_gain_percent=_gain(chart, weight),
        pressors=[i for i in chart.infusions if i.runs_at(at)],
        labs=_latest_labs(chart),
    )


def _vitals(chart: Chart) -> list[VitalLine]:
    lines = []
    recent = [v for v in chart.vitals if elapsed(v.taken_at, chart.at) <= VITALS_WINDOW]
    for code, measure in SUMMARISED:
        values = [(v.taken_at, v.value(code)) for v in recent if v.value(code) is not None]
        if not values:
            continue
        numbers = [value for _, value in values]
        lines.append(
            VitalLine(
                name=measure.name,
                latest=measure.value(values[-1][1]),
                latest_at=values[-1][0],
                lowest=measure.value(min(numbers)),
                highest=measure.value(max(numbers)),
                count=len(values),
            )
        )
    return lines


def _urine(chart: Chart, window: timedelta) -> UrineLine:
    """Urine passed in the window, a period that straddles its start counted in part."""
    start = chart.at - window
    volume, seconds = Decimal(0), Decimal(0)
    for entry in chart.urine:
        if not start < entry.taken_at <= chart.at:
            continue
        inside = Decimal((entry.taken_at - max(entry.period_start, start)).total_seconds())
        whole = Decimal((entry.taken_at - entry.period_start).total_seconds())
        volume += entry.volume_ml * inside / whole
        seconds += inside
    covered = seconds / 3600
    rate = (volume / covered).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if covered else None
    return UrineLine(
        hours=int(window.total_seconds() // 3600),
        volume_ml=int(volume.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        covered_hours=covered.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        rate_ml_per_hour=rate,
    )


def _gain(chart: Chart, weight) -> Decimal | None:
    baseline = chart.course.weight_gain_baseline
    if weight is None or not baseline:
        return None
    change = (weight.weight_kg - baseline) * 100 / baseline
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _latest_labs(chart: Chart) -> list:
    latest = {}
    for result in chart.labs:
        latest[result.test] = result
    return sorted(latest.values(), key=lambda r: r.taken_at, reverse=True)

"""The flowsheet's trend charts: the points each chart draws, and the same in words.

Times are the patient's wall clock without an offset (as the thyroid chart's are),
so the browser draws them on the patient's clock whatever zone it is in.  Each
chart has a sentence or two saying what it shows, for screen readers and for
anyone who cannot see the canvas; the grid above it holds every value.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from tracker.clinic.flowsheet import (
    ChartData,
    lab_in_canonical_unit,
    lab_value_shown,
    weight_change,
)
from tracker.observations import lab
from tracker.observations.models.infusions import DoseUnit
from tracker.observations.views.fluids import LOW_URINE_ML_PER_HOUR


def _wall(instant, zone) -> str:
    return instant.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")


def _when(instant, zone) -> str:
    return f"{instant.astimezone(zone):%-d %b %H:%M}"


def _number(value) -> float:
    return float(value)


@dataclass
class Trend:
    """One chart: its series (for the script) and its summary (for people)."""

    key: str
    title: str
    series: dict = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    @property
    def has_points(self) -> bool:
        return any(s["points"] for s in self.series.values())


def blood_pressure(data: ChartData, now) -> Trend:
    """Systolic, diastolic and MAP, with each pressor's rate on a second axis."""
    zone = data.zone
    sets = [entry for entry in data.vitals if entry.systolic_bp is not None]
    trend = Trend("bp", "Blood pressure and pressors")

    def points(attribute):
        return [{"x": _wall(e.taken_at, zone), "y": getattr(e, attribute)} for e in sets]

    trend.series = {
        "systolic": {"label": "Systolic BP", "unit": "mmHg", "points": points("systolic_bp")},
        "diastolic": {"label": "Diastolic BP", "unit": "mmHg", "points": points("diastolic_bp")},
        "map": {"label": "MAP", "unit": "mmHg", "points": points("mean_arterial_pressure")},
    }
    if sets:
        lowest = min(sets, key=lambda e: (e.mean_arterial_pressure, e.taken_at))
        systolics = [e.systolic_bp for e in sets]
        trend.summary.append(
            f"{len(sets)} blood pressures from {_when(sets[0].taken_at, zone)} to "
            f"{_when(sets[-1].taken_at, zone)}: systolic {min(systolics)} to {max(systolics)} "
            f"mmHg; lowest MAP {lowest.mean_arterial_pressure} mmHg at "
            f"{_when(lowest.taken_at, zone)}."
        )
    else:
        trend.summary.append("No blood pressure charted.")
    pressors = [infusion for infusion in data.infusions if infusion.is_pressor]
    for infusion in pressors:
        steps = infusion.rate_history(data.start, data.end)
        unit = DoseUnit(infusion.dose_unit).label
        chart_points = [{"x": _wall(at, zone), "y": _number(rate)} for at, rate in steps]
        end = (
            infusion.stopped_at if infusion.stopped_at and infusion.stopped_at < data.end else None
        )
        if end is not None and steps:
            chart_points.append({"x": _wall(end, zone), "y": 0})
        elif steps and infusion.stopped_at is None and steps[-1][0] < now:
            # Still running: the line runs on to now, not stopping at the last change.
            last = {"x": _wall(min(now, data.end), zone), "y": _number(steps[-1][1])}
            chart_points.append(last)
        trend.series[f"pressor-{infusion.pk}"] = {
            "label": infusion.name,
            "unit": unit,
            "axis": "pressor",
            "points": chart_points,
        }
        if steps:
            highest = max(rate for _, rate in steps)
            stopped = f", stopped {_when(end, zone)}" if end else ""
            trend.summary.append(
                f"{infusion.name} from {_when(steps[0][0], zone)}, highest "
                f"{Decimal(highest).normalize():f} {unit}{stopped}."
            )
    if not pressors:
        trend.summary.append("No pressor ran.")
    return trend


def weight(data: ChartData, now) -> Trend:
    zone = data.zone
    trend = Trend("weight", "Weight")
    trend.series = {
        "weight": {
            "label": "Weight",
            "unit": "kg",
            "points": [
                {"x": _wall(e.taken_at, zone), "y": _number(e.weight_kg)} for e in data.weights
            ],
        }
    }
    admission = data.admission_weight
    if admission:
        trend.series["weight"]["baseline"] = _number(admission)
    if data.weights:
        first, last = data.weights[0], data.weights[-1]
        change = ""
        if admission:
            change = f", {weight_change(last.weight_kg, admission)} from the admission "
            change += f"weight of {admission} kg"
        trend.summary.append(
            f"{len(data.weights)} weights: {first.weight_kg} kg on {_when(first.taken_at, zone)}, "
            f"{last.weight_kg} kg on {_when(last.taken_at, zone)}{change}."
        )
    else:
        trend.summary.append("No weight charted.")
    return trend


def urine_output(data: ChartData, now) -> Trend:
    zone = data.zone
    trend = Trend("urine", "Urine output")
    rated = [(e, e.urine_ml_per_hour) for e in data.fluids if e.urine_ml_per_hour is not None]
    trend.series = {
        "urine": {
            "label": "Urine",
            "unit": "mL/h",
            "low": LOW_URINE_ML_PER_HOUR,
            "points": [{"x": _wall(e.taken_at, zone), "y": _number(rate)} for e, rate in rated],
        }
    }
    if rated:
        lowest, rate = min(rated, key=lambda pair: (pair[1], pair[0].taken_at))
        low = sum(1 for _, r in rated if r < LOW_URINE_ML_PER_HOUR)
        trend.summary.append(
            f"{len(rated)} urine measurements: lowest {rate} mL/h at "
            f"{_when(lowest.taken_at, zone)}; {low} below {LOW_URINE_ML_PER_HOUR} mL/h."
        )
    else:
        trend.summary.append("No urine charted.")
    return trend


def creatinine(data: ChartData, now) -> Trend:
    """Creatinine in its canonical unit (mg/dL), whatever unit each lab reported."""
    zone = data.zone
    results = [r for r in data.labs if r.test == lab.LabTest.CREATININE]
    spec = lab.LAB_TESTS[lab.LabTest.CREATININE]
    unit = spec.units[spec.canonical].label
    trend = Trend("creatinine", "Creatinine")
    trend.series = {
        "creatinine": {
            "label": "Creatinine",
            "unit": unit,
            "points": [
                {
                    "x": _wall(r.taken_at, zone),
                    "y": _number(lab_value_shown(r)),
                    "flag": r.get_flag_display(),
                }
                for r in results
            ],
        }
    }
    if results:
        highest = max(results, key=lambda r: (lab_value_shown(r), r.taken_at))
        outside = sum(1 for r in results if r.is_abnormal)
        trend.summary.append(
            f"{len(results)} results: first {lab_in_canonical_unit(results[0])} {unit} on "
            f"{_when(results[0].taken_at, zone)}, last {lab_in_canonical_unit(results[-1])} "
            f"{unit} on {_when(results[-1].taken_at, zone)}; highest "
            f"{lab_in_canonical_unit(highest)} {unit} on {_when(highest.taken_at, zone)}; "
            f"{outside} outside the lab's range."
        )
    else:
        trend.summary.append("No creatinine charted.")
    return trend


# The charts, top to bottom.
TRENDS = [blood_pressure, weight, urine_output, creatinine]


def trends(data: ChartData, now) -> list[Trend]:
    return [make(data, now) for make in TRENDS]


def chart_json(found: list[Trend]) -> dict:
    """What the script reads (json_script): each chart's series by its key."""
    return {trend.key: trend.series for trend in found}

"""What the chart's rules can read: each measure, where it is charted and its unit.

No database here.  A rule's condition names a parameter by its code; the chart
(tracker.observations.rules) reads its readings from the entry it lives in.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tracker.observations.trends import Measure


class Source(StrEnum):
    VITALS = "vitals"
    URINE = "urine"
    WEIGHT = "weight"
    LAB = "lab"
    PRESSOR = "pressor"
    EVENT = "event"


class Kind(StrEnum):
    NUMBER = "number"
    YES_NO = "yes_no"
    EPISODE = "episode"


@dataclass(frozen=True)
class Parameter:
    code: str
    label: str  # as the admin lists it
    measure: Measure  # as a reason says it
    source: Source
    kind: Kind = Kind.NUMBER
    # A reading older than this at the time of the rule says nothing about now.
    fresh_for: timedelta = timedelta(hours=4)

    @property
    def is_yes_no(self) -> bool:
        return self.kind == Kind.YES_NO

    @property
    def is_episode(self) -> bool:
        return self.kind == Kind.EPISODE


def _vital(code, label, name, unit=""):
    return Parameter(code, label, Measure(name, unit), Source.VITALS)


# Labs stay valid for a day: the label's creatinine row is read against the day's result.
LAB_FRESH_FOR = timedelta(hours=24)
# Weight is charted daily; a day and a half allows for a late morning weigh.
WEIGHT_FRESH_FOR = timedelta(hours=36)


def _lab(code, label, name, unit):
    return Parameter(code, label, Measure(name, unit), Source.LAB, fresh_for=LAB_FRESH_FOR)


def _event(code, label, name):
    return Parameter(code, label, Measure(name), Source.EVENT, Kind.EPISODE)


PARAMETERS = {
    p.code: p
    for p in [
        _vital("systolic_bp", "Systolic BP (mmHg)", "systolic BP", " mmHg"),
        _vital("mean_arterial_pressure", "MAP (mmHg)", "MAP", " mmHg"),
        _vital("heart_rate", "Heart rate (/min)", "heart rate", "/min"),
        _vital("respiratory_rate", "Respiratory rate (/min)", "respiratory rate", "/min"),
        _vital("spo2", "SpO₂ (%)", "SpO₂", "%"),
        _vital("temperature_c", "Temperature (°C)", "temperature", " °C"),
        Parameter(
            "rhythm_withheld",
            "Rhythm is AF, SVT or bradycardia",
            Measure("AF, SVT or bradycardia", charted="rhythm"),
            Source.VITALS,
            Kind.YES_NO,
        ),
        Parameter(
            "mental_status_changed",
            "Neuro check abnormal (not alert and oriented, failed test, or sedated)",
            Measure("abnormal neuro check", charted="neuro check"),
            Source.VITALS,
            Kind.YES_NO,
        ),
        Parameter(
            "urine_ml_per_hour",
            "Urine output (mL/h)",
            Measure("urine output", " mL/h"),
            Source.URINE,
        ),
        Parameter(
            "weight_gain_percent",
            "Weight gain over the admission weight (%)",
            Measure("weight gain", "%"),
            Source.WEIGHT,
            fresh_for=WEIGHT_FRESH_FOR,
        ),
        Parameter(
            "pressor",
            "Pressor infusion (running; rate rising)",
            Measure("pressor"),
            Source.PRESSOR,
            Kind.YES_NO,
        ),
        _lab("creatinine", "Creatinine (mg/dL)", "creatinine", " mg/dL"),
        _lab("urea", "Urea (mmol/L)", "urea", " mmol/L"),
        _lab("potassium", "Potassium (mmol/L)", "potassium", " mmol/L"),
        _lab("bicarbonate", "Bicarbonate (mmol/L)", "bicarbonate", " mmol/L"),
        _lab("bilirubin", "Bilirubin (µmol/L)", "bilirubin", " µmol/L"),
        _lab("ast", "AST (U/L)", "AST", " U/L"),
        _lab("alt", "ALT (U/L)", "ALT", " U/L"),
        _lab("platelets", "Platelets (10⁹/L)", "platelets", " ×10⁹/L"),
        _event("intubation", "Intubation", "intubation"),
        _event("dialysis", "Dialysis", "dialysis"),
        _event("coma_psychosis", "Coma or toxic psychosis", "coma or toxic psychosis"),
        _event("icu_transfer", "Transfer to ICU", "ICU stay"),
    ]
}

CHOICES = [(p.code, p.label) for p in PARAMETERS.values()]
YES_NO_CODES = [p.code for p in PARAMETERS.values() if p.kind == Kind.YES_NO]
EPISODE_CODES = [p.code for p in PARAMETERS.values() if p.kind == Kind.EPISODE]

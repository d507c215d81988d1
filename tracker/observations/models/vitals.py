"""Vital signs: one set of observations taken at the bedside at one time.

A set holds what was measured that time and nothing else: BP and heart rate
only is a set; every measure may be empty, but not all of them.  Plausible
ranges, the pairs that belong together (systolic with diastolic, SpO₂ with the
oxygen it was measured on) and "at least one measurement" are database
constraints, and `refusal_to_chart` says the same in words before saving.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tracker.observations.models.base import Observation, ObservationQuerySet


@dataclass(frozen=True)
class Range:
    """A value a monitor or thermometer could show, in the unit it is stored in."""

    low: int | Decimal
    high: int | Decimal
    name: str
    unit: str

    def __contains__(self, value) -> bool:
        return self.low <= value <= self.high

    @property
    def message(self) -> str:
        return f"{self.name} must be between {self.low} and {self.high}{self.unit}."


# The pre-dose check's ranges where it has the measure (tracker/ward/models.py); the others
# are ours, wide enough for anything a ward sees and narrow enough to catch a slipped digit.
RANGES = {
    "systolic_bp": Range(40, 300, "Systolic BP", " mmHg"),
    "diastolic_bp": Range(20, 200, "Diastolic BP", " mmHg"),
    "heart_rate": Range(20, 250, "Heart rate", "/min"),
    "respiratory_rate": Range(4, 60, "Respiratory rate", "/min"),
    "spo2": Range(50, 100, "SpO₂", "%"),
    "oxygen_flow_l_min": Range(Decimal("0.1"), Decimal("80"), "Oxygen flow", " L/min"),
    "temperature_c": Range(Decimal("30.0"), Decimal("45.0"), "Temperature", " °C"),
}
# Nurses chart in °F too (the form converts): the refusal gives both.
TEMPERATURE_MESSAGE = "Temperature must be between 30 and 45 °C (86–113 °F)."


class Rhythm(models.TextChoices):
    SINUS = "sinus", "Sinus rhythm"
    SINUS_TACHYCARDIA = "sinus_tachycardia", "Sinus tachycardia"
    AF = "af", "Atrial fibrillation"
    SVT = "svt", "Supraventricular tachycardia"
    BRADYCARDIA = "bradycardia", "Bradycardia"
    OTHER = "other", "Other rhythm (see note)"


class OxygenDevice(models.TextChoices):
    ROOM_AIR = "room_air", "Room air"
    NASAL_CANNULA = "nasal_cannula", "Nasal cannula"
    FACE_MASK = "face_mask", "Simple face mask"
    VENTURI = "venturi", "Venturi mask"
    NON_REBREATHER = "non_rebreather", "Non-rebreather mask"
    HIGH_FLOW = "high_flow", "High-flow nasal oxygen"
    CPAP_BIPAP = "cpap_bipap", "CPAP/BiPAP"
    VENTILATOR = "ventilator", "Ventilator"


class CognitiveTest(models.TextChoices):
    """Serial sevens, or spelling WORLD backwards: the ward's quick test of attention."""

    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    NOT_DONE = "not_done", "Not done"


class Sedation(models.TextChoices):
    ALERT = "alert", "Alert"
    VOICE = "voice", "Drowsy, rousable to voice"
    TOUCH = "touch", "Rousable only to touch"
    UNROUSABLE = "unrousable", "Unrousable"


# The coded answers, each with "" where it may be left out.
CHOICES = {
    "rhythm": ["", *Rhythm.values],
    "oxygen_device": ["", *OxygenDevice.values],
    "cognitive_test": CognitiveTest.values,
    "sedation": ["", *Sedation.values],
}

# The rhythms the label withholds a dose for (docs/clinical-sources.md §1).
WITHHOLD_RHYTHMS = (Rhythm.AF, Rhythm.SVT, Rhythm.BRADYCARDIA)

# What each measure is called, for `with_value`, `values_between` and the flowsheet.
# "mean_arterial_pressure" is worked out from the blood pressure, not stored.
MEASURES = {
    "systolic_bp": "Systolic BP (mmHg)",
    "diastolic_bp": "Diastolic BP (mmHg)",
    "mean_arterial_pressure": "MAP (mmHg)",
    "heart_rate": "Heart rate (/min)",
    "respiratory_rate": "Respiratory rate (/min)",
    "spo2": "SpO₂ (%)",
    "temperature_c": "Temperature (°C)",
    "alert_oriented": "Alert and oriented",
    "cognitive_test": "Serial sevens / WORLD backwards",
    "sedation": "Sedation",
}

# A measure counts as measured when this holds.
_MEASURED = {
    "systolic_bp": Q(systolic_bp__isnull=False),
    "diastolic_bp": Q(diastolic_bp__isnull=False),
    # Systolic and diastolic are charted together (a constraint), so one stands for both.
    "mean_arterial_pressure": Q(systolic_bp__isnull=False),
    "heart_rate": Q(heart_rate__isnull=False),
    "respiratory_rate": Q(respiratory_rate__isnull=False),
    "spo2": Q(spo2__isnull=False),
    "temperature_c": Q(temperature_c__isnull=False),
    "alert_oriented": Q(alert_oriented__isnull=False),
    "cognitive_test": Q(cognitive_test__in=[CognitiveTest.PASSED, CognitiveTest.FAILED]),
    "sedation": ~Q(sedation=""),
}

# The display flags' thresholds (docs/observations.md, "Vital signs").
SYSTOLIC_BELOW = 90  # label withhold row (docs/clinical-sources.md §1)
SPO2_BELOW = 90  # label withhold row (§1)
MAP_BELOW = 65  # display only (§8)
HEART_RATE_ABOVE = 130  # a centre's bedside criterion, not the label's (§1); display only
HEART_RATE_BELOW = 50  # display only (§8)
RESPIRATORY_RATE_ABOVE = 24  # display only (§8)
TEMPERATURE_FROM = Decimal("38.0")  # CTCAE fever grade 1 (§2); display only


def _range_constraint(field: str) -> models.CheckConstraint:
    bounds = RANGES[field]
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{field}__gte": bounds.low, f"{field}__lte": bounds.high}),
        name=f"vitalsigns_{field}_range",
        violation_error_message=bounds.message,
    )


def _known_choice(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": CHOICES[field]}), name=f"vitalsigns_{field}_known"
    )


def _known_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"{measure!r} is not a vital sign: one of {', '.join(MEASURES)}")
    return measure


class VitalSignsQuerySet(ObservationQuerySet):
    def with_value(self, measure: str):
        """The sets in which `measure` (a key of MEASURES) was measured."""
        return self.filter(_MEASURED[_known_measure(measure)])

    def latest_with(self, measure: str):
        """The latest set in which `measure` was measured, or None: its value is `.value(measure)`."""
        return self.with_value(measure).latest_first().first()

    def values_between(self, measure: str, start, end) -> list[tuple]:
        """(taken_at, value) for each set with `measure` taken in [start, end), oldest first.

        Only the active sets count for a trend: use it after `.active()`.
        """
        rows = self.with_value(measure).taken_between(start, end).order_by("taken_at", "pk")
        if measure == "mean_arterial_pressure":
            return [
                (taken_at, mean_arterial_pressure(systolic, diastolic))
                for taken_at, systolic, diastolic in rows.values_list(
                    "taken_at", "systolic_bp", "diastolic_bp"
                )
            ]
        return list(rows.values_list("taken_at", measure))


def mean_arterial_pressure(systolic: int, diastolic: int) -> int:
    """(SBP + 2 × DBP) / 3 to the nearest whole mmHg; a third never ties, so no rounding rule."""
    return round((systolic + 2 * diastolic) / 3)


class VitalSigns(Observation):
    """One set of vital signs and a quick neurological check, at the time they were taken."""

    Rhythm = Rhythm
    OxygenDevice = OxygenDevice
    CognitiveTest = CognitiveTest
    Sedation = Sedation

    systolic_bp = models.PositiveSmallIntegerField("systolic BP (mmHg)", null=True, blank=True)
    diastolic_bp = models.PositiveSmallIntegerField("diastolic BP (mmHg)", null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField("heart rate (/min)", null=True, blank=True)
    rhythm = models.CharField("cardiac rhythm", max_length=20, choices=Rhythm, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(
        "respiratory rate (/min)", null=True, blank=True
    )
    spo2 = models.PositiveSmallIntegerField("SpO₂ (%)", null=True, blank=True)
    oxygen_device = models.CharField(max_length=16, choices=OxygenDevice, blank=True)
    oxygen_flow_l_min = models.DecimalField(
        "oxygen flow (L/min)", max_digits=3, decimal_places=1, null=True, blank=True
    )
    temperature_c = models.DecimalField(
        "temperature (°C)", max_digits=3, decimal_places=1, null=True, blank=True
    )
    alert_oriented = models.BooleanField("alert and oriented", null=True, blank=True)
    cognitive_test = models.CharField(
        "serial sevens or WORLD backwards",
        max_length=8,
        choices=CognitiveTest,
        default=CognitiveTest.NOT_DONE,
    )
    sedation = models.CharField("sedation level", max_length=10, choices=Sedation, blank=True)

    history = HistoricalRecords()
    objects = VitalSignsQuerySet.as_manager()

    already_in_error = "This set of vital signs is already marked as entered in error."

    class Meta(Observation.Meta):
        verbose_name = "vital signs"
        verbose_name_plural = "vital signs"
        indexes = [
            # The chart page lists a patient's sets of the last days by time taken.
            models.Index(fields=["patient", "taken_at"], name="vitalsigns_patient_taken_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-taken_at", "-id"], name="vitalsigns_taken_idx"),
        ]
        constraints = [
            *Observation.Meta.constraints,
            *(_range_constraint(field) for field in RANGES),
            models.CheckConstraint(
                condition=Q(systolic_bp__isnull=True, diastolic_bp__isnull=True)
                | Q(
                    systolic_bp__isnull=False,
                    diastolic_bp__isnull=False,
                    diastolic_bp__lt=models.F("systolic_bp"),
                ),
                name="vitalsigns_blood_pressure_pair",
                violation_error_message=(
                    "A blood pressure is systolic and diastolic, the diastolic the lower."
                ),
            ),
            models.CheckConstraint(
                condition=Q(rhythm="") | Q(heart_rate__isnull=False),
                name="vitalsigns_rhythm_with_heart_rate",
                violation_error_message="A rhythm is charted with its heart rate.",
            ),
            models.CheckConstraint(
                condition=~Q(rhythm=Rhythm.OTHER) | ~Q(note=""),
                name="vitalsigns_other_rhythm_has_note",
                violation_error_message="Say which rhythm in the note.",
            ),
            models.CheckConstraint(
                condition=Q(spo2__isnull=True, oxygen_device="", oxygen_flow_l_min__isnull=True)
                | Q(
                    spo2__isnull=False,
                    oxygen_device=OxygenDevice.ROOM_AIR,
                    oxygen_flow_l_min__isnull=True,
                )
                | (
                    Q(spo2__isnull=False, oxygen_flow_l_min__isnull=False)
                    & ~Q(oxygen_device__in=["", OxygenDevice.ROOM_AIR])
                ),
                name="vitalsigns_oxygen_fits_spo2",
                violation_error_message=(
                    "An SpO₂ names the oxygen it was measured on: room air without a flow, "
                    "any other device with its flow."
                ),
            ),
            models.CheckConstraint(
                condition=Q(systolic_bp__isnull=False)
                | Q(heart_rate__isnull=False)
                | Q(respiratory_rate__isnull=False)
                | Q(spo2__isnull=False)
                | Q(temperature_c__isnull=False)
                | Q(alert_oriented__isnull=False)
                | Q(cognitive_test__in=[CognitiveTest.PASSED, CognitiveTest.FAILED])
                | ~Q(sedation=""),
                name="vitalsigns_at_least_one_measurement",
                violation_error_message="Enter at least one measurement.",
            ),
            *(_known_choice(field) for field in CHOICES),
        ]

    def __str__(self):
        by = " (patient at home)" if self.is_patient_reported else ""
        return f"Vital signs{by}: {'; '.join(self.readings()) or 'none'}"

    @property
    def mean_arterial_pressure(self) -> int | None:
        """MAP estimated from the cuff pressure, (SBP + 2 × DBP) / 3, rounded (§8)."""
        if self.systolic_bp is None or self.diastolic_bp is None:
            return None
        return mean_arterial_pressure(self.systolic_bp, self.diastolic_bp)

    def value(self, measure: str):
        """The value of `measure` (a key of MEASURES) in this set; None if not measured."""
        _known_measure(measure)
        if measure == "cognitive_test" and self.cognitive_test == CognitiveTest.NOT_DONE:
            return None
        return getattr(self, measure) if getattr(self, measure) != "" else None

    @property
    def measures(self) -> list[str]:
        """The measures this set has a value for."""
        return [measure for measure in MEASURES if self.value(measure) is not None]

    def refusal_to_chart(self) -> tuple[str | None, str] | None:
        """Why this set cannot be charted, as (form field, message); None if it can.

        The same rules as the constraints, in the order a nurse would fix them.
        """
        for field, choices in CHOICES.items():
            if getattr(self, field) not in choices:
                return field, "Choose one of the answers offered."
        if not self.measures:
            return None, "Enter at least one measurement."
        for field, bounds in RANGES.items():
            value = getattr(self, field)
            if value is not None and value not in bounds:
                message = TEMPERATURE_MESSAGE if field == "temperature_c" else bounds.message
                return field, message
        if (self.systolic_bp is None) != (self.diastolic_bp is None):
            missing = "diastolic_bp" if self.diastolic_bp is None else "systolic_bp"
            return missing, "Enter both the systolic and the diastolic BP."
        if self.systolic_bp is not None and self.diastolic_bp >= self.systolic_bp:
            return "diastolic_bp", "The diastolic BP must be lower than the systolic."
        if self.rhythm and self.heart_rate is None:
            return "heart_rate", "Enter the heart rate with the rhythm."
        if self.rhythm == Rhythm.OTHER and not self.note.strip():
            return "note", "Say which rhythm in the note."
        return self._refusal_of_oxygen()

    def _refusal_of_oxygen(self) -> tuple[str, str] | None:
        if self.spo2 is None:
            if self.oxygen_device or self.oxygen_flow_l_min is not None:
                return "spo2", "Enter the SpO₂ measured on this oxygen."
            return None
        if not self.oxygen_device:
            return "oxygen_device", "Choose the oxygen device, or room air."
        if self.oxygen_device == OxygenDevice.ROOM_AIR:
            if self.oxygen_flow_l_min is not None:
                return (
                    "oxygen_flow_l_min",
                    "Room air has no oxygen flow: leave the flow empty, or choose the device.",
                )
            return None
        if self.oxygen_flow_l_min is None:
            return "oxygen_flow_l_min", "Enter the oxygen flow in L/min."
        return None

    def abnormal_findings(self) -> list[str]:
        """Flags for display, in words: "Systolic BP 85 mmHg: below 90".

        The label's withhold rows (docs/clinical-sources.md §1) come first; the others
        are display flags only, for the nurse's eye (§2, §8): no rule or alert reads them.
        """
        found = []
        if self.systolic_bp is not None and self.systolic_bp < SYSTOLIC_BELOW:
            found.append(f"Systolic BP {self.systolic_bp} mmHg: below {SYSTOLIC_BELOW}")
        if self.spo2 is not None and self.spo2 < SPO2_BELOW:
            found.append(f"SpO₂ {self.spo2}%: below {SPO2_BELOW}")
        if self.rhythm in WITHHOLD_RHYTHMS:
            found.append(f"Rhythm: {self.get_rhythm_display()}")
        if self.alert_oriented is False:
            found.append("Not alert and oriented")
        if self.cognitive_test == CognitiveTest.FAILED:
            found.append("Failed serial sevens / WORLD backwards")
        if self.sedation and self.sedation != Sedation.ALERT:
            found.append(f"Sedation: {self.get_sedation_display().lower()}")
        mean = self.mean_arterial_pressure
        if mean is not None and mean < MAP_BELOW:
            found.append(f"MAP {mean} mmHg: below {MAP_BELOW}")
        if self.heart_rate is not None and self.heart_rate > HEART_RATE_ABOVE:
            found.append(f"Heart rate {self.heart_rate}/min: above {HEART_RATE_ABOVE}")
        if self.heart_rate is not None and self.heart_rate < HEART_RATE_BELOW:
            found.append(f"Heart rate {self.heart_rate}/min: below {HEART_RATE_BELOW}")
        if self.respiratory_rate is not None and self.respiratory_rate > RESPIRATORY_RATE_ABOVE:
            found.append(
                f"Respiratory rate {self.respiratory_rate}/min: above {RESPIRATORY_RATE_ABOVE}"
            )
        if self.temperature_c is not None and self.temperature_c >= TEMPERATURE_FROM:
            found.append(f"Temperature {self.temperature_c} °C: {TEMPERATURE_FROM} or more")
        return found

    def readings(self) -> list[str]:
        """The set in words, a reading to a line: "BP 120/80 mmHg (MAP 93)"."""
        lines = []
        if self.systolic_bp is not None:
            lines.append(
                f"BP {self.systolic_bp}/{self.diastolic_bp} mmHg "
                f"(MAP {self.mean_arterial_pressure})"
            )
        if self.heart_rate is not None:
            rhythm = f", {self.get_rhythm_display().lower()}" if self.rhythm else ""
            lines.append(f"HR {self.heart_rate}/min{rhythm}")
        if self.respiratory_rate is not None:
            lines.append(f"RR {self.respiratory_rate}/min")
        if self.spo2 is not None:
            lines.append(f"SpO₂ {self.spo2}% on {self.oxygen_text}")
        if self.temperature_c is not None:
            lines.append(f"Temp {self.temperature_c} °C")
        lines.extend(self.neuro_readings())
        return lines

    @property
    def oxygen_text(self) -> str:
        """ "room air", or "nasal cannula 2 L/min"."""
        if not self.oxygen_device:
            return ""
        device = self.get_oxygen_device_display()
        # "CPAP/BiPAP" keeps its capitals; "Nasal cannula" reads on in a sentence.
        if not device[1:2].isupper():
            device = device[0].lower() + device[1:]
        if self.oxygen_device == OxygenDevice.ROOM_AIR:
            return device
        return f"{device} {self.oxygen_flow_l_min.normalize():f} L/min"

    def neuro_readings(self) -> list[str]:
        lines = []
        if self.alert_oriented is not None:
            lines.append("Alert and oriented" if self.alert_oriented else "Not alert and oriented")
        if self.cognitive_test != CognitiveTest.NOT_DONE:
            lines.append(
                f"Serial sevens / WORLD backwards {self.get_cognitive_test_display().lower()}"
            )
        if self.sedation:
            lines.append(f"Sedation: {self.get_sedation_display().lower()}")
        return lines

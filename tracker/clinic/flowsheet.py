"""The flowsheet: a patient's chart as a grid, the hours of one day across, the measures down.

The hours are the patient's calendar day, built from UTC instants an hour apart
and shown on the patient's clock, so the day the clocks go forward has 23
columns and the day they go back 25, the repeated hour named by its zone.

Everything is read once for the whole stretch of days shown (`load_chart`), then
split into days and hours in Python, so a day of a thousand entries costs the
same queries as a day of ten.  Each group of rows is built by one function in
`ROW_BUILDERS`: a new kind of entry is one more loader in `load_chart` and one
more builder, as the laboratory results are.

Abnormal values are the observations' own flags (`VitalSigns.abnormal_findings`,
the fluid page's low urine output, the lab's flag against its range), in words,
with a symbol, never by colour alone.
"""

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Max, Min, Prefetch, Q, Value

from regimens.models import Course, Dose
from tracker.observations import lab
from tracker.observations.models import (
    ClinicalEvent,
    FluidEntry,
    Infusion,
    LabResult,
    VitalSigns,
    WeightEntry,
)
from tracker.observations.models.fluids import Direction
from tracker.observations.models.infusions import DoseUnit
from tracker.observations.models.vitals import OxygenDevice, Rhythm
from tracker.observations.views.fluids import LOW_URINE_ML_PER_HOUR
from tracker.ward.models import DoseRecord

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TENTH = Decimal("0.1")


# The hours of a day --------------------------------------------------------------------


@dataclass(frozen=True)
class Hour:
    """One column: an hour between two instants (UTC), labelled on the patient's clock."""

    start: datetime
    end: datetime
    local: datetime  # `start` on the patient's clock
    repeated: bool = False  # the clock shows this hour twice: the night the clocks go back

    @property
    def iso(self) -> str:
        return self.start.isoformat()

    @property
    def label(self) -> str:
        clock = f"{self.local:%H}:00"
        return f"{clock} {self.local.tzname()}" if self.repeated else clock

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def day_bounds(day: date, zone) -> tuple[datetime, datetime]:
    """The instants (UTC) at which `day` begins and ends on the patient's clock."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + DAY, time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def hours_of(day: date, zone) -> list[Hour]:
    """The hours of `day` on the patient's clock: 24, or 23 or 25 when the clocks change."""
    start, end = day_bounds(day, zone)
    instants = []
    at = start
    while at < end:
        instants.append(at)
        at += HOUR
    locals_ = [instant.astimezone(zone) for instant in instants]
    seen = [local.hour for local in locals_]
    return [
        Hour(
            start=instant,
            end=min(instant + HOUR, end),
            local=local,
            repeated=seen.count(local.hour) > 1,
        )
        for instant, local in zip(instants, locals_, strict=True)
    ]


def local_day(instant: datetime, zone) -> date:
    return instant.astimezone(zone).date()


# What a cell holds ----------------------------------------------------------------------


def _mark(flag: str) -> str:
    """The symbol printed beside a flagged value: which way it is out, or just that it is."""
    if "below" in flag:
        return "▼"
    if "above" in flag or "or more" in flag:
        return "▲"
    return "!"


@dataclass(frozen=True)
class Reading:
    """One value in a cell: what was charted, when, and the flags it raised, in words."""

    at: datetime
    text: str
    clock: str  # `at` on the patient's clock, "14:05"
    flags: tuple[str, ...] = ()
    # A value carried into the hour (an infusion's rate, an event still going on),
    # not charted in it.
    carried: bool = False
    # Recorded by the patient at home (Observation.source), marked so in the cell.
    patient_reported: bool = False

    @property
    def mark(self) -> str:
        return "".join(dict.fromkeys(_mark(flag) for flag in self.flags))


@dataclass
class Cell:
    """What one hour holds for one row: its readings, oldest first.

    The cell shows the latest (or, for volumes, the hour's total) and lists the
    others, so every value stays readable.
    """

    readings: list[Reading] = field(default_factory=list)
    total: str = ""  # shown instead of the latest reading, for volumes

    def __bool__(self) -> bool:
        return bool(self.readings or self.total)

    @property
    def charted(self) -> list[Reading]:
        return [reading for reading in self.readings if not reading.carried]

    @property
    def latest(self) -> Reading | None:
        return self.readings[-1] if self.readings else None

    @property
    def shown(self) -> str:
        if self.total:
            return self.total
        return self.latest.text if self.latest else ""

    @property
    def is_carried(self) -> bool:
        return bool(self.readings) and not self.charted and not self.total

    @property
    def more(self) -> bool:
        """More than one value was charted in this hour (or a total stands for several)."""
        return len(self.charted) > 1 or (bool(self.total) and len(self.readings) > 1)

    @property
    def listed(self) -> list[Reading]:
        """The readings written out below the value shown: all of them when there are more."""
        return self.charted if self.more else []

    @property
    def flags(self) -> list[str]:
        return list(dict.fromkeys(flag for reading in self.readings for flag in reading.flags))

    @property
    def mark(self) -> str:
        return "".join(dict.fromkeys(_mark(flag) for flag in self.flags))


@dataclass
class Row:
    key: str  # stable name, for the page and the tests: "bp", "infusion-12"
    label: str
    cells: list[Cell]
    group: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(self.cells)


# Reading the chart ---------------------------------------------------------------------


@dataclass
class ChartData:
    """Every active entry that touches [start, end), read in a fixed number of queries."""

    patient: object
    course: Course | None
    start: datetime
    end: datetime
    vitals: list
    fluids: list
    weights: list
    infusions: list
    events: list
    doses: list
    labs: list = field(default_factory=list)

    @property
    def zone(self):
        return self.patient.zone

    @property
    def admission_weight(self) -> Decimal | None:
        return self.course.weight_gain_baseline if self.course else None


def load_chart(patient, course, start: datetime, end: datetime) -> ChartData:
    """Read the patient's chart between two instants: nine queries, however much is in it."""

    def taken(model):
        return list(
            model.objects.for_patient(patient)
            .active()
            .taken_between(start, end)
            .order_by("taken_at", "pk")
        )

    infusions = list(
        Infusion.objects.for_patient(patient)
        .running_between(start, end)
        .filter(taken_at__lt=end)
        .with_rate_changes()
        .order_by("taken_at", "pk")
    )
    events = list(
        ClinicalEvent.objects.for_patient(patient)
        .active()
        .filter(taken_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .order_by("taken_at", "pk")
    )
    doses = list(
        Dose.objects.for_patient(patient)
        .due_between(start, end)
        .exclude(course__status=Course.Status.CANCELLED)
        .select_related("course")
        .prefetch_related(
            Prefetch("records", queryset=DoseRecord.objects.active(), to_attr="active_records")
        )
        .order_by("planned_at", "pk")
    )
    return ChartData(
        patient=patient,
        course=course,
        start=start,
        end=end,
        vitals=taken(VitalSigns),
        fluids=taken(FluidEntry),
        weights=taken(WeightEntry),
        infusions=infusions,
        events=events,
        doses=doses,
        labs=taken(LabResult),
    )


CHARTED_MODELS = (VitalSigns, FluidEntry, WeightEntry, Infusion, ClinicalEvent, LabResult)


def charted_days(patient, course) -> tuple[date, date] | None:
    """The first and last days of the admission on the patient's clock, or None.

    From the first entry of the course (or its first dose) to the last entry or
    recorded dose: the days there is something to print, not the planned doses
    still to come.
    """
    spans = []
    for model in CHARTED_MODELS:
        entries = model.objects.for_patient(patient).active()
        if course is not None:
            entries = entries.filter(course=course)
        spans.append(_span(entries, Min("taken_at"), Max("taken_at")))
    if course is not None:
        recorded = Q(status__in=Dose.RECORDED)
        spans.append(_span(course.doses, Min("planned_at"), Max("planned_at", filter=recorded)))
    # Each table's first and last entry, in one query rather than one a table.
    instants = [value for row in spans[0].union(*spans[1:], all=True) for value in row if value]
    if not instants:
        return None
    return local_day(min(instants), patient.zone), local_day(max(instants), patient.zone)


def _span(rows, first, last):
    # Grouped by a constant, which is no group: one row, as aggregate() gives, to unite.
    return (
        rows.order_by()
        .values(one=Value(1))
        .annotate(first=first, last=last)
        .values_list("first", "last")
    )


# Building the rows ---------------------------------------------------------------------


@dataclass
class Sheet:
    """One day of the flowsheet."""

    day: date
    hours: list[Hour]
    rows: list[Row]
    intake_ml: int
    output_ml: int

    @property
    def balance_ml(self) -> int:
        return self.intake_ml - self.output_ml

    @property
    def balance_text(self) -> str:
        return signed(self.balance_ml)

    @property
    def findings(self) -> list[tuple[str, str]]:
        """(time, finding) for every abnormal value of the day, in the order of the rows."""
        return [
            (reading.clock, flag)
            for row in self.rows
            for cell in row.cells
            for reading in cell.readings
            for flag in reading.flags
        ]

    @property
    def length_note(self) -> str:
        """What a nurse must know about a day that is not 24 hours long."""
        count = len(self.hours)
        if count < 24:
            return f"The clocks went forward: this day has {count} hours."
        if count > 24:
            return (
                f"The clocks went back: this day has {count} hours; "
                "the repeated hour is named by its zone."
            )
        return ""


class _Grid:
    """Places readings in the hour they fall in."""

    def __init__(self, hours: list[Hour], zone):
        self.hours = hours
        self.zone = zone
        self._starts = [hour.start for hour in hours]

    def index(self, instant: datetime) -> int | None:
        if not self.hours or not (self.hours[0].start <= instant < self.hours[-1].end):
            return None
        return bisect_right(self._starts, instant) - 1

    def cells(self) -> list[Cell]:
        return [Cell() for _ in self.hours]

    def reading(self, at, text, flags=(), carried=False, patient_reported=False) -> Reading:
        return Reading(
            at=at,
            text=text,
            clock=f"{at.astimezone(self.zone):%H:%M}",
            flags=tuple(flags),
            carried=carried,
            patient_reported=patient_reported,
        )

    def row(self, key, label, group, entries: list[tuple]) -> Row:
        """`entries`: (taken at, text, flags), with a fourth True if the patient recorded it."""
        cells = self.cells()
        for at, text, flags, *patient in entries:
            index = self.index(at)
            if index is not None:
                cells[index].readings.append(
                    self.reading(at, text, flags, patient_reported=any(patient))
                )
        return Row(key=key, label=label, cells=cells, group=group)


# Which vital sign's row each of `VitalSigns.abnormal_findings` belongs on, by its first words.
FINDING_ROWS = (
    ("Systolic BP", "bp"),
    ("MAP", "map"),
    ("Heart rate", "heart_rate"),
    ("Rhythm", "heart_rate"),
    ("Respiratory rate", "respiratory_rate"),
    ("SpO₂", "spo2"),
    ("Temperature", "temperature"),
    ("Not alert and oriented", "alert_oriented"),
    ("Failed serial sevens", "cognitive_test"),
    ("Sedation", "sedation"),
)


def findings_by_row(entry) -> dict[str, list[str]]:
    """The set's abnormal findings, each on the row of the measure it is about."""
    found: dict[str, list[str]] = {}
    for finding in entry.abnormal_findings():
        key = next((key for start, key in FINDING_ROWS if finding.startswith(start)), "other")
        found.setdefault(key, []).append(finding)
    return found


RHYTHM_SHORT = {
    Rhythm.SINUS_TACHYCARDIA: "ST",
    Rhythm.AF: "AF",
    Rhythm.SVT: "SVT",
    Rhythm.BRADYCARDIA: "brady",
    Rhythm.OTHER: "other rhythm",
}

OXYGEN_SHORT = {
    OxygenDevice.ROOM_AIR: "RA",
    OxygenDevice.NASAL_CANNULA: "NC",
    OxygenDevice.FACE_MASK: "FM",
    OxygenDevice.VENTURI: "Venturi",
    OxygenDevice.NON_REBREATHER: "NRB",
    OxygenDevice.HIGH_FLOW: "HFNO",
    OxygenDevice.CPAP_BIPAP: "CPAP",
    OxygenDevice.VENTILATOR: "Vent",
}

SEDATION_SHORT = {"alert": "Alert", "voice": "Voice", "touch": "Touch", "unrousable": "Unrousable"}


def _vital_rows(data: ChartData, grid: _Grid) -> list[Row]:
    entries: dict[str, list] = {key: [] for key in VITAL_ROWS}
    for entry in data.vitals:
        if grid.index(entry.taken_at) is None:
            continue
        flags = findings_by_row(entry)
        for key, (_, text_of) in VITAL_ROWS.items():
            text = text_of(entry)
            if text:
                entries[key].append(
                    (
                        entry.taken_at,
                        text,
                        tuple(flags.get(key, ())),
                        entry.is_patient_reported,
                    )
                )
    return [
        grid.row(key, label, "Vital signs", entries[key]) for key, (label, _) in VITAL_ROWS.items()
    ]


def _heart_rate(entry) -> str:
    if entry.heart_rate is None:
        return ""
    rhythm = RHYTHM_SHORT.get(entry.rhythm)
    return f"{entry.heart_rate} {rhythm}" if rhythm else str(entry.heart_rate)


def _oxygen(entry) -> str:
    if not entry.oxygen_device:
        return ""
    short = OXYGEN_SHORT[entry.oxygen_device]
    if entry.oxygen_flow_l_min is None:
        return short
    return f"{short} {entry.oxygen_flow_l_min.normalize():f} L"


def _yes_no(value, yes, no) -> str:
    if value is None:
        return ""
    return yes if value else no


VITAL_ROWS: dict[str, tuple[str, Callable]] = {
    "bp": (
        "BP (mmHg)",
        lambda e: "" if e.systolic_bp is None else f"{e.systolic_bp}/{e.diastolic_bp}",
    ),
    "map": ("MAP (mmHg)", lambda e: _text(e.mean_arterial_pressure)),
    "heart_rate": ("HR (/min), rhythm", _heart_rate),
    "respiratory_rate": ("Resp. rate (/min)", lambda e: _text(e.respiratory_rate)),
    "spo2": ("SpO₂ (%)", lambda e: _text(e.spo2)),
    "oxygen": ("Oxygen (L/min)", _oxygen),
    "temperature": ("Temp. (°C)", lambda e: _text(e.temperature_c)),
    "alert_oriented": (
        "Alert and oriented",
        lambda e: _yes_no(e.alert_oriented, "Yes", "No"),
    ),
    "cognitive_test": (
        "Serial 7s / WORLD",
        lambda e: {"passed": "Pass", "failed": "Fail"}.get(e.cognitive_test, ""),
    ),
    "sedation": ("Sedation", lambda e: SEDATION_SHORT.get(e.sedation, "")),
}


def _text(value) -> str:
    return "" if value is None else str(value)


def signed(ml: int) -> str:
    """A balance as the chart writes it: "+500", "−200", "0"."""
    if ml > 0:
        return f"+{ml}"
    if ml < 0:
        return f"−{-ml}"
    return "0"


def _fluid_rows(data: ChartData, grid: _Grid, now: datetime) -> list[Row]:
    intake, output, urine = grid.cells(), grid.cells(), grid.cells()
    intake_ml = [0] * len(grid.hours)
    output_ml = [0] * len(grid.hours)
    for entry in data.fluids:
        index = grid.index(entry.taken_at)
        if index is None:
            continue
        text = f"{entry.get_kind_display()} {entry.volume_ml}"
        if entry.direction == Direction.INTAKE:
            intake[index].readings.append(grid.reading(entry.taken_at, text))
            intake_ml[index] += entry.volume_ml
        else:
            output[index].readings.append(grid.reading(entry.taken_at, text))
            output_ml[index] += entry.volume_ml
        rate = entry.urine_ml_per_hour
        if rate is not None:
            flags = ()
            if rate < LOW_URINE_ML_PER_HOUR:
                flags = (f"Urine {rate} mL/h: below {LOW_URINE_ML_PER_HOUR}",)
            urine[index].readings.append(grid.reading(entry.taken_at, f"{rate}", flags))
    for cells, sums in ((intake, intake_ml), (output, output_ml)):
        for cell, total in zip(cells, sums, strict=True):
            if cell.readings:
                cell.total = str(total)
    balance = grid.cells()
    running = 0
    for index, hour in enumerate(grid.hours):
        running += intake_ml[index] - output_ml[index]
        # Hours still to come have no balance yet.
        if hour.start <= now:
            balance[index].total = signed(running)
    return [
        Row("intake", "Intake (mL)", intake, "Fluids"),
        Row("output", "Output (mL)", output, "Fluids"),
        Row("urine_rate", "Urine (mL/h)", urine, "Fluids"),
        Row("balance", "Balance since 00:00 (mL)", balance, "Fluids"),
    ]


def weight_change(weight_kg: Decimal, admission: Decimal | None) -> str:
    """The change from the admission weight, "+5.0%", or "" without an admission weight."""
    if not admission:
        return ""
    change = ((weight_kg - admission) * 100 / admission).quantize(TENTH)
    return f"{'+' if change > 0 else ''}{change}%"


def weight_text(weight_kg: Decimal, admission: Decimal | None) -> str:
    """ "73.5 (+5.0%)": the weight and its change from the admission weight."""
    change = weight_change(weight_kg, admission)
    return f"{weight_kg} ({change})" if change else f"{weight_kg}"


def _weight_rows(data: ChartData, grid: _Grid) -> list[Row]:
    admission = data.admission_weight
    label = f"Weight (kg, % from {admission} kg)" if admission else "Weight (kg)"
    entries = [
        (entry.taken_at, weight_text(entry.weight_kg, admission), (), entry.is_patient_reported)
        for entry in data.weights
    ]
    return [grid.row("weight", label, "Fluids", entries)]


def _infusion_rows(data: ChartData, grid: _Grid, now: datetime) -> list[Row]:
    rows = []
    if not grid.hours:
        return rows
    for infusion in data.infusions:
        cells = grid.cells()
        for index, hour in enumerate(grid.hours):
            # An hour still to come holds nothing: a running rate is not charted ahead.
            if hour.start > now:
                break
            for at, rate in infusion.rate_history(hour.start, hour.end):
                carried = at == hour.start and infusion.taken_at < hour.start
                text = f"{Decimal(rate).normalize():f}"
                cells[index].readings.append(grid.reading(at, text, carried=carried))
            stopped = infusion.stopped_at
            if stopped is not None and stopped in hour:
                cells[index].readings.append(grid.reading(stopped, "Stopped"))
        if not any(cells):
            continue  # it ran on other days of the admission, not this one
        unit = DoseUnit(infusion.dose_unit).label
        rows.append(
            Row(f"infusion-{infusion.pk}", f"{infusion.name} ({unit})", cells, "Infusions")
        )
    return rows


def _event_rows(data: ChartData, grid: _Grid, now: datetime) -> list[Row]:
    cells = grid.cells()
    for event in data.events:
        for index, hour in enumerate(grid.hours):
            if hour.start > now:
                break
            if event.taken_at in hour:
                cells[index].readings.append(grid.reading(event.taken_at, f"{event.name} began"))
            elif event.taken_at < hour.start and (
                event.ended_at is None or event.ended_at > hour.start
            ):
                cells[index].readings.append(
                    grid.reading(hour.start, f"{event.name} continues", carried=True)
                )
            if event.ended_at is not None and event.ended_at in hour:
                cells[index].readings.append(grid.reading(event.ended_at, f"{event.name} ended"))
    return [Row("events", "Events", cells, "Events")]


def dose_words(dose, zone, now) -> str:
    """A dose and what became of it, in words: "Dose 3 held: Systolic BP below 90 mmHg"."""
    record = dose.active_records[0] if getattr(dose, "active_records", None) else None
    name = f"Dose {dose.dose_in_course}"
    status = Dose.Status
    if record is not None and dose.status in (status.GIVEN, status.PARTIAL):
        given = f"{record.given_at.astimezone(zone):%H:%M}"
        if dose.status == status.GIVEN:
            return f"{name} given {given}"
        return f"{name} partial dose, started {given}: {record.reason_text}"
    if record is not None and dose.status in (status.HELD, status.NOT_GIVEN):
        return f"{name} {dose.get_status_display().lower()}: {record.reason_text}"
    if dose.status == status.SCHEDULED:
        return f"{name} overdue" if dose.is_overdue(now) else f"{name} due"
    return f"{name} {dose.get_status_display().lower()}"


def _dose_rows(data: ChartData, grid: _Grid, now: datetime) -> list[Row]:
    entries = [(dose.planned_at, dose_words(dose, grid.zone, now), ()) for dose in data.doses]
    return [grid.row("doses", "IL-2 doses", "Doses", entries)]


# The laboratory test always given a row, charted or not: the renal row of IL-2's toxicity.
ALWAYS_SHOWN_TESTS = (lab.LabTest.CREATININE,)


def lab_value_shown(result) -> Decimal:
    """A result's value in its test's canonical unit, to the places the lab reports it in."""
    return result.spec.shown_in(result.value, result.unit, result.spec.canonical)


def lab_in_canonical_unit(result) -> str:
    """A result in its test's canonical unit, as the lab would write it: "2.1", "<0.01"."""
    return lab.format_result(lab_value_shown(result), result.qualifier)


def lab_flag_words(result) -> tuple[str, ...]:
    """The lab's flag in words, against the range it reported: empty when in range."""
    if not result.is_abnormal:
        return ()
    side = "above" if result.flag == LabResult.Flag.HIGH else "below"
    return (
        f"{result.spec.name} {result.shown_value} {result.unit_label}: {side} the lab's range",
    )


def _lab_rows(data: ChartData, grid: _Grid) -> list[Row]:
    on_the_day: dict[str, list] = {str(test): [] for test in ALWAYS_SHOWN_TESTS}
    for result in data.labs:
        if grid.index(result.taken_at) is not None:
            on_the_day.setdefault(result.test, []).append(result)
    order = list(lab.LAB_TESTS)
    rows = []
    for test in sorted(on_the_day, key=lambda code: order.index(lab.LabTest(code))):
        spec = lab.LAB_TESTS[lab.LabTest(test)]
        entries = [
            (result.taken_at, lab_in_canonical_unit(result), lab_flag_words(result))
            for result in on_the_day[test]
        ]
        label = f"{spec.name} ({spec.units[spec.canonical].label})"
        rows.append(grid.row(f"lab-{test}", label, "Laboratory", entries))
    return rows


# The groups of rows, top to bottom.
ROW_BUILDERS: list[Callable[[ChartData, _Grid, datetime], list[Row]]] = [
    lambda data, grid, now: _dose_rows(data, grid, now),
    lambda data, grid, now: _vital_rows(data, grid),
    lambda data, grid, now: _fluid_rows(data, grid, now),
    lambda data, grid, now: _weight_rows(data, grid),
    lambda data, grid, now: _infusion_rows(data, grid, now),
    lambda data, grid, now: _event_rows(data, grid, now),
    lambda data, grid, now: _lab_rows(data, grid),
]


def build_sheet(data: ChartData, day: date, now: datetime) -> Sheet:
    """The grid of `day` from entries already read (`load_chart`): no query of its own."""
    hours = hours_of(day, data.zone)
    grid = _Grid(hours, data.zone)
    rows = [row for builder in ROW_BUILDERS for row in builder(data, grid, now)]
    start, end = day_bounds(day, data.zone)
    day_fluids = [entry for entry in data.fluids if start <= entry.taken_at < end]
    return Sheet(
        day=day,
        hours=hours,
        rows=rows,
        intake_ml=sum(e.volume_ml for e in day_fluids if e.direction == Direction.INTAKE),
        output_ml=sum(e.volume_ml for e in day_fluids if e.direction == Direction.OUTPUT),
    )


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]

"""Charting fluids and weight, and the arithmetic read from them: balances and urine rates.

Balances and rates are worked out from the active entries whenever they are read,
so an entry marked entered in error drops out of every total at once.

Shifts are fixed wall-clock times on the patient's clock (`SHIFTS`).  A shift's
bounds are converted to instants with the patient's zone, so the night the clocks
change is an hour shorter or longer: 11 or 13 hours, as the nurses on it work it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from tracker.observations.charting import ChartRefused, current_course, save_observation
from tracker.observations.models.fluids import (
    KINDS_BY_DIRECTION,
    MAX_VOLUME_ML,
    Direction,
    FluidEntry,
    FluidKind,
    WeightEntry,
)
from tracker.patients.measures import PLAUSIBLE_WEIGHT_KG
from tracker.patients.models import Patient

# Urine charted over a longer period than this is more likely a wrong time than a
# real collection; and a day is the longest period a balance is read over.
MAX_URINE_PERIOD = timedelta(hours=24)
# With no earlier urine entry to count from, a urine volume is taken as the last hour's.
DEFAULT_URINE_PERIOD = timedelta(hours=1)
DAY = timedelta(hours=24)
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


# Shifts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftPattern:
    name: str
    starts: time
    ends: time  # on the next day when it is not after `starts`


# The ward's two twelve-hour shifts, on the patient's clock.  The fluid day runs
# from the day shift's start to the next day's.
SHIFTS = (
    ShiftPattern("Day shift", time(7), time(19)),
    ShiftPattern("Night shift", time(19), time(7)),
)
FLUID_DAY_STARTS = SHIFTS[0].starts


@dataclass(frozen=True)
class Period:
    """A stretch of time between two instants (UTC), with a name to show."""

    name: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / 3600

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def wall_clock(day: date, clock: time, zone) -> datetime:
    """`clock` on `day` in `zone`, as a UTC instant.

    A time the clocks skip is read with the offset before the change (zoneinfo's
    fold=0), so a bound never vanishes; the shifts' bounds are outside the changes
    in the zones the clinic serves.
    """
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _shift_on(day: date, pattern: ShiftPattern, zone) -> Period:
    end_day = day if pattern.ends > pattern.starts else day + timedelta(days=1)
    return Period(
        pattern.name,
        wall_clock(day, pattern.starts, zone),
        wall_clock(end_day, pattern.ends, zone),
    )


def shift_at(instant: datetime, zone) -> Period:
    """The shift on the patient's clock that `instant` falls in."""
    local_day = instant.astimezone(zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        for pattern in SHIFTS:
            shift = _shift_on(day, pattern, zone)
            if instant in shift:
                return shift
    raise AssertionError("the shifts cover every day")  # pragma: no cover


def shifts_between(start: datetime, end: datetime, zone) -> list[Period]:
    """Every shift that overlaps [start, end), oldest first."""
    shifts, shift = [], shift_at(start, zone)
    while shift.start < end:
        shifts.append(shift)
        shift = shift_at(shift.end, zone)
    return shifts


def fluid_day_at(instant: datetime, zone) -> Period:
    """The fluid day (from the day shift's start to the next day's) that `instant` falls in."""
    local = instant.astimezone(zone)
    day = local.date()
    if local.time() < FLUID_DAY_STARTS:
        day -= timedelta(days=1)
    return Period(
        f"Fluid day from {day:%d %b}",
        wall_clock(day, FLUID_DAY_STARTS, zone),
        wall_clock(day + timedelta(days=1), FLUID_DAY_STARTS, zone),
    )


# Balances ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """Intake and output over a period, mL, from the active entries taken in it."""

    period: Period
    intake_ml: int
    output_ml: int

    @property
    def balance_ml(self) -> int:
        """Intake less output: positive means the patient kept fluid."""
        return self.intake_ml - self.output_ml


def balance_over(patient, period: Period) -> Balance:
    totals = FluidEntry.objects.for_patient(patient).taken_between(period.start, period.end)
    return Balance(period, **totals.totals())


def shift_balance(patient, at: datetime) -> Balance:
    """The balance so far of the shift `at` falls in."""
    return balance_over(patient, shift_at(at, patient.zone))


def last_24_hours_balance(patient, end: datetime) -> Balance:
    return balance_over(patient, Period("Last 24 hours", end - DAY, end))


def shift_balances(patient, start: datetime, end: datetime) -> list[Balance]:
    """The balance of every shift overlapping [start, end), oldest first, in one query."""
    shifts = shifts_between(start, end, patient.zone)
    if not shifts:
        return []
    rows = (
        FluidEntry.objects.for_patient(patient)
        .active()
        .taken_between(shifts[0].start, shifts[-1].end)
        .values_list("taken_at", "direction", "volume_ml")
    )
    sums = {shift: {Direction.INTAKE: 0, Direction.OUTPUT: 0} for shift in shifts}
    for taken_at, direction, volume in rows:
        for shift in shifts:
            if taken_at in shift:
                sums[shift][direction] += volume
                break
    return [
        Balance(shift, sums[shift][Direction.INTAKE], sums[shift][Direction.OUTPUT])
        for shift in shifts
    ]


# Urine output ------------------------------------------------------------------------


@dataclass(frozen=True)
class UrineRate:
    """Urine over a window, counting only urine periods wholly inside it.

    `covered` is how much of the window those periods cover; the rates are over
    that time, and None ("no data") when no period lies in the window.  A rule
    about a sustained rate asks `covers_window` too, so a gap in the chart is never
    read as a low (or a normal) output.
    """

    window: Period
    volume_ml: int
    covered: timedelta
    entries: int
    highest_ml_per_hour: Decimal | None
    weight_kg: Decimal | None = None

    @property
    def covered_hours(self) -> Decimal:
        return Decimal(self.covered.total_seconds()) / 3600

    @property
    def uncovered(self) -> timedelta:
        return (self.window.end - self.window.start) - self.covered

    @property
    def covers_window(self) -> bool:
        return self.covered > timedelta(0) and self.uncovered <= timedelta(0)

    @property
    def has_data(self) -> bool:
        return self.covered > timedelta(0)

    @property
    def ml_per_hour(self) -> Decimal | None:
        if not self.has_data:
            return None
        return (self.volume_ml / self.covered_hours).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def ml_per_kg_hour(self) -> Decimal | None:
        if not self.has_data or not self.weight_kg:
            return None
        return (self.volume_ml / self.covered_hours / self.weight_kg).quantize(
            HUNDREDTH, rounding=ROUND_HALF_UP
        )


def _covered(periods: list[tuple[datetime, datetime]]) -> timedelta:
    """The time the periods cover between them, counting an overlap once."""
    total, reach = timedelta(0), None
    for start, end in sorted(periods):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += end - start
            reach = end if reach is None else max(reach, end)
    return total


def urine_rate_over(patient, start: datetime, end: datetime, *, weight_kg=None) -> UrineRate:
    """Urine output between `start` and `end`, from the urine periods inside them.

    `weight_kg` (the course's admission weight) gives the rate per kg as well.
    """
    entries = list(
        FluidEntry.objects.for_patient(patient)
        .urine_periods_within(start, end)
        .values_list("period_start", "taken_at", "volume_ml")
    )
    highest = None
    for period_start, taken_at, volume in entries:
        rate = Decimal(volume) * 3600 / Decimal((taken_at - period_start).total_seconds())
        highest = rate if highest is None else max(highest, rate)
    return UrineRate(
        window=Period("Urine output", start, end),
        volume_ml=sum(volume for _, _, volume in entries),
        covered=_covered([(s, e) for s, e, _ in entries]),
        entries=len(entries),
        highest_ml_per_hour=None if highest is None else highest.quantize(TENTH, ROUND_HALF_UP),
        weight_kg=weight_kg,
    )


def admission_weight(patient, at: datetime) -> Decimal | None:
    """The admission weight of the course the patient is on at `at`, if any."""
    course = current_course(patient, at)
    return course.weight_gain_baseline if course else None


def default_urine_start(patient, taken_at: datetime) -> datetime:
    """Where a new urine period starts: at the last urine entry, or an hour before."""
    last = (
        FluidEntry.objects.for_patient(patient)
        .active()
        .urine()
        .filter(taken_at__lt=taken_at, taken_at__gte=taken_at - MAX_URINE_PERIOD)
        .values_list("taken_at", flat=True)
        .order_by("-taken_at")
        .first()
    )
    return last or taken_at - DEFAULT_URINE_PERIOD


# Charting ----------------------------------------------------------------------------


def _local(instant, zone) -> str:
    return f"{timezone.localtime(instant, zone):%d %b %H:%M}"


@transaction.atomic
def chart_fluid(
    patient,
    *,
    by,
    direction: str,
    kind: str,
    volume_ml: int,
    taken_at: datetime,
    period_start: datetime | None = None,
    note: str = "",
    now=None,
) -> FluidEntry:
    """Chart a volume taken in or passed; urine with the period it was collected over."""
    if direction not in KINDS_BY_DIRECTION:
        raise ChartRefused("Choose intake or output.", field="direction")
    if kind not in KINDS_BY_DIRECTION[direction]:
        raise ChartRefused(
            f"{FluidKind(kind).label if kind in FluidKind.values else 'That kind'} "
            f"is not {Direction(direction).label.lower()}.",
            field="kind",
        )
    is_urine = kind == FluidKind.URINE
    if volume_ml is None or volume_ml < 0 or (volume_ml == 0 and not is_urine):
        raise ChartRefused(
            "Enter the volume in mL, more than 0 (only urine may be 0: no urine).",
            field="volume_ml",
        )
    if volume_ml > MAX_VOLUME_ML:
        raise ChartRefused(
            f"{volume_ml} mL is more than {MAX_VOLUME_ML} mL at once. Check the volume.",
            field="volume_ml",
        )
    if not is_urine and period_start is not None:
        raise ChartRefused("Only urine is charted with a period.", field="period_start")
    if is_urine:
        _check_urine_period(patient, period_start, taken_at)
    entry = FluidEntry(
        patient=patient,
        direction=direction,
        kind=kind,
        volume_ml=volume_ml,
        taken_at=taken_at,
        period_start=period_start,
        note=note,
    )
    return save_observation(entry, by=by, reason="Fluid charted", now=now)


def _check_urine_period(patient, period_start, taken_at) -> None:
    if period_start is None:
        raise ChartRefused("Say since when the urine was collected.", field="period_start")
    if period_start >= taken_at:
        raise ChartRefused(
            "The urine's period must start before the time it was measured.",
            field="period_start",
        )
    if taken_at - period_start > MAX_URINE_PERIOD:
        raise ChartRefused(
            "The urine's period is longer than 24 hours. Check the times.", field="period_start"
        )
    # One urine entry at a time per patient, so two nurses cannot count the same hour twice.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    overlap = (
        FluidEntry.objects.for_patient(patient)
        .urine_overlapping(period_start, taken_at)
        .order_by("period_start")
        .first()
    )
    if overlap:
        zone = patient.zone
        raise ChartRefused(
            f"Urine is already charted from {_local(overlap.period_start, zone)} to "
            f"{_local(overlap.taken_at, zone)}. Start this period when that one ended, "
            "or mark that entry entered in error.",
            field="period_start",
        )


@transaction.atomic
def chart_weight(
    patient,
    *,
    by,
    weight_kg: Decimal,
    taken_at: datetime,
    note="",
    now=None,
    source: str = WeightEntry.Source.STAFF,
):
    """Chart a weight; its change from the admission weight is read from the course.

    `source` "patient" is a weight the patient recorded at home.
    """
    low, high = PLAUSIBLE_WEIGHT_KG
    if weight_kg is None or not low <= weight_kg <= high:
        raise ChartRefused(
            f"Enter a weight between {low} and {high} kg. Check it was weighed in kg.",
            field="weight_kg",
        )
    if weight_kg != weight_kg.quantize(TENTH):
        raise ChartRefused("Give the weight to 0.1 kg.", field="weight_kg")
    entry = WeightEntry(
        patient=patient, weight_kg=weight_kg, taken_at=taken_at, note=note, source=source
    )
    return save_observation(entry, by=by, reason="Weight charted", now=now)

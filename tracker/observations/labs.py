"""Charting laboratory results, one or a panel from one sample, and marking one entered in
error (docs/observations.md, "Laboratory results").

Each result is saved through `charting.save_observation`, which checks the time the
sample was taken and finds its course; the rules about the value, unit and range are
the model's (`LabResult.refusal_to_chart`).  A panel is all or nothing: one result
refused saves none.
"""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from tracker.alerts.rules import alert_for_lab_results
from tracker.observations import charting, lab
from tracker.observations.charting import ChartRefused
from tracker.observations.models.labs import LabResult

MAX_VALUE = Decimal(10**7)
PLACES = Decimal("0.001")

# What one result of a panel may hold, besides its test.
ROW_VALUES = ("value", "unit", "qualifier", "range_low", "range_high")


class PanelRefused(ChartRefused):
    """Some results of a panel cannot be charted; each refusal names its test's field."""

    def __init__(self, refusals: list[ChartRefused]):
        super().__init__(refusals[0].message, field=refusals[0].field)
        self.refusals = refusals


def _number(number, name: str, field: str) -> Decimal | None:
    """A value or limit as the column stores it (10 digits, 3 places), never negative."""
    if number is None or number == "":
        return None
    try:
        number = Decimal(str(number).strip())
    except InvalidOperation:
        raise ChartRefused(f"The {name} is not a number.", field=field) from None
    if not number.is_finite() or number < 0 or number >= MAX_VALUE:
        raise ChartRefused(f"The {name} must be a number from 0 to 9999999.999.", field=field)
    if number != number.quantize(PLACES):
        raise ChartRefused(f"The {name} can have at most 3 decimal places.", field=field)
    return number


def _result(patient, *, test, value, unit, taken_at, qualifier, range_low, range_high, note):
    """An unsaved result, its default range filled in; ChartRefused names the field."""
    try:
        spec = lab.spec_of(test)
    except lab.LabError as error:
        raise ChartRefused(str(error), field="test") from None
    result = LabResult(
        patient=patient,
        test=lab.LabTest(test),
        value=_number(value, "value", "value"),
        unit=unit or "",
        qualifier=qualifier or "",
        range_low=_number(range_low, "lower limit of the range", "range_low"),
        range_high=_number(range_high, "upper limit of the range", "range_high"),
        taken_at=taken_at,
        note=(note or "").strip(),
    )
    if result.value is None:
        raise ChartRefused(f"Enter the {spec.name.lower()} result.", field="value")
    result.take_default_range()
    refusal = result.refusal_to_chart()
    if refusal:
        field, message = refusal
        raise ChartRefused(message, field=field)
    return result


@transaction.atomic
def chart_result(
    patient,
    *,
    by,
    test,
    value,
    unit,
    taken_at,
    qualifier="",
    range_low=None,
    range_high=None,
    note="",
    now=None,
) -> LabResult:
    """Chart one result of a sample taken at `taken_at`; ChartRefused names the field.

    An empty range takes the catalogue's default for the test and unit.  `qualifier`
    "<" (or ">") says the result lies below (or above) `value`, the assay's limit.
    """
    result = _result(
        patient,
        test=test,
        value=value,
        unit=unit,
        taken_at=taken_at,
        qualifier=qualifier,
        range_low=range_low,
        range_high=range_high,
        note=note,
    )
    charting.save_observation(result, by=by, reason="Laboratory result charted", now=now)
    alert_for_lab_results([result], now=now)
    return result


@transaction.atomic
def chart_panel(
    patient, *, by, taken_at, results: Iterable[dict], note="", now=None
) -> list[LabResult]:
    """Chart the results of one sample, all taken at `taken_at`, or none of them.

    `results` are dicts with "test", "value" and "unit", and optionally "qualifier",
    "range_low" and "range_high".  A refusal names the field as "<test>_<field>", so a
    form with a row per test shows it on that row; PanelRefused carries every one.
    """
    now = now or timezone.now()
    refusal = charting.refusal_of_time(taken_at, now)
    if refusal:
        raise refusal
    results = list(results)
    if not results:
        raise ChartRefused("Enter at least one result.")
    tests = [row.get("test") for row in results]
    if len(set(tests)) != len(tests):
        raise ChartRefused("Each test appears once in a panel.")
    entries, refusals = [], []
    for row in results:
        unknown = set(row) - {"test", *ROW_VALUES}
        if unknown:
            raise TypeError(f"chart_panel() got unknown values: {', '.join(sorted(unknown))}")
        try:
            entries.append(
                _result(
                    patient,
                    test=row["test"],
                    value=row.get("value"),
                    unit=row.get("unit"),
                    taken_at=taken_at,
                    qualifier=row.get("qualifier", ""),
                    range_low=row.get("range_low"),
                    range_high=row.get("range_high"),
                    note=note,
                )
            )
        except ChartRefused as refused:
            known = row["test"] in LabResult.Test.values
            name = LabResult.Test(row["test"]).label if known else ""
            # The message names the test, so a list of refusals says which row is wrong.
            message = refused.message
            if name and name not in message:
                message = f"{name}: {message[:1].lower()}{message[1:]}"
            refusals.append(
                ChartRefused(
                    message,
                    field=f"{row['test']}_{refused.field}" if refused.field else None,
                )
            )
    if refusals:
        raise PanelRefused(refusals)
    # One sample, one course: found once rather than for every result.
    course = charting.current_course(patient, taken_at)
    saved = []
    for entry in entries:
        entry.course = course
        saved.append(
            charting.save_observation(
                entry,
                by=by,
                reason="Laboratory result charted in a panel",
                now=now,
                reassess=False,
            )
        )
    # Read once the whole sample is in: a creatinine read before its own potassium
    # would meet a rule against the last sample's and alert for nothing.
    charting.chart_changed(saved[-1], now=now)
    # One alert for the sample, listing each result out of range.
    alert_for_lab_results(saved, now=now)
    return saved


def mark_entered_in_error(entry: LabResult, *, by, reason: str) -> LabResult:
    """Withdraw a result with a reason; it stays in the chart, struck through."""
    return charting.mark_entered_in_error(entry, by=by, reason=reason)

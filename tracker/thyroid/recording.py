"""Saving a thyroid result, with its flag and any alert, in one transaction."""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from tracker.alerts.rules import alert_for_result
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.lib.zones import CLOCK_LEEWAY
from tracker.thyroid import lab
from tracker.thyroid.models import ThyroidResult

PLACES = Decimal("0.001")
MAX_VALUE = Decimal(10**7)


class ResultRefused(Refused):
    """A thyroid result cannot be saved or changed; the message is for the user."""


def _checked_number(number, name: str) -> Decimal | None:
    """A value or limit as stored: within the column (10 digits, 3 places), never negative.

    Refused here with a message rather than failing in the database.
    """
    if number is None:
        return None
    try:
        number = Decimal(str(number))
    except InvalidOperation:
        raise ResultRefused(f"The {name} is not a number.") from None
    if not number.is_finite() or number < 0 or number >= MAX_VALUE:
        raise ResultRefused(f"The {name} must be a number from 0 to 9999999.999.")
    if number != number.quantize(PLACES):
        raise ResultRefused(f"The {name} can have at most 3 decimal places.")
    return number


@transaction.atomic
def record_result(
    patient,
    *,
    by,
    test,
    value,
    unit,
    collected_at,
    qualifier="",
    range_low=None,
    range_high=None,
    course=None,
    dose=None,
    note="",
    now=None,
):
    """Save a result; an empty range takes the default for the test and unit.

    `qualifier` "<" (or ">") says the result lies below (or above) `value`, the
    assay's limit, as a lab reports "<0.01".
    """
    now = now or timezone.now()
    try:
        default = lab.unit_of(test, unit).default_range
    except lab.LabError as error:
        raise ResultRefused(str(error)) from error
    if collected_at > now + CLOCK_LEEWAY:
        raise ResultRefused("The collection time is in the future.")
    # A mistyped year (0202 for 2026) would otherwise be saved as a real result.
    if collected_at < datetime.combine(patient.date_of_birth, time.min, tzinfo=patient.zone):
        raise ResultRefused(
            "The collection date is before the patient's date of birth. Check the year."
        )
    value = _checked_number(value, "value")
    implausible = lab.implausibility(test, value, unit)
    if implausible:
        raise ResultRefused(implausible)
    range_low = _checked_number(range_low, "lower limit")
    range_high = _checked_number(range_high, "upper limit")
    if range_low is None and range_high is None and default:
        range_low, range_high = default
    if range_low is not None and range_high is not None and range_low > range_high:
        raise ResultRefused("The range's lower limit is above its upper limit.")
    if qualifier not in {known.value for known in lab.Qualifier}:
        raise ResultRefused('A result starts with "<" or ">" only, as in "<0.01".')
    if lab.qualified_flag(value, qualifier, range_low, range_high) is None:
        side = "below" if qualifier == lab.Qualifier.BELOW else "above"
        raise ResultRefused(
            f"A result {side} {lab.format_number(value)} {unit} could be inside or outside "
            "the range, so it cannot be flagged. Enter the lab's value, or check the limit."
        )
    for linked in (course, dose and dose.course):
        if linked is not None and linked.patient_id != patient.pk:
            raise ResultRefused("That course is another patient's.")
    if course is not None and dose is not None and dose.course_id != course.pk:
        raise ResultRefused("That dose belongs to another course.")
    result = ThyroidResult(
        patient=patient,
        test=test,
        value=value,
        qualifier=qualifier,
        unit=unit,
        range_low=range_low,
        range_high=range_high,
        collected_at=collected_at,
        course=course or (dose.course if dose else None),
        dose=dose,
        note=note.strip(),
        recorded_by=by,
    )
    save_with_history(result, by=by, reason="Recorded")
    alert_for_result(result)
    return result


@transaction.atomic
def mark_entered_in_error(result, *, by, reason: str) -> ThyroidResult:
    """Keep the result but mark it entered in error, with the reason, in its history.

    It stays in the table (struck through) and leaves flags, due checks and the
    chart.  The alert it raised, if any, stays for the care team to acknowledge.
    """
    return result.mark_in_error(by=by, reason=reason, refused=ResultRefused)

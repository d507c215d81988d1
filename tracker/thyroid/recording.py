"""Saving a thyroid result, with its flag and any alert, in one transaction."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tracker.alerts.rules import alert_for_result
from tracker.thyroid import lab
from tracker.thyroid.models import ThyroidResult


class ResultRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@transaction.atomic
def record_result(
    patient,
    *,
    by,
    test,
    value,
    unit,
    collected_at,
    range_low=None,
    range_high=None,
    course=None,
    dose=None,
    note="",
    now=None,
):
    """Save a result; an empty range takes the default for the test and unit."""
    now = now or timezone.now()
    try:
        default = lab.unit_of(test, unit).default_range
    except lab.LabError as error:
        raise ResultRefused(str(error)) from error
    if collected_at > now + timedelta(minutes=5):
        raise ResultRefused("The collection time is in the future.")
    if range_low is None and range_high is None and default:
        range_low, range_high = default
    if range_low is not None and range_high is not None and range_low > range_high:
        raise ResultRefused("The range's lower limit is above its upper limit.")
    for linked in (course, dose and dose.course):
        if linked is not None and linked.patient_id != patient.pk:
            raise ResultRefused("That course is another patient's.")
    result = ThyroidResult(
        patient=patient,
        test=test,
        value=value,
        unit=unit,
        range_low=range_low,
        range_high=range_high,
        collected_at=collected_at,
        course=course or (dose.course if dose else None),
        dose=dose,
        note=note.strip(),
        recorded_by=by,
    )
    result._change_reason, result._history_user = "Recorded", by
    result.save()
    alert_for_result(result)
    return result

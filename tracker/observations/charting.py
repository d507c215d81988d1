"""Charting observations: the steps every kind of entry shares, each in one transaction.

Each kind has its own operations module (vital signs, fluids and weight, infusions
and events); they save through `save_observation` and correct through
`mark_entered_in_error`, so the rules about time and course are in one place.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from regimens.models import Course
from tracker.alerts.rules import alert_for_reading
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.lib.zones import CLOCK_LEEWAY
from tracker.observations import rules

# An observation charted later than this is more likely a wrong date than a late entry.
CHARTED_WITHIN = timedelta(hours=24)


class ChartRefused(Refused):
    """The entry cannot be charted; the message is for the nurse."""


def refusal_of_time(
    taken_at, now, *, field: str = "taken_at", within: timedelta = CHARTED_WITHIN
) -> ChartRefused | None:
    """Why an observation cannot have been taken at `taken_at`, or None if it could."""
    if taken_at > now + CLOCK_LEEWAY:
        return ChartRefused("The time is in the future. Chart it once it is taken.", field=field)
    if now - taken_at > within:
        hours = within.total_seconds() / 3600
        return ChartRefused(
            f"The time is more than {hours:g} hours ago. Check the date.", field=field
        )
    return None


# Observations on admission, before the first dose, belong to the course about to start.
ADMITTED_BEFORE_FIRST_DOSE = timedelta(days=1)


def current_course(patient, at):
    """The course an entry taken at `at` belongs to: the latest one started by then.

    "Started" counts from a day before its first dose, for the admission observations.
    A cancelled course never took place, so it takes no entries.
    """
    return (
        Course.objects.filter(patient=patient)
        .exclude(status=Course.Status.CANCELLED)
        .annotate(first_dose_at=Min("doses__planned_at"))
        .filter(first_dose_at__lte=at + ADMITTED_BEFORE_FIRST_DOSE)
        .order_by("-first_dose_at", "-pk")
        .first()
    )


@transaction.atomic
def save_observation(entry, *, by, reason: str, now=None, reassess: bool = True):
    """Save a new entry once its time passes, on the course it belongs to; else ChartRefused.

    An entry the patient recorded at home (`source` "patient") is read against the
    home-reading alert rules once saved.

    The course's rules are read again after it, unless the caller saves several
    entries together and reads them once at the end (`chart_changed`).
    """
    now = now or timezone.now()
    within = getattr(entry, "charted_within", CHARTED_WITHIN)
    refusal = refusal_of_time(entry.taken_at, now, within=within)
    if refusal:
        raise refusal
    if entry.course_id is None:
        entry.course = current_course(entry.patient, entry.taken_at)
    elif entry.course.patient_id != entry.patient_id:
        raise ChartRefused("That course is another patient's.")
    entry.recorded_by, entry.recorded_at = by, now
    save_with_history(entry, by=by, reason=reason)
    if reassess:
        chart_changed(entry, now=now)
    if entry.is_patient_reported:
        # The home-reading rules (docs/alerts.md); the ward's entries have the chart rules.
        alert_for_reading(entry, now=now)
    return entry


@transaction.atomic
def mark_entered_in_error(entry, *, by, reason: str):
    """Withdraw a charted entry with a reason; it stays, struck through, in the chart."""
    entry.mark_in_error(by=by, reason=reason, refused=ChartRefused)
    chart_changed(entry, withdrawn=True)
    return entry


def chart_changed(entry, *, now=None, withdrawn: bool = False):
    """Read the course's rules again: an entry charted, changed or withdrawn may change them."""
    if entry.course_id is not None:
        rules.reassess(entry.course, now=now, withdrawn=withdrawn)

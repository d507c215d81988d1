"""iCalendar (RFC 5545) export of dose calendars.

One VEVENT per dose row.  The UID comes from the row's own uid, which lives as
long as the course, so a moved or cancelled dose updates the event already in a
subscriber's calendar instead of adding a second one.

Calendars end up on phones and in cloud accounts: no patient name, MRN or any
other identifier goes into the output.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, OuterRef, Subquery
from icalendar import Calendar, Event, vDuration

from regimens.models import Dose
from regimens.templatetags.regimens import cycle_dose

PRODID = "-//IL-2 tracker//EN"
CALENDAR_NAME = "IL-2 treatment"
UID_DOMAIN = "il2-tracker"
DEFAULT_DURATION = timedelta(minutes=15)
# How often subscribed calendar apps are asked to refresh.
REFRESH_INTERVAL = timedelta(hours=1)


def dose_uid(dose) -> str:
    return f"{dose.uid}@{UID_DOMAIN}"


def doses_for_export(queryset=None):
    """Doses with what the export needs, in a constant number of queries.

    Each row is annotated with its number of history records (for SEQUENCE) and the
    time of the latest one (for LAST-MODIFIED), both as subqueries.
    """
    queryset = Dose.objects.all() if queryset is None else queryset
    history = Dose.history.model.objects.filter(id=OuterRef("pk")).order_by().values("id")
    return (
        queryset.select_related("course__template")
        .with_cycle_total()
        .annotate(
            revisions=Subquery(history.annotate(n=Count("*")).values("n")[:1]),
            last_modified=Subquery(history.annotate(last=Max("history_date")).values("last")[:1]),
        )
        .order_by("planned_at", "pk")
    )


def _summary(dose) -> str:
    # Numbered as on every page of the app: "IL-2: Cycle 2 · dose 1 of 14".
    return f"IL-2: {cycle_dose(dose)}"


def _description(dose) -> str:
    template = dose.course.template
    lines = [f"{template.drug}, {template.get_route_display()}"]
    if dose.status == Dose.Status.CANCELLED:
        lines.append("This dose is cancelled.")
    if dose.dst_note:
        lines.append(dose.dst_note)
    return "\n".join(lines)


def event_duration(template) -> timedelta:
    """An infusion's length; a short slot for an injection, which has none."""
    minutes = template.infusion_minutes
    return timedelta(minutes=minutes) if minutes else DEFAULT_DURATION


def dose_event(dose, *, uid: str | None = None, description: str | None = None, stamp=None):
    """The VEVENT of one dose row, or of an unsaved one planned by the calendar command.

    `uid`, `description` and `stamp` replace what a saved row would give.
    """
    course = dose.course
    zone = ZoneInfo(course.time_zone)
    revisions = getattr(dose, "revisions", None) or 1
    modified = getattr(dose, "last_modified", None) or dose.original_planned_at

    event = Event()
    event.add("uid", uid or dose_uid(dose))
    event.add("dtstart", dose.planned_at.astimezone(zone))
    event.add("duration", event_duration(course.template))
    event.add("summary", _summary(dose))
    event.add("description", _description(dose) if description is None else description)
    # No METHOD, so DTSTAMP is the time of the last revision, like LAST-MODIFIED.
    event.add("dtstamp", stamp or modified)
    event.add("last-modified", stamp or modified)
    event.add("sequence", max(revisions - 1, 0))
    event.add("status", "CANCELLED" if dose.status == Dose.Status.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def write_calendar(events, instants, *, time_zone: str | None, name: str = CALENDAR_NAME) -> bytes:
    """A calendar of `events`, with zone rules for the years around `instants` only."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if time_zone:
        cal.add("x-wr-timezone", time_zone)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for event in events:
        cal.add_component(event)
    if instants:
        # VTIMEZONE rules only for the years the doses span, not 1970-2038.
        cal.add_missing_timezones(
            first_date=(min(instants) - timedelta(days=366)).date(),
            last_date=(max(instants) + timedelta(days=366)).date(),
        )
    return cal.to_ical()


def _calendar(doses, time_zone: str | None) -> bytes:
    doses = list(doses)
    return write_calendar(
        [dose_event(dose) for dose in doses],
        [dose.planned_at for dose in doses],
        time_zone=time_zone,
    )


def course_calendar(course, doses) -> bytes:
    """The calendar of one course; `doses` are its dose rows (see doses_for_export)."""
    return _calendar(doses, course.time_zone)


def patient_calendar(patient, doses) -> bytes:
    """The calendar of all of a patient's courses; `doses` come from doses_for_export."""
    return _calendar(doses, patient.time_zone)

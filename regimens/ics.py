"""iCalendar (RFC 5545) export of dose calendars.

One VEVENT per dose row.  The UID comes from the row's own uid, which lives as
long as the course, so a moved or cancelled dose updates the event already in a
subscriber's calendar instead of adding a second one.

Calendars end up on phones and in cloud accounts: no patient name, MRN or any
other identifier goes into the output.  A patient may also choose neutral titles
(regimens.models.CalendarChoice): then nothing the provider syncs names the drug,
the route or the app, not the titles, the calendar's name, PRODID nor the UIDs.
Switching changes the UIDs, so a subscribed calendar replaces its events; one
imported from a download keeps the old ones until they are deleted.

Each dose still to come carries an alarm (VALARM) before it: the lead the patient
chose for their e-mail reminders, else 30 minutes.  Its text is as neutral as the
e-mail's, since it shows on a lock screen.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vDuration

from regimens.models import CalendarChoice, Course, Dose, RegimenTemplate
from regimens.templatetags.regimens import cycle_dose
from tracker.patients.models import Patient

PRODID = "-//IL-2 tracker//EN"
CALENDAR_NAME = "IL-2 treatment"
UID_DOMAIN = "il2-tracker"
NEUTRAL_PRODID = "-//Treatment calendar//EN"
NEUTRAL_NAME = NEUTRAL_SUMMARY = "Treatment"
NEUTRAL_UID_DOMAIN = "treatment-calendar"
DEFAULT_DURATION = timedelta(minutes=15)
# How often subscribed calendar apps are asked to refresh.
REFRESH_INTERVAL = timedelta(hours=1)
DEFAULT_ALARM_BEFORE = timedelta(minutes=30)
ALARM_TEXT = "Reminder from your care team"
# Part of every feed's version (feed_version): raise it when a release changes what the
# same records are written as, so that subscribed calendars fetch the new text instead
# of being told that theirs is current.
FEED_FORMAT = 1


def dose_uid(dose, *, neutral: bool = False) -> str:
    return f"{dose.uid}@{NEUTRAL_UID_DOMAIN if neutral else UID_DOMAIN}"


def neutral_titles(patient_id: int) -> bool:
    """Whether the patient chose neutral event titles (the default names the drug)."""
    return CalendarChoice.objects.filter(patient_id=patient_id, neutral_titles=True).exists()


@dataclass(frozen=True)
class PatientChoices:
    alarm_before: timedelta
    neutral: bool


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


def _summary(dose, neutral: bool) -> str:
    if neutral:
        return NEUTRAL_SUMMARY
    # Numbered as on every page of the app: "IL-2: Cycle 2 · dose 1 of 14".
    return f"IL-2: {cycle_dose(dose)}"


def _description(dose, neutral: bool) -> str:
    template = dose.course.template
    lines = [] if neutral else [f"{template.drug}, {template.get_route_display()}"]
    if dose.status == Dose.Status.CANCELLED:
        lines.append("This dose is cancelled.")
    if dose.dst_note:
        lines.append(dose.dst_note)
    return "\n".join(lines)


def event_duration(template) -> timedelta:
    """An infusion's length; a short slot for an injection, which has none."""
    minutes = template.infusion_minutes
    return timedelta(minutes=minutes) if minutes else DEFAULT_DURATION


def patient_choices(patient_id: int) -> PatientChoices:
    """What the patient chose for their calendars, in one query: how long before each
    dose the alarm rings (the lead of their e-mail reminders, else 30 minutes), and
    whether titles are neutral.

    The lead is read through the table's reverse relation by name: tracker.reminders
    sits above regimens, so this module may not import it (docs/architecture.md).
    """
    minutes, neutral = (
        Patient.objects.filter(pk=patient_id)
        .values_list("reminder_settings__dose_lead_minutes", "calendar_choice__neutral_titles")
        .first()
    ) or (None, None)
    return _choices(minutes, neutral)


def _choices(minutes: int | None, neutral: bool | None) -> PatientChoices:
    before = DEFAULT_ALARM_BEFORE if minutes is None else timedelta(minutes=minutes)
    return PatientChoices(alarm_before=before, neutral=bool(neutral))


def dose_alarm(before: timedelta) -> Alarm:
    """A display alarm `before` the event's start (TRIGGER is relative to DTSTART)."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", ALARM_TEXT)
    alarm.add("trigger", -before)
    return alarm


def dose_event(
    dose,
    *,
    uid: str | None = None,
    description: str | None = None,
    stamp=None,
    alarm: timedelta | None = None,
    neutral: bool = False,
):
    """The VEVENT of one dose row, or of an unsaved one planned by the calendar command.

    `uid`, `description` and `stamp` replace what a saved row would give; `alarm`, if
    given, is how long before the dose an alarm rings; `neutral` leaves out the drug
    and the route.
    """
    course = dose.course
    zone = ZoneInfo(course.time_zone)
    revisions = getattr(dose, "revisions", None) or 1
    modified = getattr(dose, "last_modified", None) or dose.original_planned_at

    event = Event()
    event.add("uid", uid or dose_uid(dose, neutral=neutral))
    event.add("dtstart", dose.planned_at.astimezone(zone))
    event.add("duration", event_duration(course.template))
    event.add("summary", _summary(dose, neutral))
    event.add("description", _description(dose, neutral) if description is None else description)
    # No METHOD, so DTSTAMP is the time of the last revision, like LAST-MODIFIED.
    event.add("dtstamp", stamp or modified)
    event.add("last-modified", stamp or modified)
    event.add("sequence", max(revisions - 1, 0))
    event.add("status", "CANCELLED" if dose.status == Dose.Status.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if alarm is not None:
        event.add_component(dose_alarm(alarm))
    return event


def write_calendar(
    events,
    instants,
    *,
    time_zone: str | None,
    name: str = CALENDAR_NAME,
    neutral: bool = False,
) -> bytes:
    """A calendar of `events`, with zone rules for the years around `instants` only."""
    cal = Calendar()
    cal.add("prodid", NEUTRAL_PRODID if neutral else PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", NEUTRAL_NAME if neutral else name)
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


def _calendar(doses, time_zone: str | None, before: timedelta, neutral: bool) -> bytes:
    doses, now = list(doses), timezone.now()

    def alarm(dose):
        # Only a dose still to come rings: not one past, recorded or cancelled.
        to_come = dose.status == Dose.Status.SCHEDULED and dose.planned_at > now
        return before if to_come else None

    return write_calendar(
        [dose_event(dose, alarm=alarm(dose), neutral=neutral) for dose in doses],
        [dose.planned_at for dose in doses],
        time_zone=time_zone,
        neutral=neutral,
    )


def course_calendar(course, doses, choices: PatientChoices | None = None) -> bytes:
    """The calendar of one course; `doses` are its dose rows (see doses_for_export).

    `choices` are the patient's (patient_choices), if the caller has read them already.
    """
    choices = choices or patient_choices(course.patient_id)
    return _calendar(doses, course.time_zone, choices.alarm_before, choices.neutral)


def patient_calendar(patient, doses, choices: PatientChoices | None = None) -> bytes:
    """The calendar of all of a patient's courses; `doses` come from doses_for_export.

    `choices` are the patient's (patient_choices), if the caller has read them already.
    """
    choices = choices or patient_choices(patient.pk)
    return _calendar(doses, patient.time_zone, choices.alarm_before, choices.neutral)


# The feed's version: answering a calendar app's poll without writing the calendar ------


@dataclass(frozen=True)
class FeedVersion:
    etag: str  # quoted, as the header carries it
    last_modified: datetime
    choices: PatientChoices


def _one(queryset, function: str, field: str, output_field) -> Subquery:
    """`function` ("MAX", "MIN") of the rows' `field`, as a subquery of one value."""
    value = models.Func(models.F(field), function=function, output_field=output_field)
    return Subquery(queryset.order_by().annotate(value=value).values("value"))


def _newest_change(history, **about) -> dict[str, Subquery]:
    """The newest history row of a table among those about the patient: its id, which
    grows with every change (even on a test's frozen clock), and its time."""
    rows = history.objects.filter(**about)
    return {
        "id": _one(rows, "MAX", "history_id", models.IntegerField()),
        "at": _one(rows, "MAX", "history_date", models.DateTimeField()),
    }


def feed_version(patient, now: datetime) -> FeedVersion:
    """What the patient's feed would show, summed up in one query, without writing it.

    The calendar is made of the patient's doses and their history, their courses, the
    templates those name (drug, route, infusion length), the patient's zone and
    choices (titles, alarm lead) and, since only doses still to come ring, the clock.
    All of them are read here: recording, moving or cancelling a dose, stopping a
    course or editing a template adds a history row; a choice or the zone is read
    itself; and the next dose passing ends its alarm.  History rows are never deleted,
    so the newest id of each history table only grows.
    """
    patient_pk = OuterRef("pk")
    templates = Course.objects.filter(patient_id=OuterRef(patient_pk)).values("template_id")
    changes = {
        "doses": _newest_change(Dose.history.model, course__patient_id=patient_pk),
        "courses": _newest_change(Course.history.model, patient_id=patient_pk),
        "templates": _newest_change(RegimenTemplate.history.model, id__in=templates),
        "record": _newest_change(Patient.history.model, id=patient_pk),
    }
    scheduled = Dose.objects.for_patient(patient_pk).scheduled()
    when = models.DateTimeField()
    row = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(
            **{
                f"{table}_{part}": sub
                for table, parts in changes.items()
                for part, sub in parts.items()
            },
            # The next dose to ring: once it passes, its alarm goes.
            next_alarm=_one(scheduled.filter(planned_at__gt=now), "MIN", "planned_at", when),
            last_alarm=_one(scheduled.filter(planned_at__lte=now), "MAX", "planned_at", when),
        )
        .values(
            "time_zone",
            "reminder_settings__dose_lead_minutes",
            "reminder_settings__updated_at",
            "calendar_choice__neutral_titles",
            "calendar_choice__changed_at",
            "next_alarm",
            "last_alarm",
            *(f"{table}_{part}" for table in changes for part in ("id", "at")),
        )
        .get()
    )
    choices = _choices(
        row["reminder_settings__dose_lead_minutes"], row["calendar_choice__neutral_titles"]
    )
    shown = [
        FEED_FORMAT,
        row["time_zone"],
        choices.alarm_before.total_seconds(),
        choices.neutral,
        row["next_alarm"],
        *(row[f"{table}_id"] for table in changes),
    ]
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]
    # The latest instant at which anything shown changed: a change, or an alarm ending.
    instants = [
        row["reminder_settings__updated_at"],
        row["calendar_choice__changed_at"],
        row["last_alarm"],
        *(row[f"{table}_at"] for table in changes),
    ]
    last_modified = max((at for at in instants if at is not None), default=now)
    return FeedVersion(etag=f'"{digest}"', last_modified=last_modified, choices=choices)

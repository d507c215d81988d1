"""What a reminder says.  E-mail is read on lock screens and shared inboxes, so it
carries the least health information that still helps: no name, no drug, no
diagnosis; the time on the patient's own clock, and a link to sign in.
"""

from datetime import date, datetime

from django.conf import settings
from django.urls import reverse

from tracker.lib.mail import absolute_url
from tracker.reminders.models import Reminder

SUBJECT = "Reminder from your care team"


def _day(day: date, today: date) -> str:
    """ "today (Monday 7 December)", "tomorrow (...)" or "on Monday 7 December"."""
    named = f"{day:%A} {day.day} {day:%B}"
    relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get((day - today).days)
    return f"{relative} ({named})" if relative else f"on {named}"


def _at(instant: datetime, now: datetime, zone) -> str:
    local = instant.astimezone(zone)
    return f"{local:%H:%M} {_day(local.date(), now.astimezone(zone).date())}"


def _footer(patient) -> str:
    phone = patient.ward.phone_number if patient.ward_id else settings.WARD_PHONE
    return (
        f"Your treatment, once you sign in: {absolute_url(reverse('patient-home'))}\n"
        f"If you feel unwell or are unsure what to do, call your care team on {phone}.\n\n"
        "You asked for these reminders. To change them or turn them off: "
        f"{absolute_url(reverse('reminder-settings'))}\n"
        "Please do not reply to this e-mail."
    )


def body(reminder: Reminder, now: datetime) -> str:
    patient = reminder.patient
    zone = patient.zone
    if reminder.kind == Reminder.Kind.DOSE_DUE:
        text = (
            f"Your next injection is planned for {_at(reminder.dose.planned_at, now, zone)}, "
            f"your time ({zone.key.replace('_', ' ')})."
        )
    elif reminder.kind == Reminder.Kind.DOSE_UNRECORDED:
        text = (
            f"Your injection planned for {_at(reminder.dose.planned_at, now, zone)} has not "
            "been recorded. If you took it, tell your care team so that they can record it. "
            "If you missed it, do not take a double dose next time: your team will contact you."
        )
    else:
        text = (
            f"Your thyroid blood test is due "
            f"{_day(reminder.test_due_on, now.astimezone(zone).date())}. "
            "If it is already booked or done, there is nothing more to do."
        )
    return f"Hello,\n\n{text}\n\n{_footer(patient)}\n"

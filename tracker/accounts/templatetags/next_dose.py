"""How a patient is told when their next dose is: "in 3 hours", "tomorrow at 09:00"."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat

register = template.Library()

HOUR = timedelta(hours=1)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def due_in_words(planned: datetime, now: datetime, zone: ZoneInfo, *, overdue: bool) -> str:
    """When a dose is due, on the patient's clock, as they would say it."""
    local, today = planned.astimezone(zone), now.astimezone(zone).date()
    if overdue:
        when = "H:i" if local.date() == today else "D j M, H:i"
        return f"overdue since {dateformat.format(local, when)}"
    if planned <= now:
        return "due now"
    if local.date() == today:
        # Whole minutes, rounded up: "in 45 minutes" never turns out to be 44.
        minutes = -(-(planned - now) // timedelta(minutes=1))
        hours, minutes = divmod(minutes, 60)
        if not hours:
            return f"in {_plural(minutes, 'minute')}"
        rest = f" {_plural(minutes, 'minute')}" if minutes else ""
        return f"in {_plural(hours, 'hour')}{rest}"
    days = (local.date() - today).days
    if days == 1:
        return f"tomorrow at {local:%H:%M}"
    return f"in {days} days"


@register.simple_tag
def when_due(dose, now, patient) -> str:
    """{% when_due dose now patient %}: "in 3 hours", "due now", "overdue since 09:00"."""
    return due_in_words(dose.planned_at, now, patient.zone, overdue=dose.is_overdue(now))


@register.simple_tag
def dose_state(dose, now) -> str:
    """A dose of today's list in a word: given, held, overdue, due now or to come."""
    if dose.is_recorded:
        return dose.get_status_display()
    if dose.is_overdue(now):
        return "Overdue"
    return "Due now" if dose.planned_at <= now else "To come"

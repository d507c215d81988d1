"""Display formatting for templates: units, ages and zones."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from tracker.lib.zones import on_clock

register = template.Library()


@register.filter
def quantity(value, unit: str) -> str:
    """A measured value with its unit and no trailing zeros: 72.50 → "72.5 kg"."""
    if value in (None, ""):
        return "—"
    number = Decimal(value).normalize()
    return f"{number:f}\N{NO-BREAK SPACE}{unit}"


@register.filter
def age(patient) -> int:
    return patient.age_on(timezone.localdate())


def _viewer_zone(context) -> ZoneInfo:
    # The context processor's zone is lazy; ZoneInfo caches zones by name, so this is free.
    return ZoneInfo(str(context.get("ward_zone") or settings.CLINIC_TIME_ZONE))


@register.simple_tag(takes_context=True)
def ward_time(context, instant, patient, fmt: str = "D j M, H:i T") -> str:
    """An instant on the viewer's ward clock, and the patient's own time where it reads otherwise.

    {% ward_time dose.planned_at patient "D j M, H:i T" %} gives "Sun 29 Nov, 13:00 GMT" for a
    London patient and adds "08:00 EST patient's time" in small text for a New York one, so a
    list ordered by instant also reads in order.
    """
    if instant is None:
        return ""
    ward_zone = _viewer_zone(context)
    ward = instant.astimezone(ward_zone)
    theirs = instant.astimezone(patient.zone)
    shown = on_clock(instant, ward_zone, fmt)
    if ward.replace(tzinfo=None) == theirs.replace(tzinfo=None):
        return shown
    # Name the day when the patient's clock is on another date.
    their_fmt = "H:i T" if theirs.date() == ward.date() else "D H:i T"
    return format_html(
        '{} <small class="text-body-secondary">{} patient\'s time</small>',
        shown,
        on_clock(instant, patient.zone, their_fmt),
    )

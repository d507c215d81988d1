"""Display formatting for the bedside: times on the patient's clock, amounts, waits."""

from decimal import Decimal

from django import template

from regimens.dosing import IU_PER_MIU
from tracker.lib.zones import on_clock

register = template.Library()


@register.simple_tag
def clock(instant, patient, fmt: str = "D j M, H:i T") -> str:
    """An instant on the patient's wall clock: {% clock record.given_at patient "H:i T" %}."""
    if instant is None:
        return ""
    return on_clock(instant, patient.zone, fmt)


@register.filter
def miu(iu) -> str:
    """International units as MIU: 48000000 → "48 MIU"."""
    if iu is None:
        return ""
    value = (Decimal(iu) / IU_PER_MIU).quantize(Decimal("0.001")).normalize()
    return f"{value:f} MIU"


@register.filter
def hours_minutes(delta) -> str:
    """A wait as a nurse says it: "2 h 05 min", "40 min"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.simple_tag
def overdue_for(dose, now) -> str:
    """How long ago the dose was due, for an overdue dose."""
    return hours_minutes(now - dose.planned_at)

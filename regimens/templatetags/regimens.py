"""Display formatting for doses: local times, cycle numbers and status badges."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat

from regimens import dosing
from regimens.models import Dose, RegimenTemplate

register = template.Library()

STATUS_CLASSES = {
    Dose.Status.SCHEDULED: "text-bg-primary",
    Dose.Status.GIVEN: "text-bg-success",
    Dose.Status.PARTIAL: "text-bg-info",
    Dose.Status.HELD: "text-bg-warning",
    Dose.Status.NOT_GIVEN: "text-bg-danger",
    Dose.Status.CANCELLED: "text-bg-secondary",
}


@register.filter
def local_time(dose, fmt: str = "H:i T") -> str:
    """A dose's instant on its patient's wall clock: {{ dose|local_time:"H:i T" }} → "09:00 EDT".

    Formatted here rather than with |date, which would first convert to the active
    (UTC) zone and lose the patient's zone abbreviation.
    """
    if dose is None:
        return ""
    zone = ZoneInfo(dose.course.patient.time_zone)
    return dateformat.format(dose.planned_at.astimezone(zone), fmt)


@register.filter
def wall_clock(value, fmt: str = "D j M Y, H:i T") -> str:
    """An aware datetime on its own zone's clock; |date would move it to UTC first."""
    return dateformat.format(value, fmt) if value else ""


@register.filter
def status_class(status) -> str:
    """Bootstrap badge class for a dose status; the status is always shown in words too."""
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def doses_per_cycle(dose) -> int | None:
    """How many doses the dose's cycle has: the cap for interval rules, else the count.

    The count comes from the ``cycle_total`` annotation the calendar views add.
    """
    rule = dose.course.rule or {}
    if rule.get("mode") == RegimenTemplate.Mode.INTERVAL and rule.get("max_doses_per_cycle"):
        return rule["max_doses_per_cycle"]
    return getattr(dose, "cycle_total", None)


@register.filter
def cycle_dose(dose) -> str:
    """ "Cycle 1 · dose 3 of 14"."""
    text = f"Cycle {dose.cycle} · dose {dose.dose_in_cycle}"
    total = doses_per_cycle(dose)
    return f"{text} of {total}" if total else text


@register.filter
def overdue_at(dose, now) -> bool:
    """Whether the dose is overdue at `now`; False when the page passes no time."""
    return bool(now) and dose.is_overdue(now)


@register.filter
def stepped_amount(dose) -> str:
    """A dose's own amount, "9 MIU", where its course steps the dose; "" where every dose
    is the same (the course page says that amount once)."""
    if not dose.course.has_dose_steps:
        return ""
    return str(dose.prescribed_miu)


@register.filter
def iu_as_miu(iu) -> str:
    """IU as MIU to 0.01, as the dose calculation says it: 9000000 → "9.00 MIU"."""
    if iu is None:
        return ""
    value = (Decimal(iu) / dosing.IU_PER_MIU).quantize(Decimal("0.01"))
    return str(dosing.Quantity(value, "MIU"))

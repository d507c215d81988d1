"""Display formatting for templates: units, ages and zones."""

from decimal import Decimal

from django import template
from django.utils import timezone

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

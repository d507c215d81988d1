"""Display formatting for laboratory results: values, ranges and flags in words."""

from django import template

from tracker.observations import lab

register = template.Library()

# The flag is always written out; the badge's colour and arrow only repeat it.
FLAG_BADGES = {
    lab.Flag.LOW: ("text-bg-warning", "↓ Low"),
    lab.Flag.NORMAL: ("text-bg-success", "Normal"),
    lab.Flag.HIGH: ("text-bg-danger", "↑ High"),
}


@register.filter
def lab_number(value) -> str:
    """A stored value without trailing zeros: 1.200 → "1.2"."""
    return lab.format_number(None if value == "" else value)


@register.filter
def lab_range(result) -> str:
    """The lab's range as printed on the report, with its unit: "0.6–1.3 mg/dL", "≤ 40 U/L"."""
    low, high = lab_number(result.range_low), lab_number(result.range_high)
    if low and high:
        shown = f"{low}–{high}"
    elif low:
        shown = f"≥ {low}"
    elif high:
        shown = f"≤ {high}"
    else:
        return "No range"
    return f"{shown} {result.unit_label}"


@register.filter
def lab_other_units(result) -> str:
    """The result in the test's other units: "106 µmol/L"; "" for a test with one unit."""
    return "; ".join(f"{value} {label}" for value, label in result.other_units())


@register.filter
def lab_flag_class(flag) -> str:
    return FLAG_BADGES.get(flag, ("text-bg-secondary", ""))[0]


@register.filter
def lab_flag_words(flag) -> str:
    return FLAG_BADGES.get(flag, ("", str(flag).capitalize()))[1]

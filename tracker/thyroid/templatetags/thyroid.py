"""Display formatting for thyroid results: values, ranges, flags and due checks."""

from django import template

from tracker.thyroid import lab

register = template.Library()

# The flag is always written in the badge too; colour and arrow only repeat it.
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
def result_value(result) -> str:
    """The result as the lab wrote it: "2.1", or "<0.01" below the assay's limit."""
    return result.shown_value


@register.filter
def in_other_unit(result) -> str:
    """Free T4 or T3 in the other unit, to 2 places: "15.44 pmol/L"; "" for single-unit tests."""
    other = lab.in_other_unit(result.value, result.test, result.unit)
    return f"{result.qualifier}{other[0]} {other[1]}" if other else ""


@register.filter
def lab_range(result) -> str:
    """The lab's range as printed on the report: "0.4–4.5", "≤ 34", or "—"."""
    low, high = lab_number(result.range_low), lab_number(result.range_high)
    if low and high:
        return f"{low}–{high}"
    if low:
        return f"≥ {low}"
    if high:
        return f"≤ {high}"
    return "—"


@register.filter
def entered_in_error(result) -> bool:
    return not result.is_active


@register.filter
def flag_class(flag) -> str:
    return FLAG_BADGES.get(flag, ("text-bg-secondary", ""))[0]


@register.filter
def flag_words(flag) -> str:
    return FLAG_BADGES.get(flag, ("", str(flag).capitalize()))[1]


@register.filter
def due_state(due, today) -> str:
    """ "met", "overdue", "due today" or "to come" for a TSH check, on the patient's date."""
    if due.met_on:
        return "met"
    if due.is_overdue(today):
        return "overdue"
    return "due today" if due.on == today else "to come"

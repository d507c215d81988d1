"""Display formatting for the staff side of side effects: answers with scores, grades, cells."""

from django import template

from tracker.symptoms.timeline import PRO, REVIEWED

register = template.Library()

MARKS = {REVIEWED: "R", PRO: "PRO"}


@register.filter
def answers_scored(report) -> str:
    """The patient's answers in words with their score: "Frequency: Frequently (3); Severity: Mild (1)".

    A temperature the patient measured follows them: "Presence: Yes (1); Temperature: 38.6 °C".
    """
    parts = [
        f"{attribute.label}: {words} ({value})" for attribute, value, words in report.answers()
    ]
    if report.temperature_c is not None:
        parts.append(f"Temperature: {report.temperature_text}")
    return "; ".join(parts)


@register.filter
def grade_words(grade) -> str:
    """A reviewed grade as a clinician says it: 0 is "not an adverse event"."""
    if grade is None:
        return "Not reviewed"
    return "Grade 0: not an adverse event" if grade == 0 else f"Grade {grade}"


@register.filter
def level_class(cell) -> str:
    """CSS classes of a timeline cell: its level's shade and pattern, and its source."""
    if cell is None:
        return "tl-empty"
    return f"tl-level-{cell.level} tl-source-{cell.source}"


@register.filter
def source_mark(cell) -> str:
    """The printed mark beside the number: none for a staff grade, R for reviewed, PRO."""
    return MARKS.get(cell.source, "") if cell else ""


@register.filter
def question_for(symptom, attribute) -> str:
    """The PRO-CTCAE question the patient answered: {{ report.symptom|question_for:attribute }}."""
    return symptom.question(attribute)

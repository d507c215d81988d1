"""Display formatting for side-effect reports: questions, answer buttons, answers in words."""

from django import template

from tracker.symptoms.forms import patient as forms
from tracker.symptoms.models import Attribute

register = template.Library()

# The report field each attribute is kept in: presence is kept in `present`.
FIELDS = {Attribute.PRESENCE: "present"}


@register.filter
def question(symptom, attribute) -> str:
    """The PRO-CTCAE question: {{ symptom|question:attribute }}."""
    return symptom.question(Attribute(attribute))


@register.simple_tag
def answer_choices(symptom, attribute) -> list[tuple[str, str]]:
    """The answer buttons of one question: {% answer_choices symptom attribute as choices %}."""
    return forms.answer_choices(symptom, Attribute(attribute))


@register.simple_tag
def report_answers(report) -> list[tuple[Attribute, int, str]]:
    """(attribute, value, words) of each answer: {% report_answers report as answers %}."""
    return report.answers()


@register.filter
def answers_in_words(report) -> str:
    """A report's answers, short: "Occasionally · Moderate · A little bit" (and "38.6 °C")."""
    words = [words for _, _, words in report_answers(report)]
    if report.temperature_c is not None:
        words.append(report.temperature_text)
    return " · ".join(words)

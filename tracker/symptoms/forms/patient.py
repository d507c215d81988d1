"""Forms for side-effect reports: they clean input and convert the clock, nothing else.

The rules about what may be saved live in tracker.symptoms.reporting; a refusal
from there is shown on the form as a non-field error.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils import dateformat

from regimens.models import Dose
from tracker.lib.forms import REASON_LENGTH, SafeInputMixin
from tracker.symptoms.forms.onset import AUTO, NO_DOSE, OnsetAndDoseForm
from tracker.symptoms.models import SCALES, TEMPERATURE_RANGE_C, Attribute

# A report's first answer starts at 1: a patient reporting a symptom has it, so
# "Never" or "None" as the first answer would report nothing.  Later questions
# offer the whole 0–4 scale (it can be frequent but mild, or not interfere at all).
FIRST_ANSWERS = range(1, 5)
LATER_ANSWERS = range(0, 5)
PRESENT = "yes"
PRESENT_WORDS = "Yes, I have this"

# The temperature screen posts this, so the answers that led to it are not asked again.
TEMPERATURE_STEP = "temperature_step"
WITHOUT_TEMPERATURE = "without_temperature"
CELSIUS, FAHRENHEIT = "C", "F"
TENTH = Decimal("0.1")


def celsius(value: Decimal, unit: str) -> Decimal:
    """A thermometer reading in °C, to a tenth of a degree."""
    if unit == FAHRENHEIT:
        value = (value - 32) * 5 / 9
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def fahrenheit(value_c: Decimal) -> Decimal:
    return (value_c * 9 / 5 + 32).quantize(TENTH, rounding=ROUND_HALF_UP)


LOW_C, HIGH_C = TEMPERATURE_RANGE_C
TEMPERATURE_RANGE_WORDS = (
    f"between {LOW_C} and {HIGH_C} °C ({fahrenheit(LOW_C)} and {fahrenheit(HIGH_C)} °F)"
)

# The patient may link a report to any of their doses planned this long ago.
DOSE_WINDOW = timedelta(days=14)


def answer_choices(symptom, attribute) -> list[tuple[str, str]]:
    """The buttons for one question: (value posted, words shown)."""
    if attribute == Attribute.PRESENCE:
        return [(PRESENT, PRESENT_WORDS)]
    first = attribute == symptom.attributes()[0]
    return [
        (str(value), SCALES[attribute][value])
        for value in (FIRST_ANSWERS if first else LATER_ANSWERS)
    ]


def _present(value) -> bool:
    return value == PRESENT


class PatientAnswersForm(SafeInputMixin, forms.Form):
    """The answers given so far to one symptom's questions.

    Each question screen posts every earlier answer again in hidden fields, so
    nothing is stored until the last answer.  Answers come in the item's order:
    a gap, or a value not on the buttons, means the form was altered.

    PRO-CTCAE branching (frequency "Never" scores the rest 0) cannot arise on
    these screens: an item that asks frequency asks it first, and the first
    answer starts at 1.  reporting.clean_answers still scores it for any caller.
    """

    def __init__(self, *args, symptom, **kwargs):
        super().__init__(*args, **kwargs)
        self.symptom = symptom
        self.attributes = symptom.attributes()
        if symptom.asks_temperature:
            self.fields["temperature"] = forms.CharField(
                label="Your temperature", required=False, max_length=10
            )
            self.fields["unit"] = forms.ChoiceField(
                choices=[(CELSIUS, "°C"), (FAHRENHEIT, "°F")], required=False
            )
        for attribute in self.attributes:
            question = symptom.question(attribute)
            self.fields[attribute.value] = forms.TypedChoiceField(
                label=question,
                choices=answer_choices(symptom, attribute),
                coerce=_present if attribute == Attribute.PRESENCE else int,
                empty_value=None,
                required=False,
                error_messages={
                    "invalid_choice": (
                        f"That is not one of the answers to “{question.replace('%', '%%')}”."
                    )
                },
            )

    def clean_temperature(self):
        """The reading in °C, or None when none was given; a °F reading is converted."""
        text = self.cleaned_data["temperature"].strip().replace(",", ".")
        if not text or WITHOUT_TEMPERATURE in self.data:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise forms.ValidationError(
                f"Enter your temperature as a number, {TEMPERATURE_RANGE_WORDS}."
            )
        value_c = celsius(value, self.data.get("unit") or CELSIUS)
        if not LOW_C <= value_c <= HIGH_C:
            raise forms.ValidationError(
                f"That is not a temperature a thermometer would show. Enter one "
                f"{TEMPERATURE_RANGE_WORDS}, or save without a temperature."
            )
        return value_c

    def clean(self):
        data = super().clean()
        if any(a.value in self.errors for a in self.attributes):
            return data
        answered = [a for a in self.attributes if data.get(a.value) is not None]
        if not answered:
            raise forms.ValidationError("No answer was chosen. Tap one of the answers.")
        if answered != self.attributes[: len(answered)]:
            raise forms.ValidationError("An earlier answer is missing.")
        return data

    def asks_temperature_next(self) -> bool:
        """Every answer is in and the item takes a temperature not yet asked for."""
        return self.symptom.asks_temperature and TEMPERATURE_STEP not in self.data

    def only_the_temperature_is_wrong(self) -> bool:
        return set(self.errors) == {"temperature"}

    def temperature_c(self) -> Decimal | None:
        return self.cleaned_data.get("temperature")

    def next_question(self) -> Attribute | None:
        """The attribute to ask next, or None once every question is answered."""
        for attribute in self.attributes:
            if self.cleaned_data.get(attribute.value) is None:
                return attribute
        return None

    def answers(self) -> dict:
        """The answers so far, keyed as tracker.symptoms.reporting.report_symptom takes them."""
        return {
            a.value: self.cleaned_data[a.value]
            for a in self.attributes
            if self.cleaned_data.get(a.value) is not None
        }

    def earlier(self) -> list[dict]:
        """Each answer so far: to post again in a hidden field and to show in words."""
        rows = []
        for attribute, value in self.answers().items():
            attribute = Attribute(attribute)
            if attribute == Attribute.PRESENCE:
                posted, words = PRESENT, PRESENT_WORDS
            else:
                posted, words = str(value), SCALES[attribute][value]
            rows.append(
                {
                    "name": attribute.value,
                    "value": posted,
                    "question": self.symptom.question(attribute),
                    "words": words,
                }
            )
        return rows


class PatientReportChangeForm(OnsetAndDoseForm):
    """When it started (on the patient's clock), a note, and the dose it belongs to."""

    dose = forms.ChoiceField(
        label="Dose it followed",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the doses listed here."},
    )
    note = forms.CharField(
        label="Note for your care team",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, report, now, **kwargs):
        self.report, zone = report, report.patient.zone
        onset = report.onset_at.astimezone(zone)
        if report.linked_automatically:
            dose = AUTO
        else:
            dose = str(report.dose_id) if report.dose_id else NO_DOSE
        kwargs["initial"] = {
            "onset_date": onset.date(),
            "onset_time": onset.time().replace(second=0, microsecond=0),
            "dose": dose,
            "note": report.note,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        recent = Q(planned_at__gte=now - DOSE_WINDOW, planned_at__lte=now) & ~Q(
            status=Dose.Status.CANCELLED
        )
        self.offer_doses(
            Dose.objects.for_patient(report.patient)
            .filter(recent | Q(pk=report.dose_id))
            .order_by("-planned_at"),
            zone,
        )
        self.fields["onset_time"].help_text = f"On your clock ({zone.key})."

    def dose_label(self, dose) -> str:
        when = dateformat.format(dose.planned_at.astimezone(self.zone), "D j M, H:i T")
        return f"{when} · {dose} · {dose.get_status_display().lower()}"

    def change_fields(self) -> dict:
        """The cleaned form as keyword arguments for reporting.change_report."""
        data = self.cleaned_data
        return {"onset_at": data["onset_at"], "note": data["note"], "dose": data["dose"]}


class WithdrawReportForm(SafeInputMixin, forms.Form):
    """Why the patient withdraws a report: kept with it and in its history."""

    reason = forms.CharField(
        label="Why are you withdrawing this report?",
        max_length=REASON_LENGTH,
        help_text="For example: I chose the wrong symptom, or I reported it twice.",
        error_messages={
            "required": "Say why you are withdrawing it.",
            "max_length": f"Keep the reason to {REASON_LENGTH} characters or fewer.",
        },
        widget=forms.Textarea(attrs={"rows": 2}),
    )

"""The patient's readings at home: one short form on a phone.  It cleans input only.

Temperature in °C and weight in kg, as the chart stores them: the app has no unit
helper for °F or pounds on the patient's side (tracker/lib/units.py).  Which values
may be charted is the model's to say (`VitalSigns.refusal_to_chart`, the weight's
plausible range), shown beside the field it names; the time is the operation's.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone

from tracker.lib.forms import SafeInputMixin
from tracker.lib.records import refused_on_form
from tracker.lib.widgets import TimeInput
from tracker.lib.zones import local_instant


def _number(label: str, inputmode: str, **kwargs) -> forms.Field:
    # A text box with a numeric keypad, never type="number": no spinner or scroll
    # wheel changing a value by accident.
    field_class = forms.IntegerField if inputmode == "numeric" else forms.DecimalField
    return field_class(
        label=label,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": inputmode, "autocomplete": "off", "class": "reading-input"}
        ),
        error_messages={
            "invalid": "Enter a whole number." if inputmode == "numeric" else "Enter a number.",
            "max_digits": "Enter the number as your device shows it.",
            "max_decimal_places": "Use one decimal place at most, as your device shows it.",
            "max_whole_digits": "Enter the number as your device shows it.",
        },
        **kwargs,
    )


class HomeReadingForm(SafeInputMixin, forms.Form):
    temperature_c = _number(
        "Temperature (°C)", "decimal", max_digits=4, decimal_places=1, help_text="For example 37.2"
    )
    weight_kg = _number(
        "Weight (kg)", "decimal", max_digits=5, decimal_places=1, help_text="For example 72.4"
    )
    systolic_bp = _number("Blood pressure: top number (systolic)", "numeric")
    diastolic_bp = _number("Blood pressure: bottom number (diastolic)", "numeric")
    heart_rate = _number("Pulse (beats a minute), if your cuff shows it", "numeric")
    taken_time = forms.TimeField(label="Time taken", widget=TimeInput)

    def __init__(self, *args, patient, **kwargs):
        self.zone = patient.zone
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs["initial"] = {
            "taken_time": now.time().replace(second=0, microsecond=0),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields[
            "taken_time"
        ].help_text = "Today, on your clock. Change it if you took the reading earlier."
        self.fields["taken_time"].error_messages["required"] = "Enter the time you took it."

    def clean(self):
        data = super().clean()
        clock = data.get("taken_time")
        data["taken_at"] = None
        if clock is not None:
            today = timezone.localtime(timezone.now(), self.zone).date()
            try:
                data["taken_at"] = local_instant(today, clock, self.zone)
            except forms.ValidationError as error:
                self.add_error("taken_time", error)
        return data

    def show_refusal(self, refusal) -> None:
        """Put the operation's refusal beside the field the patient filled in."""
        refusal.field = {"taken_at": "taken_time"}.get(refusal.field, refusal.field)
        refused_on_form(self, refusal)

    def values(self) -> dict:
        """The readings in the chart's units, for tracker.observations.home.record_readings."""
        data = self.cleaned_data
        values = {
            field: data.get(field)
            for field in ("systolic_bp", "diastolic_bp", "heart_rate", "temperature_c")
        }
        weight: Decimal | None = data.get("weight_kg")
        return {"taken_at": data["taken_at"], "weight_kg": weight, **values}

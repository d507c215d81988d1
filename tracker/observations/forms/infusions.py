"""Forms for infusions and events: they clean input and read the patient's clock, nothing else.

The rules (units per agent, what may change or end when) are in
tracker.observations.infusions and on the models; a refusal is shown on the form.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone

from tracker.lib.forms import SafeInputMixin
from tracker.lib.records import refused_on_form
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.observations.models.infusions import (
    RATE_DIGITS,
    RATE_PLACES,
    Agent,
    DoseUnit,
    EventKind,
)

BLANK = [("", "Choose…")]


class LocalTimeForm(SafeInputMixin, forms.Form):
    """A date and time on the patient's clock, "now" by default, cleaned into `field`."""

    field = "taken_at"
    date_label, time_label = "Date", "Time"

    date = forms.DateField(widget=DateInput)
    time = forms.TimeField(widget=TimeInput)

    def __init__(self, *args, patient, **kwargs):
        self.zone = patient.zone
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs["initial"] = {
            "date": now.date(),
            "time": now.time().replace(second=0, microsecond=0),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["date"].label = self.date_label
        self.fields["time"].label = self.time_label
        self.fields["time"].help_text = f"On the patient's clock ({self.zone.key})."
        self.fields["date"].error_messages["required"] = "Enter the date."
        self.fields["time"].error_messages["required"] = "Enter the time."

    def clean(self):
        data = super().clean()
        day, clock = data.get("date"), data.get("time")
        if day is not None and clock is not None:
            try:
                data[self.field] = local_instant(day, clock, self.zone)
            except forms.ValidationError as error:
                self.add_error("time", error)
        return data

    def refuse(self, refusal) -> None:
        """Show an operation's refusal; one about the instant goes beside the time."""
        if refusal.field == self.field:
            self.add_error("time", refusal.message)
        else:
            refused_on_form(self, refusal)


def rate_field(label="Rate"):
    field = forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        error_messages={
            "required": "Enter the rate.",
            "min_value": "Enter the rate: 0 or more.",
            "invalid": "Enter the rate as a number, such as 0.05.",
            "max_digits": "Check the rate: it is too large.",
            "max_decimal_places": f"Enter the rate to at most {RATE_PLACES} decimal places.",
            "max_whole_digits": "Check the rate: it is too large.",
        },
    )
    field.widget.attrs.update(inputmode="decimal", step="any", autocomplete="off")
    return field


class StartInfusionForm(LocalTimeForm):
    date_label, time_label = "Date started", "Time started"

    agent = forms.ChoiceField(choices=BLANK + Agent.choices, label="Infusion")
    other_name = forms.CharField(max_length=80, required=False, label="Name (for “Other”)")
    dose_unit = forms.ChoiceField(
        choices=BLANK + DoseUnit.choices,
        required=False,
        label="Unit (for “Other”)",
        help_text="Named agents are charted in their own unit.",
    )
    rate = rate_field("Starting rate")
    note = forms.CharField(max_length=200, required=False)

    field_order = ["agent", "other_name", "dose_unit", "rate", "date", "time", "note"]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "agent": data["agent"],
            "other_name": data.get("other_name", ""),
            "dose_unit": data.get("dose_unit", ""),
            "rate": data["rate"],
            "started_at": data["taken_at"],
            "note": data.get("note", ""),
        }


class ChangeRateForm(LocalTimeForm):
    date_label, time_label = "Date changed", "Time changed"

    rate = rate_field("New rate")
    field_order = ["rate", "date", "time"]


class StopInfusionForm(LocalTimeForm):
    field = "stopped_at"
    date_label, time_label = "Date stopped", "Time stopped"


class StartEventForm(LocalTimeForm):
    date_label, time_label = "Date started", "Time started"

    kind = forms.ChoiceField(choices=BLANK + EventKind.choices, label="Event")
    other_name = forms.CharField(max_length=80, required=False, label="Name (for “Other”)")
    note = forms.CharField(max_length=200, required=False)

    field_order = ["kind", "other_name", "date", "time", "note"]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "other_name": data.get("other_name", ""),
            "started_at": data["taken_at"],
            "note": data.get("note", ""),
        }


class EndEventForm(LocalTimeForm):
    field = "ended_at"
    date_label, time_label = "Date ended", "Time ended"

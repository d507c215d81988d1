"""Forms for fluids and weight: they read the patient's clock and numbers, and nothing else.

What may be charted (volumes, urine periods, plausible weights, times) is decided
in tracker.observations.fluids; a refusal from there is shown beside its field.
"""

from datetime import timedelta

from django import forms
from django.utils import timezone

from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.observations.fluids import default_urine_start
from tracker.observations.models.fluids import (
    INTAKE_KINDS,
    MAX_VOLUME_ML,
    Direction,
    FluidKind,
)


def _now_on(zone):
    return timezone.localtime(timezone.now(), zone).replace(second=0, microsecond=0)


class TakenAtForm(SafeInputMixin, forms.Form):
    """A time on the patient's clock, "now" unless changed."""

    taken_date = forms.DateField(label="Date", widget=DateInput)
    taken_time = forms.TimeField(label="Time", widget=TimeInput)
    note = forms.CharField(max_length=200, required=False, label="Note")

    def __init__(self, *args, patient, **kwargs):
        self.patient, self.zone = patient, patient.zone
        now = _now_on(self.zone)
        kwargs["initial"] = {
            "taken_date": now.date(),
            "taken_time": now.time(),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["taken_time"].help_text = f"On the patient's clock ({self.zone.key})."

    def clean(self):
        data = super().clean()
        if data.get("taken_date") and data.get("taken_time"):
            try:
                data["taken_at"] = local_instant(data["taken_date"], data["taken_time"], self.zone)
            except forms.ValidationError as error:
                self.add_error("taken_time", error)
        return data


class FluidForm(TakenAtForm):
    kind = forms.ChoiceField(
        choices=FluidKind.choices,
        widget=forms.RadioSelect,
        label="What",
        error_messages={"required": "Choose what was taken in or passed."},
    )
    volume_ml = forms.IntegerField(
        label="Volume (mL)",
        min_value=0,
        # The operation refuses more than MAX_VOLUME_ML with its message; the widget
        # only stops absurd numbers reaching it.
        max_value=10 * MAX_VOLUME_ML,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        help_text="0 for urine means no urine was passed.",
    )
    since_time = forms.TimeField(
        label="Urine collected since",
        widget=TimeInput,
        required=False,
        help_text="Urine only: since the last urine entry, or an hour before, unless changed.",
    )
    field_order = ["kind", "volume_ml", "taken_date", "taken_time", "since_time", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.now()
            since = default_urine_start(self.patient, now)
            self.initial.setdefault(
                "since_time", timezone.localtime(since, self.zone).time().replace(second=0)
            )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind:
            data["direction"] = (
                Direction.INTAKE if kind in INTAKE_KINDS else Direction.OUTPUT
            ).value
        data["period_start"] = None
        if kind == FluidKind.URINE and data.get("taken_at"):
            since = data.get("since_time")
            if since is None:
                self.add_error("since_time", "Say since when the urine was collected.")
            else:
                data["period_start"] = self._period_start(since, data["taken_at"])
        return data

    def _period_start(self, since, taken_at):
        """The last time `since` showed on the patient's clock before `taken_at`."""
        day = timezone.localtime(taken_at, self.zone).date()
        try:
            start = local_instant(day, since, self.zone)
            if start >= taken_at:
                start = local_instant(day - timedelta(days=1), since, self.zone)
        except forms.ValidationError as error:
            self.add_error("since_time", error)
            return None
        return start

    def chart_fields(self) -> dict:
        """The cleaned form as keyword arguments for fluids.chart_fluid."""
        data = self.cleaned_data
        return {
            key: data[key]
            for key in ("direction", "kind", "volume_ml", "taken_at", "period_start", "note")
        }


class WeightForm(TakenAtForm):
    weight_kg = forms.DecimalField(
        label="Weight (kg)",
        max_digits=4,
        decimal_places=1,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    field_order = ["weight_kg", "taken_date", "taken_time", "note"]

    def chart_fields(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("weight_kg", "taken_at", "note")}

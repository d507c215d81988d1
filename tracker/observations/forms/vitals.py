"""The vital signs form: a quick set on a tablet.  It cleans input and converts units only.

The time taken starts at now on the patient's clock and the oxygen at room air, so
a normal full set is the numbers, the rhythm and the neuro check.  The rhythm
starts "not recorded", never sinus: a rhythm nobody looked at must not read as
one without AF (the label's withhold row).
The rules about what a set may hold are the model's (`VitalSigns.refusal_to_chart`),
shown beside the field they name.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils import timezone

from tracker.lib.forms import SafeInputMixin
from tracker.lib.records import refused_on_form
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.observations.models.vitals import (
    CognitiveTest,
    OxygenDevice,
    Rhythm,
    Sedation,
    VitalSigns,
)

CELSIUS, FAHRENHEIT = "C", "F"
NOT_RECORDED = ""


def whole_number(label: str) -> forms.IntegerField:
    # A text box, not type="number": a tablet's numeric pad, and no spinner or scroll-wheel
    # changing a value by accident.  The range is the model's, refused with its message.
    return forms.IntegerField(
        label=label,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
        ),
        error_messages={"invalid": "Enter a whole number."},
    )


def decimal_number(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter a number."},
        **kwargs,
    )


def buttons(choices, label: str, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices, widget=forms.RadioSelect, label=label, required=False, **kwargs
    )


class VitalSignsForm(SafeInputMixin, forms.Form):
    taken_date = forms.DateField(label="Date taken", widget=DateInput, required=False)
    taken_time = forms.TimeField(label="Time taken", widget=TimeInput, required=False)
    systolic_bp = whole_number("Systolic BP (mmHg)")
    diastolic_bp = whole_number("Diastolic BP (mmHg)")
    heart_rate = whole_number("Heart rate (/min)")
    rhythm = buttons(
        [*Rhythm.choices, (NOT_RECORDED, "Not recorded")], "Rhythm", initial=NOT_RECORDED
    )
    respiratory_rate = whole_number("Respiratory rate (/min)")
    spo2 = whole_number("SpO₂ (%)")
    oxygen_device = buttons(OxygenDevice.choices, "Oxygen device", initial=OxygenDevice.ROOM_AIR)
    oxygen_flow_l_min = decimal_number(
        "Oxygen flow (L/min)",
        max_digits=3,
        decimal_places=1,
        help_text="Empty on room air.",
    )
    temperature = decimal_number("Temperature", max_digits=4, decimal_places=1)
    temperature_unit = buttons([(CELSIUS, "°C"), (FAHRENHEIT, "°F")], "Unit", initial=CELSIUS)
    alert_oriented = buttons(
        [("yes", "Yes"), ("no", "No"), (NOT_RECORDED, "Not assessed")], "Alert and oriented"
    )
    cognitive_test = buttons(
        CognitiveTest.choices,
        "Serial sevens or WORLD backwards",
        initial=CognitiveTest.NOT_DONE,
    )
    sedation = buttons([*Sedation.choices, (NOT_RECORDED, "Not assessed")], "Sedation")
    note = forms.CharField(
        max_length=VitalSigns._meta.get_field("note").max_length,
        required=False,
        label="Note",
        help_text="Needed for another rhythm: say which.",
    )

    def __init__(self, *args, patient, **kwargs):
        self.zone = patient.zone
        # The set starts with the pressure: the tablet opens its keypad there, one tap fewer.
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs["initial"] = {
            "taken_date": now.date(),
            "taken_time": now.time().replace(second=0, microsecond=0),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["systolic_bp"].widget.attrs["autofocus"] = True
        self.fields[
            "taken_time"
        ].help_text = f"On the patient's clock ({self.zone.key}). Change it if taken earlier."

    def clean(self):
        data = super().clean()
        self._clean_taken_at(data)
        temperature = data.get("temperature")
        data["temperature_c"] = None
        if temperature is not None:
            if data.get("temperature_unit") == FAHRENHEIT:
                temperature = (temperature - 32) * 5 / 9
            data["temperature_c"] = temperature.quantize(Decimal("0.1"), ROUND_HALF_UP)
        # The default stands only with the measure it describes: a set of BP only was
        # not on room air.  A device chosen on purpose is kept, and the model asks for
        # its measure.
        if (
            data.get("spo2") is None
            and data.get("oxygen_device") == OxygenDevice.ROOM_AIR
            and data.get("oxygen_flow_l_min") is None
        ):
            data["oxygen_device"] = ""
        return data

    def _clean_taken_at(self, data):
        """The local date and time taken as an instant; both empty means now."""
        day, clock = data.get("taken_date"), data.get("taken_time")
        data["taken_at"] = None
        if day is None and clock is None:
            if not {"taken_date", "taken_time"} & set(self.errors):
                data["taken_at"] = timezone.now()
            return
        if day is None or clock is None:
            if not {"taken_date", "taken_time"} & set(self.errors):
                self.add_error("taken_time", "Enter both the date and the time taken.")
            return
        try:
            data["taken_at"] = local_instant(day, clock, self.zone)
        except forms.ValidationError as error:
            self.add_error("taken_time", error)

    # The model's names for what this form asks in other words.
    FIELD_OF = {"taken_at": "taken_time", "temperature_c": "temperature"}

    def show_refusal(self, refusal) -> None:
        """Put the operation's refusal beside the field the nurse filled in."""
        refusal.field = self.FIELD_OF.get(refusal.field, refusal.field)
        refused_on_form(self, refusal)

    def values(self) -> dict:
        """The set in the model's units, for tracker.observations.vitals.chart_vitals."""
        data = self.cleaned_data
        return {
            "taken_at": data["taken_at"],
            "systolic_bp": data.get("systolic_bp"),
            "diastolic_bp": data.get("diastolic_bp"),
            "heart_rate": data.get("heart_rate"),
            "rhythm": data.get("rhythm") or "",
            "respiratory_rate": data.get("respiratory_rate"),
            "spo2": data.get("spo2"),
            "oxygen_device": data.get("oxygen_device") or "",
            "oxygen_flow_l_min": data.get("oxygen_flow_l_min"),
            "temperature_c": data.get("temperature_c"),
            "alert_oriented": {"yes": True, "no": False}.get(data.get("alert_oriented")),
            "cognitive_test": data.get("cognitive_test") or CognitiveTest.NOT_DONE,
            "sedation": data.get("sedation") or "",
            "note": data.get("note", ""),
        }

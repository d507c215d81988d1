"""The form for a thyroid result: it cleans input and checks the unit fits the test.

Defaults, flags and refusals (a future time, another patient's course) live in
tracker.thyroid.recording; a refusal from there is shown as a non-field error.
"""

from django import forms
from django.utils import timezone

from regimens.models import Course
from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.thyroid import lab
from tracker.thyroid.models import ThyroidResult


def usual_ranges() -> list[tuple[str, str, str]]:
    """(test, unit, "low–high") for every test and unit, as the form's help shows them."""
    return [
        (
            spec.name,
            unit.label,
            "–".join(lab.format_number(limit) for limit in unit.default_range),
        )
        for spec in lab.TESTS.values()
        for unit in spec.units.values()
        if unit.default_range
    ]


# Each unit once, in the order the tests list them (pmol/L serves free T4 and free T3).
UNITS = list(dict.fromkeys(code for spec in lab.TESTS.values() for code in spec.units))
UNITS_HELP = "; ".join(f"{spec.name}: {' or '.join(spec.units)}" for spec in lab.TESTS.values())
DECIMAL = {"max_digits": 10, "decimal_places": 3, "min_value": 0}


class ResultForm(SafeInputMixin, forms.Form):
    test = forms.ChoiceField(choices=ThyroidResult.TestName.choices)
    value = forms.CharField(
        label="Result",
        max_length=20,
        help_text='A result beyond the assay\'s limit as the lab writes it: "<0.01".',
    )
    unit = forms.ChoiceField(choices=[(u, u) for u in UNITS], help_text=UNITS_HELP + ".")
    range_low = forms.DecimalField(label="Lab's lower limit", required=False, **DECIMAL)
    range_high = forms.DecimalField(label="Lab's upper limit", required=False, **DECIMAL)
    collected_date = forms.DateField(label="Date collected", widget=DateInput)
    collected_time = forms.TimeField(label="Time collected", widget=TimeInput)
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        required=False,
        empty_label="Not linked to a course",
        label="Course",
    )
    note = forms.CharField(max_length=200, required=False, label="Note")

    def __init__(self, *args, patient, **kwargs):
        self.patient, self.zone = patient, patient.zone
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs["initial"] = {
            "test": lab.Test.TSH.value,
            "unit": lab.TESTS[lab.Test.TSH].canonical,
            "collected_date": now.date(),
            "collected_time": now.time().replace(second=0, microsecond=0),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        # Only this patient's courses are offered; a cancelled one never happened.
        self.fields["course"].queryset = (
            Course.objects.for_patient(patient)
            .exclude(status=Course.Status.CANCELLED)
            .select_related("template")
        )
        self.fields["course"].label_from_instance = lambda course: (
            f"{course.template} from {course.start_date:%d %b %Y}"
        )
        self.fields["collected_time"].help_text = f"On the patient's clock ({self.zone.key})."
        self._show_usual_range()

    def _show_usual_range(self):
        """The range an empty pair of limits will take, as placeholders, once test and unit are known."""
        source = self.data if self.is_bound else self.initial
        try:
            default = lab.unit_of(source.get("test"), source.get("unit")).default_range
        except lab.LabError:
            default = None
        help_text = "Leave both limits empty to use the usual range for the test and unit."
        if default:
            low, high = (lab.format_number(limit) for limit in default)
            self.fields["range_low"].widget.attrs["placeholder"] = low
            self.fields["range_high"].widget.attrs["placeholder"] = high
            help_text = (
                f"Leave both empty to use the usual range, {low}–{high} {source.get('unit')}."
            )
        self.fields["range_high"].help_text = help_text

    def clean_value(self) -> tuple[str, object]:
        """(qualifier, number): "<0.01" → ("<", Decimal("0.01")), checked as a number field would."""
        qualifier, number = lab.parse_result(self.cleaned_data["value"])
        return qualifier, forms.DecimalField(**DECIMAL).clean(number)

    def clean(self):
        data = super().clean()
        test, unit = data.get("test"), data.get("unit")
        if test and unit:
            try:
                lab.unit_of(test, unit)
            except lab.LabError as error:
                self.add_error("unit", str(error))
        low, high = data.get("range_low"), data.get("range_high")
        if low is not None and high is not None and low > high:
            self.add_error("range_high", "The upper limit is below the lower limit.")
        if data.get("collected_date") and data.get("collected_time"):
            try:
                data["collected_at"] = local_instant(
                    data["collected_date"], data["collected_time"], self.zone
                )
            except forms.ValidationError as error:
                self.add_error("collected_time", error)
        return data

    def result_fields(self) -> dict:
        """The cleaned form as keyword arguments for tracker.thyroid.recording.record_result."""
        data = self.cleaned_data
        return {
            "test": data["test"],
            "qualifier": data["value"][0],
            "value": data["value"][1],
            "unit": data["unit"],
            "range_low": data.get("range_low"),
            "range_high": data.get("range_high"),
            "collected_at": data["collected_at"],
            "course": data.get("course"),
            "note": data.get("note", "").strip(),
        }

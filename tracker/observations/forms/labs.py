"""The laboratory results form: the results of one sample, a row per test.

It cleans input only: the time on the patient's clock, "<0.01" read as a qualifier
and a number, blank rows skipped.  What may be charted (units, plausible values,
ranges) is decided in tracker.observations.labs, whose refusals name the row's field.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.forms import BoundField

from tracker.lib.records import refused_on_form
from tracker.observations import lab
from tracker.observations.forms.fluids import TakenAtForm
from tracker.observations.models.labs import LabResult

# The form's sections, as a ward reads a results sheet.
SECTIONS = (
    (
        "Kidneys and salts",
        (
            lab.LabTest.CREATININE,
            lab.LabTest.UREA,
            lab.LabTest.POTASSIUM,
            lab.LabTest.MAGNESIUM,
            lab.LabTest.CALCIUM,
            lab.LabTest.PHOSPHATE,
            lab.LabTest.BICARBONATE,
        ),
    ),
    ("Liver", (lab.LabTest.BILIRUBIN, lab.LabTest.AST, lab.LabTest.ALT)),
    ("Muscle and heart", (lab.LabTest.CK, lab.LabTest.TROPONIN)),
    (
        "Blood count",
        (
            lab.LabTest.HAEMOGLOBIN,
            lab.LabTest.WHITE_CELLS,
            lab.LabTest.NEUTROPHILS,
            lab.LabTest.PLATELETS,
        ),
    ),
)

ROW_FIELDS = ("value", "unit", "range_low", "range_high")


def _number_box(label: str) -> forms.CharField:
    # A text box, not type="number": a tablet's decimal pad, and no scroll wheel
    # changing a result by accident.
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


@dataclass(frozen=True)
class Row:
    """One test's fields on the form."""

    test: str
    name: str
    value: BoundField
    unit: BoundField
    range_low: BoundField
    range_high: BoundField

    @property
    def errors(self) -> list[str]:
        return [
            error
            for field in (self.value, self.unit, self.range_low, self.range_high)
            for error in field.errors
        ]


class LabPanelForm(TakenAtForm):
    """When the sample was taken, then each test's result, unit and (optional) lab range."""

    def __init__(self, *args, units: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taken_date"].label = "Date the sample was taken"
        self.fields["taken_time"].label = "Time the sample was taken"
        self.fields["taken_time"].help_text = (
            f"On the patient's clock ({self.zone.key}): when the blood was taken, not when "
            "the results came back."
        )
        self.fields["note"].help_text = "Kept with every result of the sample."
        units = units or {}
        for test, spec in lab.LAB_TESTS.items():
            name = LabResult.Test(test).label
            self.fields[f"{test}_value"] = _number_box(f"{name} result")
            self.fields[f"{test}_value"].help_text = 'As the lab wrote it: "2.1", or "<0.01".'
            self.fields[f"{test}_unit"] = forms.ChoiceField(
                label=f"{name} unit",
                choices=[(code, unit.label) for code, unit in spec.units.items()],
                initial=units.get(test, spec.canonical),
                required=False,
            )
            self.fields[f"{test}_range_low"] = _number_box(f"{name}: the lab's lower limit")
            self.fields[f"{test}_range_high"] = _number_box(f"{name}: the lab's upper limit")

    def sections(self) -> list[tuple[str, list[Row]]]:
        return [(title, [self.row(test) for test in tests]) for title, tests in SECTIONS]

    def row(self, test) -> Row:
        return Row(
            test=str(test),
            name=LabResult.Test(test).label,
            **{name: self[f"{test}_{name}"] for name in ROW_FIELDS},
        )

    def clean(self):
        data = super().clean()
        results = []
        for test in lab.LAB_TESTS:
            result = self._clean_row(test, data)
            if result:
                results.append(result)
        data["results"] = results
        if not results and not self.errors:
            raise forms.ValidationError("Enter at least one result.")
        return data

    def _clean_row(self, test, data) -> dict | None:
        """The row as the operation takes it, or None if it was left blank."""
        text = (data.get(f"{test}_value") or "").strip()
        limits = {
            side: self._clean_limit(test, side, data) for side in ("range_low", "range_high")
        }
        if not text:
            if any(raw for raw in (data.get(f"{test}_{side}") for side in limits)):
                self.add_error(f"{test}_value", "Enter the result, or clear the range.")
            return None
        qualifier, number = lab.parse_result(text)
        try:
            value = Decimal(number)
        except InvalidOperation:
            self.add_error(
                f"{test}_value", 'Enter a number, or "<" or ">" and a number, as in "<0.01".'
            )
            return None
        return {
            "test": test,
            "value": value,
            "qualifier": qualifier,
            "unit": data.get(f"{test}_unit") or lab.LAB_TESTS[test].canonical,
            **limits,
        }

    def _clean_limit(self, test, side: str, data) -> Decimal | None:
        text = (data.get(f"{test}_{side}") or "").strip()
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            self.add_error(f"{test}_{side}", "Enter a number.")
            return None

    # The model's names for what this form asks in other words.
    FIELD_OF = {"taken_at": "taken_time"}

    def show_refusal(self, refusal) -> None:
        """Put each of the operation's refusals beside the field the nurse filled in."""
        for each in getattr(refusal, "refusals", [refusal]):
            each.field = self.FIELD_OF.get(each.field, each.field)
            refused_on_form(self, each)

    def values(self) -> dict:
        """The panel for tracker.observations.labs.chart_panel."""
        data = self.cleaned_data
        return {
            "taken_at": data["taken_at"],
            "results": data["results"],
            "note": data.get("note", ""),
        }

import json
from datetime import date, datetime

from django import forms

from regimens.models import Course, CycleEnd, RegimenTemplate
from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import all_zones, zone_choices, zone_in_words
from tracker.patients.forms import Confirmations, confirm_body_size_field
from tracker.patients.models import (
    MAX_HEIGHT_CM,
    MAX_WEIGHT_KG,
    MIN_HEIGHT_CM,
    MIN_WEIGHT_KG,
    RetreatmentContraindication,
)

# Wide enough for any real course, recorded late or planned early; far from the
# ends of the calendar, where zone arithmetic overflows.
FIRST_START, LAST_START = date(2000, 1, 1), date(2099, 12, 31)


class StartFields(SafeInputMixin, forms.Form):
    start_date = forms.DateField(widget=DateInput, help_text="Local date of the first dose.")
    start_time = forms.TimeField(widget=TimeInput, help_text="Local time of the first dose.")

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        if not FIRST_START <= value <= LAST_START:
            raise forms.ValidationError(
                f"Choose a date between {FIRST_START:%Y} and {LAST_START:%Y}."
            )
        return value

    def start(self) -> datetime:
        return datetime.combine(self.cleaned_data["start_date"], self.cleaned_data["start_time"])


class CourseForm(Confirmations, StartFields):
    template = forms.ModelChoiceField(
        label="Regimen", queryset=RegimenTemplate.objects.filter(is_active=True)
    )
    field_order = ["template", "start_date", "start_time"]
    time_zone = forms.ChoiceField(help_text="Dose times are planned on this zone's clock.")
    cycles = forms.IntegerField(
        min_value=1,
        max_value=52,
        required=False,
        help_text="Empty: the regimen's usual number of cycles.",
    )
    start_time = forms.TimeField(
        widget=TimeInput,
        required=False,
        help_text="Local time of the first dose. Empty: the regimen's usual time.",
    )
    treatment_days = forms.IntegerField(
        label="Days of treatment",
        min_value=1,
        max_value=366,
        required=False,
        help_text="Only for regimens whose length is chosen per course.",
    )
    # Outside the plausible adult range (tracker.patients.measures) the weight or height
    # is refused by regimens.courses.check_body_size, with a message saying so.
    weight_kg = forms.DecimalField(
        label="Dosing weight (kg)",
        min_value=MIN_WEIGHT_KG,
        max_value=MAX_WEIGHT_KG,
        max_digits=4,
        decimal_places=1,
        help_text="The weight the dose is calculated on.",
    )
    weight_basis = forms.ChoiceField(
        label="Dosing weight basis",
        choices=Course.WeightBasis.choices,
        initial=Course.WeightBasis.ACTUAL,
    )
    weight_measured_on = forms.DateField(
        label="Dosing weight measured on",
        widget=DateInput,
        help_text="The date of the weighing (for ideal or adjusted weight: of the weight used).",
    )
    baseline_weight_kg = forms.DecimalField(
        label="Admission weight (kg)",
        min_value=MIN_WEIGHT_KG,
        max_value=MAX_WEIGHT_KG,
        max_digits=4,
        decimal_places=1,
        required=False,
        help_text="Baseline for weight gain during the course. Empty: the dosing weight.",
    )
    baseline_weight_on = forms.DateField(
        label="Admission weight measured on",
        widget=DateInput,
        required=False,
        help_text="Empty: the date of the dosing weight.",
    )
    height_cm = forms.DecimalField(
        label="Height used (cm)",
        min_value=MIN_HEIGHT_CM,
        max_value=MAX_HEIGHT_CM,
        max_digits=4,
        decimal_places=1,
    )
    confirm_body_size = confirm_body_size_field()
    confirm_dose_change = forms.BooleanField(
        required=False, label="The weight is right, though the dose differs from the last course"
    )
    confirmations = ("confirm_body_size", "confirm_dose_change")
    override_reason = forms.CharField(
        label="Reason to start sooner than the retreatment gap",
        max_length=150,
        required=False,
        help_text="Only when this course starts within 7 weeks of the last high-dose discharge.",
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self._hide_confirmations()
        self.initial.setdefault("time_zone", patient.time_zone)
        templates = self.fields["template"].queryset
        # For static/js/course-defaults.js, which fills these in when the regimen changes.
        self.fields["template"].widget.attrs["data-defaults"] = json.dumps(
            {str(t.pk): self.defaults_of(t, as_text=True) for t in templates}
        )
        field = self.fields["time_zone"]
        field.choices = zone_choices(first=patient.time_zone)
        field.help_text = f"Dose times are planned with times in {self.zone_in_words()}."

    @staticmethod
    def defaults_of(template: RegimenTemplate, as_text: bool = False) -> dict:
        """What a course of `template` starts with unless the clinician says otherwise."""
        start_time = template.dose_time
        return {
            "cycles": template.default_cycles,
            "start_time": f"{start_time:%H:%M}" if as_text else start_time,
        }

    def zone_in_words(self) -> str:
        """The zone the plan uses, as people say it: the one chosen, else the patient's."""
        # From the raw input: a bound field made here would keep the help text it had.
        chosen = (
            self.data.get(self.add_prefix("time_zone"))
            if self.is_bound
            else self.initial.get("time_zone")
        )
        return zone_in_words(chosen if chosen in all_zones() else self.patient.time_zone)

    def clean(self):
        # Whether the choices make a course for this patient is the operation's to say
        # (regimens.courses.preview_course and start_refusals); the view shows its refusals.
        data = super().clean()
        template = data.get("template")
        if template is not None and not self.errors:
            self._fill_defaults(template, data)
        return data

    def confirmed(self) -> set[str]:
        """The checks the clinician has ticked, by their names in regimens.courses."""
        return {
            name.removeprefix("confirm_") for name in self.confirmations if self.cleaned_data[name]
        }

    def _fill_defaults(self, template, data):
        """Empty cycles and time take the regimen's; the page then shows what was used."""
        empty = {
            name: value
            for name, value in self.defaults_of(template).items()
            if data.get(name) is None
        }
        if not empty:
            return
        data.update(empty)
        self.data = self.data.copy()
        for name, value in self.defaults_of(template, as_text=True).items():
            if name in empty:
                self.data[self.add_prefix(name)] = str(value)

    def choices(self) -> dict:
        data = self.cleaned_data
        return {
            "template": data["template"],
            "start": self.start(),
            "time_zone": data["time_zone"],
            "cycles": data["cycles"],
            "treatment_days": data.get("treatment_days"),
            "weight_kg": data["weight_kg"],
            "weight_basis": data["weight_basis"],
            "weight_measured_on": data["weight_measured_on"],
            "baseline_weight_kg": data.get("baseline_weight_kg"),
            "baseline_weight_on": data.get("baseline_weight_on"),
            "height_cm": data["height_cm"],
        }


class MoveStartForm(StartFields):
    reason = forms.CharField(max_length=200, help_text="Kept in the course history.")


class DelayForm(StartFields):
    """The new time of the next dose; the doses after it follow (regimens.courses)."""

    reason = forms.CharField(max_length=200, help_text="Kept in the history of each dose.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].label = "Date of the next dose"
        self.fields["start_date"].help_text = "Local date, on the course's clock."
        self.fields["start_time"].label = "Time of the next dose"
        self.fields["start_time"].help_text = "The doses after it keep the regimen's spacing."


class CancelCourseForm(SafeInputMixin, forms.Form):
    reason = forms.CharField(max_length=200, help_text="Kept in the course history.")


def discontinue_choices():
    """The label's criteria to stop permanently in their own group, then the other reasons."""
    criteria = set(RetreatmentContraindication.Criterion.values)
    offered = [c for c in Course.DiscontinueReason if c != Course.DiscontinueReason.TOXICITY]
    return [
        ("", "Choose a reason…"),
        (
            "Label criterion to stop permanently: retreatment contraindicated",
            [(c.value, c.label) for c in offered if c in criteria],
        ),
        ("Other reasons", [(c.value, c.label) for c in offered if c not in criteria]),
    ]


class DiscontinueCourseForm(SafeInputMixin, forms.Form):
    code = forms.ChoiceField(
        label="Reason",
        choices=discontinue_choices,
        help_text=(
            "A label criterion also flags the patient: no new course of aldesleukin "
            "until two clinicians lift the flag."
        ),
    )
    note = forms.CharField(
        max_length=150, required=False, help_text="Needed when the reason is Other."
    )
    discharged_on = forms.DateField(
        label="Discharge date",
        widget=DateInput,
        required=False,
        help_text="If the patient has already gone home. High-dose retreatment counts from it.",
    )


class DischargeForm(SafeInputMixin, forms.Form):
    BETWEEN_CYCLES, END_OF_COURSE = "between_cycles", "end_of_course"

    discharged_on = forms.DateField(label="Discharge date", widget=DateInput)
    note = forms.CharField(max_length=150, required=False)
    kind = forms.ChoiceField(label="This discharge is", widget=forms.RadioSelect, choices=())

    def __init__(self, *args, next_cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.next_cycle = next_cycle
        if next_cycle is None:
            del self.fields["kind"]
            return
        # Patients go home between cycles; that is not the end of the course.
        self.fields["kind"].choices = [
            (
                self.BETWEEN_CYCLES,
                f"Between cycles: cycle {next_cycle.cycle} stays planned",
            ),
            (
                self.END_OF_COURSE,
                "The end of the course: cancel the cycles still to come",
            ),
        ]
        self.fields["kind"].error_messages["required"] = (
            f"Cycle {next_cycle.cycle} is still to come. Say whether the patient goes home "
            "between cycles or the course ends now."
        )

    @property
    def between_cycles(self) -> bool:
        return self.cleaned_data.get("kind") == self.BETWEEN_CYCLES


class EndCycleForm(SafeInputMixin, forms.Form):
    cycle = forms.TypedChoiceField(coerce=int, choices=())
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason…"), *CycleEnd.Reason.choices],
        help_text=(
            "Hepatic failure or a label criterion to stop permanently stops the course: "
            "discontinue it instead."
        ),
    )
    note = forms.CharField(
        max_length=150,
        required=False,
        help_text="Kept with each cancelled dose. Needed when the reason is Other.",
    )

    def __init__(self, *args, cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(c, f"Cycle {c}") for c in cycles]


class CalendarTitlesForm(SafeInputMixin, forms.Form):
    NAMED, NEUTRAL = "named", "neutral"

    titles = forms.ChoiceField(
        label="Event titles",
        choices=[
            (NAMED, "Name the treatment: “IL-2: Cycle 1 · dose 2 of 14”, with the drug and route"),
            (NEUTRAL, "Neutral: “Treatment”, with no drug or route"),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": "Choose how calendar events are titled.",
            "invalid_choice": "Choose how calendar events are titled.",
        },
    )

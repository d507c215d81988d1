"""Cleaning what the flowsheet's address asks for: which course, which day, or every day."""

from datetime import date

from django import forms

from tracker.lib.forms import SafeInputMixin

# Days outside these are a mistyped year, not a day anyone was on the ward.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class FlowsheetQuery(SafeInputMixin, forms.Form):
    course = forms.IntegerField(required=False, min_value=1)
    day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    days = forms.ChoiceField(required=False, choices=[("", "One day"), ("all", "Every day")])

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(f"Choose a day between {FIRST_DAY:%Y} and {LAST_DAY:%Y}.")
        return day

    def problems(self) -> list[str]:
        """What was wrong with the address, in words, for the page to say."""
        names = {"course": "course", "day": "day (YYYY-MM-DD)", "days": "days"}
        return [
            f"The {names[name]} asked for was not understood: {' '.join(errors)} "
            "The page shows the default instead."
            for name, errors in self.errors.items()
        ]

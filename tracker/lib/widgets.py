"""HTML5 inputs, so phones show their native date and time pickers."""

from django import forms


class DateInput(forms.DateInput):
    """A date picker.  Its value must be ISO 8601 whatever the locale, or browsers drop it."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format="%H:%M"):
        super().__init__(attrs, format=format)

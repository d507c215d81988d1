"""HTML5 inputs, so phones show their native date and time pickers."""

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

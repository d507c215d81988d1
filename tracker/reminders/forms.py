from django import forms

from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import TimeInput
from tracker.reminders.models import ReminderSettings


class ReminderSettingsForm(SafeInputMixin, forms.Form):
    dose_reminders = forms.BooleanField(
        label="E-mail me before each injection I give at home", required=False
    )
    dose_lead_minutes = forms.TypedChoiceField(
        label="How long before",
        choices=ReminderSettings.Lead.choices,
        coerce=int,
        error_messages={"invalid_choice": "Choose one of the times offered."},
    )
    thyroid_reminders = forms.BooleanField(
        label="E-mail me on the morning a thyroid blood test is due", required=False
    )
    quiet_start = forms.TimeField(
        label="Quiet hours from",
        widget=TimeInput,
        error_messages={
            "required": "Give the time your quiet hours start, for example 22:00.",
            "invalid": "Give a time such as 22:00.",
        },
    )
    quiet_end = forms.TimeField(
        label="Quiet hours until",
        widget=TimeInput,
        help_text="On your own clock. No reminder arrives in these hours.",
        error_messages={
            "required": "Give the time your quiet hours end, for example 07:00.",
            "invalid": "Give a time such as 07:00.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if start is not None and start == end:
            self.add_error("quiet_end", "Quiet hours must start and end at different times.")
        return cleaned

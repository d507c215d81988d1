"""The acknowledgement form, and the on-call rota's: they clean input, and nothing else.

Whether the alert may still be acknowledged is Alert.acknowledge's to say; whether
the rota takes a shift is tracker.alerts.rota's.
"""

from django import forms

from tracker.accounts.models import User
from tracker.alerts.models import Alert
from tracker.lib.forms import REASON_LENGTH, SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant

NOTE_LENGTH = Alert._meta.get_field("acknowledgement_note").max_length


class AcknowledgeForm(SafeInputMixin, forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you did about it, e.g. “Seen, paracetamol given”.",
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        role = user.role.label if user.role else ""
        return f"{user.get_full_name() or user.username} ({role})"


class ShiftForm(SafeInputMixin, forms.Form):
    """A shift on the ward's clock: who, and local start and end dates and times.

    The rota's rules (not ending before it starts, 7 days at most, not long past) are
    tracker.alerts.rota.add_shift's; here the wall times become instants.  A time the
    clocks skip is refused; a time they pass twice is the first of the two.
    """

    person = PersonChoiceField(queryset=User.objects.none(), label="Who is on call")
    start_date = forms.DateField(label="Start date", widget=DateInput)
    start_time = forms.TimeField(label="Start time", widget=TimeInput)
    end_date = forms.DateField(label="End date", widget=DateInput)
    end_time = forms.TimeField(label="End time", widget=TimeInput)

    def __init__(self, *args, ward, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = ward.zone
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        for end in ("start", "end"):
            day, clock = data.get(f"{end}_date"), data.get(f"{end}_time")
            if day and clock:
                try:
                    data[f"{end}s_at"] = local_instant(day, clock, self.zone)
                except forms.ValidationError as error:
                    self.add_error(f"{end}_time", error)
        return data


class CancelShiftForm(SafeInputMixin, forms.Form):
    reason = forms.CharField(
        label="Why it is cancelled",
        max_length=REASON_LENGTH,
        help_text="Kept with the shift and in its history: the rota shows it struck through.",
        error_messages={
            "required": "Say why the shift is cancelled.",
            "max_length": f"Keep the reason to {REASON_LENGTH} characters or fewer.",
        },
    )

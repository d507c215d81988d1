"""The acknowledgement form: it cleans the note, and nothing else.

Whether the alert may still be acknowledged is Alert.acknowledge's to say.
"""

from django import forms

from tracker.alerts.models import Alert

NOTE_LENGTH = Alert._meta.get_field("acknowledgement_note").max_length


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you did about it, e.g. “Seen, paracetamol given”.",
    )

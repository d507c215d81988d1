"""A care-team message to the patient about a report, and the patient's answer.

Only cleaning: the rules (length, how many per report, one answer each) are in
tracker.symptoms.replies, whose refusals the views put on these forms.
"""

from django import forms

from tracker.lib.forms import SafeInputMixin
from tracker.symptoms.models import MESSAGE_LENGTH

ERRORS = {
    "required": "Write a message first.",
    "max_length": f"Keep the message to {MESSAGE_LENGTH} characters or fewer.",
    "null_characters_not_allowed": "The message holds a character that cannot be sent.",
}


def message_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MESSAGE_LENGTH,
        help_text=help_text,
        error_messages=ERRORS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_LENGTH}),
    )


class ReplyForm(SafeInputMixin, forms.Form):
    body = message_field(
        "Reply to the patient",
        f"Up to {MESSAGE_LENGTH} characters. The patient is e-mailed that a message is "
        "waiting; the e-mail does not include it.",
    )


class AlertMessageForm(SafeInputMixin, forms.Form):
    body = message_field(
        "Message to the patient",
        f"Up to {MESSAGE_LENGTH} characters. The patient is e-mailed that a message is "
        "waiting; the e-mail does not include it. They cannot answer it here: they call.",
    )


class AnswerForm(SafeInputMixin, forms.Form):
    body = message_field(
        "Your answer",
        f"Up to {MESSAGE_LENGTH} characters. You can answer each message once. "
        "If you need to talk, call the ward.",
    )


class WithdrawMessageForm(SafeInputMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing this message?",
        max_length=200,
        help_text="For example: sent about the wrong report. The patient sees the reason.",
        error_messages={
            "required": "Say why you are withdrawing the message.",
            "max_length": "Keep the reason to 200 characters or fewer.",
        },
        widget=forms.Textarea(attrs={"rows": 2}),
    )

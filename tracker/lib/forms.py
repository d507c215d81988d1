"""Forms shared by the apps."""

from django import forms

# Every clinical record keeps its "entered in error" reason in a column this long.
REASON_LENGTH = 200


class EnteredInErrorForm(forms.Form):
    """Why an entry is wrong: kept with the entry and in its history."""

    reason = forms.CharField(
        label="Why it is wrong",
        max_length=REASON_LENGTH,
        help_text=(
            "Kept with the entry and in its history. Nothing is deleted: "
            "the entry stays in the list, struck through."
        ),
        error_messages={
            "required": "Say why it is wrong.",
            "max_length": f"Keep the reason to {REASON_LENGTH} characters or fewer.",
        },
    )

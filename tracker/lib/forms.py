"""Forms shared by the apps."""

from django import forms
from django.forms.utils import ErrorDict

# Every clinical record keeps its "entered in error" reason in a column this long.
REASON_LENGTH = 200

NUL = "\x00"
NUL_MESSAGE = (
    "This contains a NUL character (an invisible control character, often pasted "
    "from another program), which cannot be stored. Type it again without it."
)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


def _values(data) -> list:
    return [value for _, value in data.lists()] if hasattr(data, "lists") else list(data.values())


class SafeInputMixin:
    """Refuse a submission carrying a NUL character, with a message, before anything is cleaned.

    PostgreSQL cannot store NUL in text, and a query that compares a column with a
    value holding one fails: a field's own cleaning (a ModelChoiceField looking up its
    choice) or a form's `clean()` would fail before any validator could refuse it.  So
    no field is cleaned: the form is invalid, each field that carries the character
    says so, and anything else the form was sent (a hidden `next`, a button's name)
    gets a message at the top.  Every form in the app inherits this, first, so that
    it runs before the form's own cleaning (tests/lib/test_safe_input.py checks them all).
    """

    def full_clean(self):
        if not self.is_bound or not any(_has_nul(value) for value in _values(self.data)):
            return super().full_clean()
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}
        carrying = [name for name, bound in self._bound_items() if _has_nul(bound.data)]
        for name in carrying:
            self.add_error(name, forms.ValidationError(NUL_MESSAGE, code="null_characters"))
        if not carrying:
            self.add_error(None, forms.ValidationError(NUL_MESSAGE, code="null_characters"))


class SafeModelForm(SafeInputMixin, forms.ModelForm):
    """The admin's forms: Django builds one per model on this base (HistoryAdmin.form)."""


class EnteredInErrorForm(SafeInputMixin, forms.Form):
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

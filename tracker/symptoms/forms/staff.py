"""Staff forms for side effects: a CTCAE-graded entry and the reviewed grade of a report.

They clean input and turn the patient's wall clock into instants; the rules about
what may be recorded live in tracker.symptoms.reporting, whose refusals are shown
on the form as non-field errors.
"""

from datetime import timedelta

from django import forms
from django.utils import timezone

from regimens.models import Dose
from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.symptoms.forms.onset import AUTO, OnsetAndDoseForm
from tracker.symptoms.models import GRADES, AdverseEvent, CtcaeTerm

# Doses offered to link an entry to by hand: a side effect is graded within days.
LINKABLE_DAYS = 14
NOT_AN_ADVERSE_EVENT = "Not an adverse event"


def grade_label(grade: int, text: str) -> str:
    return f"Grade {grade} — {text}"


class AdverseEventForm(OnsetAndDoseForm):
    """One CTCAE term graded by staff: only the grades the term defines can be chosen."""

    grade = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a grade.",
            "invalid_choice": "Choose one of the grades listed for this term.",
        },
    )
    resolved_date = forms.DateField(label="Date it resolved", widget=DateInput, required=False)
    resolved_time = forms.TimeField(label="Time it resolved", widget=TimeInput, required=False)
    attribution = forms.ChoiceField(
        choices=AdverseEvent.Attribution,
        widget=forms.RadioSelect,
        label="Related to aldesleukin",
        error_messages={"required": "Choose how likely it is related to the treatment."},
    )
    dose = forms.ChoiceField(
        label="Dose it follows",
        error_messages={
            "invalid_choice": f"Choose one of this patient's doses from the last {LINKABLE_DAYS} days."
        },
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    automatic_label = "Automatic: the dose given most recently before onset"
    no_dose_label = "None: not linked to a dose"

    def __init__(self, *args, patient, term: CtcaeTerm, **kwargs):
        self.patient, self.term = patient, term
        now = timezone.localtime(timezone.now(), patient.zone)
        kwargs["initial"] = {
            "onset_date": now.date(),
            "onset_time": now.time().replace(second=0, microsecond=0),
            "dose": AUTO,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [
            (grade, grade_label(grade, text)) for grade, text in term.grades()
        ]
        self.offer_doses(self._linkable_doses(now), patient.zone)
        clock = f"On the patient's clock ({patient.zone.key})."
        self.fields["onset_time"].help_text = clock
        self.fields["resolved_time"].help_text = f"{clock} Leave empty if it has not resolved."

    def _linkable_doses(self, now):
        return (
            Dose.objects.for_patient(self.patient)
            .exclude(status=Dose.Status.CANCELLED)
            .filter(planned_at__gte=now - timedelta(days=LINKABLE_DAYS), planned_at__lte=now)
            .select_related("course")
            .order_by("-planned_at")
        )

    def clean(self):
        data = super().clean()
        day, clock = data.get("resolved_date"), data.get("resolved_time")
        data["resolved_at"] = None
        if day and clock:
            try:
                data["resolved_at"] = local_instant(day, clock, self.zone)
            except forms.ValidationError as error:
                self.add_error("resolved_time", error)
        elif day and "resolved_time" not in self.errors:
            self.add_error("resolved_time", "Give the time it resolved too.")
        elif clock and "resolved_date" not in self.errors:
            self.add_error("resolved_date", "Give the date it resolved too.")
        return data

    def event_fields(self) -> dict:
        """The cleaned form as keyword arguments for reporting.record_event."""
        data = self.cleaned_data
        return {
            "grade": data["grade"],
            "onset_at": data["onset_at"],
            "resolved_at": data["resolved_at"],
            "attribution": data["attribution"],
            "dose": data["dose"],
            "note": data.get("note", ""),
        }


class ReviewForm(SafeInputMixin, forms.Form):
    """A clinician's CTCAE grade for a patient's report; 0 says it is not an adverse event.

    With the symptom's CTCAE term known, only the grades that term defines are offered,
    each with its text as a guide.
    """

    grade = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Reviewed grade",
        error_messages={
            "required": "Choose a grade.",
            "invalid_choice": "Choose one of the grades listed.",
        },
    )

    acknowledge_alert = forms.BooleanField(
        label="Acknowledge the alert",
        required=False,
        initial=True,
        help_text="Tells the care team the report has been seen; the note says the grade.",
    )

    def __init__(self, *args, term: CtcaeTerm | None, has_open_alert: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_open_alert:
            del self.fields["acknowledge_alert"]
        grades = term.grades() if term else [(grade, "") for grade in GRADES]
        self.fields["grade"].choices = [
            (0, f"Grade 0 — {NOT_AN_ADVERSE_EVENT}"),
            *(
                (grade, grade_label(grade, text) if text else f"Grade {grade}")
                for grade, text in grades
            ),
        ]

"""What patient reports and staff entries both ask: when it started, and which dose it follows."""

from django import forms
from django.utils import dateformat

from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant

AUTO, NO_DOSE = "auto", "none"


class OnsetAndDoseForm(SafeInputMixin, forms.Form):
    """Onset on the patient's clock, and a dose chosen from those the view offers.

    Only the doses passed to `offer_doses` validate, so a dose id from another
    patient can never be linked.
    """

    onset_date = forms.DateField(label="Date it started", widget=DateInput)
    onset_time = forms.TimeField(label="Time it started", widget=TimeInput)
    dose = forms.ChoiceField(label="Dose it follows")

    automatic_label = "Automatic: the dose given most recently before it started"
    no_dose_label = "Not linked to a dose"

    def offer_doses(self, doses, zone):
        self.zone = zone
        self.doses = {str(dose.pk): dose for dose in doses}
        self.fields["dose"].choices = [
            (AUTO, self.automatic_label),
            (NO_DOSE, self.no_dose_label),
            *((pk, self.dose_label(dose)) for pk, dose in self.doses.items()),
        ]

    def dose_label(self, dose) -> str:
        when = dateformat.format(dose.planned_at.astimezone(self.zone), "D j M, H:i T")
        return f"Dose {dose.dose_in_course} (cycle {dose.cycle}) · {when} · {dose.get_status_display()}"

    def clean_dose(self):
        value = self.cleaned_data["dose"]
        if value == AUTO:
            return AUTO
        if value == NO_DOSE:
            return None
        return self.doses[value]

    def clean(self):
        data = super().clean()
        if data.get("onset_date") and data.get("onset_time"):
            try:
                data["onset_at"] = local_instant(data["onset_date"], data["onset_time"], self.zone)
            except forms.ValidationError as error:
                self.add_error("onset_time", error)
        return data

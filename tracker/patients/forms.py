from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from tracker.accounts.roles import CARE_TEAM_ROLES, Role
from tracker.lib.widgets import DateInput
from tracker.lib.zones import zone_choices
from tracker.patients.models import Patient


class PatientForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        help_text="Where the patient lives; their calendar is shown in this zone.",
    )
    care_team = forms.ModelMultipleChoiceField(
        queryset=get_user_model()
        .objects.filter(groups__name__in=CARE_TEAM_ROLES, is_active=True)
        .distinct(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Clinicians and nurses who may see and record for this patient.",
    )
    user = forms.ModelChoiceField(
        label="Patient login",
        queryset=get_user_model().objects.filter(groups__name=Role.PATIENT, patient=None),
        required=False,
        help_text="Link the patient's own login so they can see their calendar.",
    )

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "height_cm",
            "weight_kg",
            "time_zone",
            "care_team",
            "user",
        ]
        widgets = {"date_of_birth": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The field replaces the model's, so the model's default must be restated here,
        # or the browser would select the first zone in the list.
        zone = self.instance.time_zone if self.instance.pk else settings.CLINIC_TIME_ZONE
        self.fields["time_zone"].choices = zone_choices(first=zone)
        self.initial.setdefault("time_zone", zone)
        if self.instance.user_id:
            # Keep the linked login selectable when editing.
            self.fields["user"].queryset = self.fields[
                "user"
            ].queryset | get_user_model().objects.filter(pk=self.instance.user_id)
        self.fields["height_cm"].widget.attrs.update(step="0.1", inputmode="decimal")
        self.fields["weight_kg"].widget.attrs.update(step="0.1", inputmode="decimal")


class PatientEditForm(PatientForm):
    reason = forms.CharField(
        label="Reason for change",
        max_length=200,
        help_text="Kept in the record's history, e.g. “weighed on admission”.",
    )


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Search by MRN or name", required=False, max_length=100)

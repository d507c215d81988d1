from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from tracker.accounts.roles import CARE_TEAM_ROLES, Role
from tracker.lib.forms import REASON_LENGTH, SafeInputMixin
from tracker.lib.widgets import DateInput
from tracker.lib.zones import zone_choices
from tracker.patients.measures import body_size_warning
from tracker.patients.models import LIFT_REASON_MIN_LENGTH, Patient


class Confirmations:
    """Checkboxes that appear only when a check asks a person to confirm something unusual.

    List their names in `confirmations`; each is hidden until its check adds an error.
    """

    confirmations: tuple[str, ...] = ()

    def _hide_confirmations(self):
        for name in self.confirmations:
            if not self.data.get(self.add_prefix(name)):
                self.fields[name].widget = forms.HiddenInput()

    def ask_to_confirm(self, name: str, message: str) -> None:
        if not self.cleaned_data.get(name):
            self.fields[name].widget = forms.CheckboxInput()
            self.add_error(name, message)

    def check_body_size(self, data) -> None:
        warning = body_size_warning(data.get("height_cm"), data.get("weight_kg"))
        if warning:
            self.ask_to_confirm("confirm_body_size", warning)


class CareTeamField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        """ "Nora Lindqvist (Nurse)": two people with one name are told apart by role."""
        name = str(user)
        return f"{name} ({user.role.label})" if user.role else name


def confirm_body_size_field():
    return forms.BooleanField(
        required=False, label="The height and weight are right, though unusual"
    )


class PatientForm(Confirmations, SafeInputMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(
        help_text="Where the patient lives; their calendar is shown in this zone.",
    )
    care_team = CareTeamField(
        queryset=get_user_model()
        .objects.filter(groups__name__in=CARE_TEAM_ROLES, is_active=True)
        .prefetch_related("groups")
        .order_by("last_name", "first_name", "username")
        .distinct(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Clinicians and nurses who may see and record for this patient.",
    )
    confirm_body_size = confirm_body_size_field()
    confirm_duplicate = forms.BooleanField(
        required=False, label="This is a different person: register them anyway"
    )
    confirmations = ("confirm_body_size", "confirm_duplicate")
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

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.duplicate = None
        self._hide_confirmations()
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

    def clean(self):
        data = super().clean()
        self.check_body_size(data)
        if not self.instance.pk:
            self._check_duplicate(data)
        return data

    def _check_duplicate(self, data):
        names = (data.get("given_name"), data.get("family_name"), data.get("date_of_birth"))
        if not all(names):
            return
        self.duplicate = Patient.objects.same_person(*names).order_by("pk").first()
        if self.duplicate is None:
            return
        # Only someone who may see that record is shown it; anyone else is told to ask.
        self.duplicate_visible = (
            self.viewer is not None
            and Patient.objects.visible_to(self.viewer).filter(pk=self.duplicate.pk).exists()
        )
        where = (
            "(linked above)"
            if self.duplicate_visible
            else "in a record you cannot see; check with the clinic"
        )
        self.ask_to_confirm(
            "confirm_duplicate",
            f"A patient with this name and date of birth is already registered {where}. "
            "Tick the box only if this is a different person.",
        )


class PatientEditForm(PatientForm):
    reason = forms.CharField(
        label="Reason for change",
        max_length=200,
        help_text="Kept in the record's history, e.g. “weighed on admission”.",
    )


class PatientSearchForm(SafeInputMixin, forms.Form):
    q = forms.CharField(label="Search by MRN or name", required=False, max_length=100)


class LiftRequestForm(SafeInputMixin, forms.Form):
    reason = forms.CharField(
        label="Why aldesleukin may be given again",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=LIFT_REASON_MIN_LENGTH,
        max_length=REASON_LENGTH,
        help_text=(
            "The clinical reason, in a full sentence. Kept in the patient's history; "
            "a second clinician reads it before confirming."
        ),
        error_messages={
            "required": "Give the clinical reason to lift the flag.",
            "min_length": (
                f"Give the clinical reason in a full sentence (at least {LIFT_REASON_MIN_LENGTH} "
                "characters): it is kept in the patient's history."
            ),
        },
    )


class LiftConfirmForm(SafeInputMixin, forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        max_length=REASON_LENGTH,
        required=False,
        help_text="Kept in the patient's history with your confirmation.",
    )


class LiftDeclineForm(SafeInputMixin, forms.Form):
    reason = forms.CharField(
        label="Why the flag stays",
        max_length=REASON_LENGTH,
        help_text="Kept in the patient's history. The flag stays; a new lift can be asked for.",
        error_messages={"required": "Say why the flag stays."},
    )


class InvitationForm(SafeInputMixin, forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="The patient's own address: the link lets whoever opens it sign in as them.",
    )

"""Forms for the bedside: they clean input and convert units, and nothing else.

The rules about what may be recorded live in tracker.ward.recording and on the
models; a refusal from there is shown on the form, beside the field it names.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from regimens.dosing import IU_PER_MIU
from tracker.lib.forms import SafeInputMixin
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.ward.access import can_override_withhold
from tracker.ward.models import (
    NEW_HOLD_REASONS,
    OVERRIDE_REASON_MIN,
    PATIENT_NOT_GIVEN_REASONS,
    DoseRecord,
    Finding,
    NotGivenReason,
    PartialReason,
    PreDoseCheck,
)
from tracker.ward.recording import ACKNOWLEDGE, DIFFERENT_TIME, PROCEED
from tracker.ward.sites import InjectionSite

BLANK = [("", "Choose a reason…")]


class RecordDoseForm(SafeInputMixin, forms.Form):
    """Given (time, amount, who), a partial dose (the same, and why), held or not given."""

    outcome = forms.ChoiceField(
        choices=DoseRecord.Outcome, widget=forms.RadioSelect, label="What happened"
    )
    given_date = forms.DateField(label="Date started", widget=DateInput, required=False)
    given_time = forms.TimeField(label="Time started", widget=TimeInput, required=False)
    amount_miu = forms.DecimalField(
        label="Amount given (MIU)",
        min_value=Decimal("0.001"),
        max_digits=9,
        decimal_places=3,
        required=False,
    )
    given_by = forms.ModelChoiceField(queryset=None, required=False, label="Given by")
    partial_reason = forms.ChoiceField(
        choices=BLANK + PartialReason.choices,
        required=False,
        label="Why less than the prescribed dose",
    )
    hold_reason = forms.ChoiceField(
        choices=BLANK + NEW_HOLD_REASONS, required=False, label="Reason held"
    )
    not_given_reason = forms.ChoiceField(
        choices=BLANK + NotGivenReason.choices, required=False, label="Reason not given"
    )
    reason_note = forms.CharField(max_length=200, required=False, label="Reason in words")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    different_time = forms.BooleanField(
        required=False, label="Given at a different time: the time above is right"
    )
    different_time_reason = forms.CharField(
        max_length=200,
        required=False,
        label="Why it was given at a different time",
        help_text="Kept with the record and in its history.",
    )
    proceed_reason = forms.CharField(
        max_length=200,
        required=False,
        label="Why you proceed past the urgent alert",
        help_text="Needed if you proceed without acknowledging. Kept with the record.",
    )
    override_reason = forms.CharField(
        max_length=200,
        required=False,
        label="Authorise giving despite the withhold: your clinical reason",
        help_text=(
            f"Only if the pre-dose rules withhold this dose or it has no recent check. At least "
            f"{OVERRIDE_REASON_MIN} characters; kept with the record, with your name."
        ),
    )

    def __init__(self, *args, dose, user, urgent_alerts=(), **kwargs):
        self.dose, self.zone = dose, dose.course.patient.zone
        # What the recording operation asked for when it refused the record.
        self.asks = frozenset()
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "given_date": now.date(),
            "given_time": now.time().replace(second=0, microsecond=0),
            "amount_miu": (dose.prescribed_iu / IU_PER_MIU).normalize(),
            "given_by": user.pk,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        # Whoever is on the care team, and the person recording, who may be covering.
        self.fields["given_by"].queryset = (
            get_user_model()
            .objects.filter(Q(care_patients=dose.course.patient) | Q(pk=user.pk))
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["given_time"].help_text = f"On the patient's clock ({self.zone.key})."
        if not can_override_withhold(user):
            # A nurse cannot give through a withhold: only a clinician authorises it.
            del self.fields["override_reason"]
        self.urgent_alerts = list(urgent_alerts)
        for alert in self.urgent_alerts:
            self.fields[self.alert_field(alert)] = forms.ChoiceField(
                choices=[(ACKNOWLEDGE, "Acknowledge it"), (PROCEED, "Proceed past it")],
                widget=forms.RadioSelect,
                required=False,
                label=alert.text,
            )

    @staticmethod
    def alert_field(alert) -> str:
        return f"alert_{alert.pk}"

    def alert_choice_fields(self):
        """Each urgent alert with its acknowledge-or-proceed choice, for the template."""
        return [(alert, self[self.alert_field(alert)]) for alert in self.urgent_alerts]

    @property
    def asks_different_time(self) -> bool:
        return DIFFERENT_TIME in self.asks or bool(self.data.get("different_time"))

    def clean(self):
        data = super().clean()
        # A held or not-given dose's reason (and its note) is the operation's rule.
        if data.get("outcome") in DoseRecord.RECEIVED:
            self._clean_given(data)
        return data

    def _clean_given(self, data):
        for name in ("given_date", "given_time", "amount_miu", "given_by"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, "Needed for a given dose.")
        if data.get("different_time") and not data.get("different_time_reason", "").strip():
            self.add_error("different_time_reason", "Say why it was given at a different time.")
        if data.get("given_date") and data.get("given_time"):
            try:
                data["given_at"] = local_instant(data["given_date"], data["given_time"], self.zone)
            except forms.ValidationError as error:
                self.add_error("given_time", error)

    def record_fields(self) -> dict:
        """The cleaned form as keyword arguments for tracker.ward.recording."""
        data = self.cleaned_data
        fields = {
            "outcome": data["outcome"],
            "reason_note": data.get("reason_note", "").strip(),
            "notes": data.get("notes", "").strip(),
        }
        if data["outcome"] in DoseRecord.RECEIVED:
            fields.update(
                given_at=data["given_at"],
                amount_iu=(data["amount_miu"] * IU_PER_MIU).to_integral_value(ROUND_HALF_UP),
                given_by=data["given_by"],
            )
            if data.get("different_time"):
                fields["different_time_reason"] = data["different_time_reason"].strip()
            if data["outcome"] == DoseRecord.Outcome.PARTIAL:
                fields["partial_reason"] = data["partial_reason"]
        elif data["outcome"] == DoseRecord.Outcome.HELD:
            fields["hold_reason"] = data["hold_reason"]
        else:
            fields["not_given_reason"] = data["not_given_reason"]
        return fields

    def alert_answers(self) -> dict:
        """The urgent alerts' answers as keyword arguments for recording.record_dose."""
        choices = {
            alert.pk: self.cleaned_data.get(self.alert_field(alert))
            for alert in self.urgent_alerts
        }
        return {
            "urgent_alerts": {pk: choice for pk, choice in choices.items() if choice},
            "proceed_reason": self.cleaned_data.get("proceed_reason", "").strip(),
        }

    def authorisation_reason(self) -> str:
        """A clinician's reason to give past a withhold; "" where the form has no such field."""
        return self.cleaned_data.get("override_reason", "").strip()


class CorrectionForm(RecordDoseForm):
    """Mark a record entered in error, and say what really happened (or nothing, to withdraw)."""

    REPLACE, WITHDRAW = "replace", "withdraw"

    action = forms.ChoiceField(
        choices=[
            (REPLACE, "Replace it with what did happen"),
            (WITHDRAW, "Withdraw it: the dose has no record yet"),
        ],
        widget=forms.RadioSelect,
        initial=REPLACE,
        label="Correction",
    )
    reason = forms.CharField(
        max_length=200,
        label="Why the record is wrong",
        help_text="Kept with the record and in its history.",
    )
    field_order = ["action", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].required = False

    def clean(self):
        if self.data.get("action") == self.WITHDRAW:
            return forms.Form.clean(self)
        data = super().clean()
        if not data.get("outcome") and "outcome" not in self.errors:
            self.add_error("outcome", "Choose what did happen.")
        return data

    @property
    def withdraws(self) -> bool:
        return self.cleaned_data.get("action") == self.WITHDRAW


class PreDoseCheckForm(SafeInputMixin, forms.ModelForm):
    """Observations before an IV dose.  Temperature may be entered in °C or °F."""

    CELSIUS, FAHRENHEIT = "C", "F"

    taken_date = forms.DateField(label="Date taken", widget=DateInput, required=False)
    taken_time = forms.TimeField(label="Time taken", widget=TimeInput, required=False)
    mental_status = forms.ChoiceField(
        # No blank choice: a required radio starts with nothing ticked, not on "---------".
        choices=PreDoseCheck.MentalStatus.choices,
        widget=forms.RadioSelect,
        label="Mental status",
    )
    temperature = forms.DecimalField(max_digits=4, decimal_places=1, label="Temperature")
    temperature_unit = forms.ChoiceField(
        choices=[(CELSIUS, "°C"), (FAHRENHEIT, "°F")], initial=CELSIUS, label="Unit"
    )
    on_pressors = forms.TypedChoiceField(
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="On pressors",
    )
    rhythm = forms.ChoiceField(
        choices=[("", "Not recorded"), *PreDoseCheck.Rhythm.choices],
        required=False,
        label="Cardiac rhythm",
    )
    creatinine_date = forms.DateField(
        label="Creatinine sample date", widget=DateInput, required=False
    )
    creatinine_time = forms.TimeField(label="Sample time", widget=TimeInput, required=False)
    decision = forms.ChoiceField(
        choices=PreDoseCheck.Decision.choices, widget=forms.RadioSelect, required=False
    )
    override_reason = forms.CharField(
        max_length=200,
        required=False,
        label="Authorise giving despite the withhold: your clinical reason",
        help_text=(
            f"Clinicians only, to give when a rule fired. At least {OVERRIDE_REASON_MIN} "
            "characters; kept with the dose, with your name."
        ),
    )
    hold_reason = forms.ChoiceField(
        choices=BLANK + NEW_HOLD_REASONS,
        required=False,
        label="Reason held",
        help_text="Filled in from the rule that fired; change it if another reason applies.",
    )

    class Meta:
        model = PreDoseCheck
        fields = [
            "systolic_bp",
            "heart_rate",
            "spo2",
            "weight_kg",
            "urine_ml",
            "mental_status",
            "on_pressors",
            "occult_blood",
            "skin_bullous",
            "sepsis_unstable",
            "hepatic_failure",
            "creatinine_mg_dl",
            "decision_note",
        ]
        labels = {"decision_note": "Note on the decision"}
        widgets = dict.fromkeys(
            ("occult_blood", "skin_bullous", "sepsis_unstable", "hepatic_failure"),
            forms.RadioSelect,
        )

    field_order = [
        "taken_date",
        "taken_time",
        "systolic_bp",
        "heart_rate",
        "temperature",
        "temperature_unit",
        "spo2",
        "weight_kg",
        "urine_ml",
        "mental_status",
        "on_pressors",
        "rhythm",
        "occult_blood",
        "skin_bullous",
        "sepsis_unstable",
        "hepatic_failure",
        "creatinine_mg_dl",
        "creatinine_date",
        "creatinine_time",
    ]

    def __init__(self, *args, dose, user=None, **kwargs):
        self.zone = dose.course.patient.zone
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs["initial"] = {
            "taken_date": now.date(),
            "taken_time": now.time().replace(second=0, microsecond=0),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        clock = f"On the patient's clock ({self.zone.key})."
        self.fields["taken_time"].help_text = f"{clock} Change it if the check was taken earlier."
        self.fields["creatinine_time"].help_text = clock
        self.fields["creatinine_mg_dl"].help_text = "The latest result, if taken in the last day."
        for name in ("occult_blood", "skin_bullous", "sepsis_unstable", "hepatic_failure"):
            # Not assessed is an answer: the page then says the rule could not be checked.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
            self.fields[name].required = False
        if user is None or not can_override_withhold(user):
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        self._clean_taken_at(data)
        self._clean_creatinine(data)
        for name, default in (
            ("occult_blood", PreDoseCheck.OccultBlood.NOT_TESTED),
            ("skin_bullous", Finding.NOT_ASSESSED),
            ("sepsis_unstable", Finding.NOT_ASSESSED),
            ("hepatic_failure", Finding.NOT_ASSESSED),
        ):
            data[name] = data.get(name) or default
        temperature = data.get("temperature")
        if temperature is not None:
            if data.get("temperature_unit") == self.FAHRENHEIT:
                temperature = (temperature - 32) * 5 / 9
            celsius = temperature.quantize(Decimal("0.1"), ROUND_HALF_UP)
            if not Decimal("30") <= celsius <= Decimal("45"):
                self.add_error(
                    "temperature", "Enter a temperature between 30 and 45 °C (86–113 °F)."
                )
            data["temperature_c"] = celsius
        return data

    def _clean_taken_at(self, data):
        """The local date and time taken as an instant; both empty means now."""
        day, clock = data.get("taken_date"), data.get("taken_time")
        data["taken_at"] = None
        if day is None and clock is None:
            return
        if day is None or clock is None:
            if not {"taken_date", "taken_time"} & set(self.errors):
                self.add_error("taken_time", "Enter both the date and the time taken.")
            return
        try:
            data["taken_at"] = local_instant(day, clock, self.zone)
        except forms.ValidationError as error:
            self.add_error("taken_time", error)

    def _clean_creatinine(self, data):
        """A creatinine result needs the local date and time its sample was taken."""
        data["creatinine_taken_at"] = None
        if data.get("creatinine_mg_dl") is None:
            return
        day, clock = data.get("creatinine_date"), data.get("creatinine_time")
        if day is None or clock is None:
            if not {"creatinine_date", "creatinine_time"} & set(self.errors):
                self.add_error("creatinine_time", "Enter the date and time of the sample.")
            return
        try:
            data["creatinine_taken_at"] = local_instant(day, clock, self.zone)
        except forms.ValidationError as error:
            self.add_error("creatinine_time", error)

    def authorisation_reason(self) -> str:
        """A clinician's reason to give past a withhold; "" where the form has no such field."""
        return self.cleaned_data.get("override_reason", "").strip()

    def unsaved_check(self, dose) -> PreDoseCheck:
        """The check as entered, not saved: to show which rules fire before deciding."""
        return PreDoseCheck(dose=dose, **self.values())

    def values(self) -> dict:
        """The observations, in the model's units, for tracker.ward.recording.record_check."""
        data = self.cleaned_data
        return {name: data.get(name) for name in self.Meta.fields} | {
            "rhythm": data.get("rhythm", ""),
            "creatinine_taken_at": data.get("creatinine_taken_at"),
            "temperature_c": data.get("temperature_c"),
            "decision_note": data.get("decision_note", "").strip(),
            "taken_at": data.get("taken_at"),
        }


class WithholdOverrideForm(SafeInputMixin, forms.Form):
    """A clinician's reason for giving a dose the pre-dose rules withhold."""

    reason = forms.CharField(
        max_length=200,
        label="Your clinical reason",
        help_text=(
            f"At least {OVERRIDE_REASON_MIN} characters. Kept with the dose and its record, "
            "with your name."
        ),
        error_messages={"required": "Give the clinical reason for giving the dose."},
    )


def refuse_ambiguous_local_time(moment, zone) -> None:
    """A local time the clocks pass twice (the night they go back) could be either hour."""
    first, second = moment.replace(fold=0), moment.replace(fold=1)
    if first.utcoffset() != second.utcoffset():
        raise forms.ValidationError(
            f"{moment:%H:%M} happens twice on {moment:%d %b %Y} in {zone.key}: the clocks "
            "went back. Choose a time outside that hour, or call your care team."
        )


class OwnDoseForm(SafeInputMixin, forms.Form):
    """A patient's record of their own home injection: now, earlier, or not taken.

    `action` is the button pressed: "now" (injected now), "earlier" (with the time),
    or "not_taken" (with the reason).
    """

    NOW, EARLIER, NOT_TAKEN = "now", "earlier", "not_taken"

    action = forms.ChoiceField(choices=[(NOW, NOW), (EARLIER, EARLIER), (NOT_TAKEN, NOT_TAKEN)])
    injection_site = forms.ChoiceField(
        choices=InjectionSite.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Where did you inject?",
    )
    given_date = forms.DateField(label="Day you injected it", widget=DateInput, required=False)
    given_time = forms.TimeField(label="Time you injected it", widget=TimeInput, required=False)
    different_time_reason = forms.CharField(
        max_length=200,
        required=False,
        label="Why you injected it at a different time",
        help_text="Your care team reads this with the record.",
    )
    not_given_reason = forms.ChoiceField(
        choices=PATIENT_NOT_GIVEN_REASONS,
        widget=forms.RadioSelect,
        required=False,
        label="Why did you not take it?",
    )
    reason_note = forms.CharField(
        max_length=200, required=False, label="Tell us more (needed for another reason)"
    )

    def __init__(self, *args, dose, suggested_site: str, **kwargs):
        self.dose, self.zone = dose, dose.course.patient.zone
        # What the recording operation asked for when it refused the record.
        self.asks = frozenset()
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs["initial"] = {
            "injection_site": suggested_site,
            "given_date": now.date(),
            "given_time": now.time().replace(second=0, microsecond=0),
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["given_time"].help_text = f"On your clock ({self.zone.key})."

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (self.NOW, self.EARLIER) and not data.get("injection_site"):
            self.add_error("injection_site", "Choose where you injected.")
        if action == self.NOW:
            data["given_at"] = timezone.now()
        elif action == self.EARLIER:
            self._clean_earlier(data)
        elif action == self.NOT_TAKEN and not data.get("not_given_reason"):
            self.add_error("not_given_reason", "Choose why you did not take it.")
        return data

    def _clean_earlier(self, data):
        day, clock = data.get("given_date"), data.get("given_time")
        if day is None or clock is None:
            if "given_time" not in self.errors and "given_date" not in self.errors:
                self.add_error("given_time", "Give the day and the time you injected it.")
            return
        try:
            moment = local_instant(day, clock, self.zone)
            refuse_ambiguous_local_time(moment, self.zone)
        except forms.ValidationError as error:
            self.add_error("given_time", error)
        else:
            data["given_at"] = moment

    def own_record_fields(self) -> dict:
        """The cleaned form as keyword arguments for recording.record_own_dose."""
        data = self.cleaned_data
        if data["action"] == self.NOT_TAKEN:
            return {
                "outcome": DoseRecord.Outcome.NOT_GIVEN,
                "not_given_reason": data["not_given_reason"],
                "reason_note": data.get("reason_note", ""),
            }
        return {
            "outcome": DoseRecord.Outcome.GIVEN,
            "given_at": data["given_at"],
            "injection_site": data["injection_site"],
            "different_time_reason": data.get("different_time_reason", "").strip(),
        }

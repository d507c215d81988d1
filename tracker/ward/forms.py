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
from tracker.lib.widgets import DateInput, TimeInput
from tracker.lib.zones import local_instant
from tracker.ward.models import DoseRecord, HoldReason, NotGivenReason, PreDoseCheck
from tracker.ward.recording import ACKNOWLEDGE, DIFFERENT_TIME, PROCEED

BLANK = [("", "Choose a reason…")]


class RecordDoseForm(forms.Form):
    """Given (time, amount, who), held (coded reason) or not given (coded reason)."""

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
    hold_reason = forms.ChoiceField(
        choices=BLANK + HoldReason.choices, required=False, label="Reason held"
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

    def __init__(self, *args, dose, user, urgent_alerts=(), **kwargs):
        self.dose, self.zone = dose, dose.course.patient.zone
        # What the recording operation asked for when it refused the record.
        self.asks = frozenset()
        now = timezone.localtime(timezone.now(), self.zone)
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "given_date": now.date(),
            "given_time": now.time().replace(second=0, microsecond=0),
            "amount_miu": (dose.course.dose_iu / IU_PER_MIU).normalize(),
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
        if data.get("outcome") == DoseRecord.Outcome.GIVEN:
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
        if data["outcome"] == DoseRecord.Outcome.GIVEN:
            fields.update(
                given_at=data["given_at"],
                amount_iu=(data["amount_miu"] * IU_PER_MIU).to_integral_value(ROUND_HALF_UP),
                given_by=data["given_by"],
            )
            if data.get("different_time"):
                fields["different_time_reason"] = data["different_time_reason"].strip()
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


class PreDoseCheckForm(forms.ModelForm):
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
    decision = forms.ChoiceField(
        choices=PreDoseCheck.Decision.choices, widget=forms.RadioSelect, required=False
    )
    hold_reason = forms.ChoiceField(
        choices=BLANK + HoldReason.choices,
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
            "decision_note",
        ]
        labels = {"decision_note": "Note on the decision"}

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
    ]

    def __init__(self, *args, dose, **kwargs):
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

    def clean(self):
        data = super().clean()
        self._clean_taken_at(data)
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

    def unsaved_check(self, dose) -> PreDoseCheck:
        """The check as entered, not saved: to show which rules fire before deciding."""
        return PreDoseCheck(dose=dose, **self.values())

    def values(self) -> dict:
        """The observations, in the model's units, for tracker.ward.recording.record_check."""
        data = self.cleaned_data
        return {name: data.get(name) for name in self.Meta.fields} | {
            "temperature_c": data.get("temperature_c"),
            "decision_note": data.get("decision_note", "").strip(),
            "taken_at": data.get("taken_at"),
        }

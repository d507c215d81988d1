"""Recording doses: the operations that change a dose's record, each in one transaction.

Each locks the dose row first (SELECT … FOR UPDATE on PostgreSQL), so when two
nurses record the same dose at once the second waits, then sees the first
record and is told so.  SQLite has no row locks; there the unique constraint
on active records refuses the second insert, and the nurse gets the same message.
"""

import re
from copy import copy
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from regimens.dosing import IU_PER_MIU, RECONSTITUTED_IU_PER_ML
from regimens.models import GIVEN_TIME_RANGE, Course, Dose
from tracker.alerts.dose_rules import (
    alert_for_held_doses,
    alert_for_missed_dose,
    alert_for_override,
)
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.lib.zones import CLOCK_LEEWAY
from tracker.observations import rules as chart_rules
from tracker.patients.models import Patient
from tracker.ward.access import can_override_withhold
from tracker.ward.models import (
    NEEDS_NOTE,
    OVERRIDE_REASON_MIN,
    PATIENT_NOT_GIVEN_REASONS,
    DoseRecord,
    Finding,
    HoldReason,
    HoldRule,
    NotGivenReason,
    PartialReason,
    PreDoseCheck,
    WithholdOverride,
)
from tracker.ward.sites import InjectionSite

Outcome = DoseRecord.Outcome


class RecordRefused(Refused):
    """The record cannot be made; the message is for the nurse.

    `asks` names what the nurse may answer to go on, so the form can ask it:
    DIFFERENT_TIME (confirm the dose was given at a different time, with a reason)
    and URGENT_ALERTS (acknowledge each urgent alert, or say why they proceed).
    """

    def __init__(self, message: str, *, asks=(), field: str | None = None):
        super().__init__(message, field=field)
        self.asks = frozenset(asks)


DIFFERENT_TIME, URGENT_ALERTS = "different_time", "urgent_alerts"
ACKNOWLEDGE, PROCEED = "acknowledge", "proceed"


def _locked(dose: Dose) -> Dose:
    """The dose, re-read under row locks on its patient, its course and itself, in that order.

    The order every change to a whole course takes (regimens/courses.py: the patient,
    the course, then its doses), so a record and a discontinued course never wait on
    each other in a circle.  One FOR UPDATE over the joined rows would lock the dose
    first.
    """
    _lock_rows(Patient.objects.filter(courses=dose.course_id))
    _lock_rows(Course.objects.filter(pk=dose.course_id))
    return Dose.objects.select_for_update().select_related("course__patient").get(pk=dose.pk)


def _lock_rows(rows) -> None:
    # Only these rows (OF "self"), not the rows joined to find them; exists() would drop OF.
    list(rows.select_for_update(of=("self",)).order_by().values_list("pk", flat=True))


def _locked_recordable(dose: Dose) -> Dose:
    """The dose, locked, if it may take a new record; else RecordRefused saying why."""
    dose = _locked(dose)
    if dose.is_recorded:
        raise RecordRefused(_already_recorded(dose))
    refusal = dose.refusal_to_record()
    if refusal:
        raise RecordRefused(refusal)
    return dose


def _already_recorded(dose: Dose) -> str:
    existing = dose.records.active().select_related("recorded_by").first()
    if existing is None:
        return "Another record for this dose was saved a moment ago. Reload the page to see it."
    when = timezone.localtime(existing.recorded_at, dose.course.patient.zone)
    return (
        f"This dose was already recorded as {existing.get_outcome_display().lower()} by "
        f"{existing.recorded_by} at {when:%H:%M %Z}. "
        "To change it, correct that record."
    )


def _refusal_of_fields(dose: Dose, fields: dict, now) -> RecordRefused | None:
    outcome = fields["outcome"]
    if outcome in DoseRecord.RECEIVED:
        return _refusal_of_received(dose, fields, now)
    if dose.planned_at - now > GIVEN_TIME_RANGE:
        # Deciding a dose days ahead would take it off the shift list by mistake.
        return RecordRefused("This dose is more than 24 hours away. Record it on the day.")
    held = outcome == Outcome.HELD
    field = "hold_reason" if held else "not_given_reason"
    reason = fields.get(field)
    if held and reason == HoldReason.HEPATIC:
        # The label stops the course for it (docs/clinical-sources.md §1).
        return RecordRefused(
            "Signs of hepatic failure stop the course rather than hold one dose: a "
            "clinician discontinues the course.",
            field=field,
        )
    if reason not in (HoldReason if held else NotGivenReason).values:
        return RecordRefused(
            f"Choose why the dose was {'held' if held else 'not given'}.", field=field
        )
    if reason in NEEDS_NOTE and not fields.get("reason_note", "").strip():
        return RecordRefused("Add a note to say what the reason was.", field="reason_note")
    return None


# A pre-dose check this recent counts for a high-dose IV dose.
CHECK_VALID_FOR = timedelta(hours=3)

# The volume drawn up is rounded to 0.1 mL at the reconstituted strength, so an
# amount within half of that of the prescription is the prescribed dose
# (docs/recording.md, "Partial doses and rounding").
ROUNDING_TOLERANCE_IU = RECONSTITUTED_IU_PER_ML * Decimal("0.1") / 2


def _miu(amount) -> str:
    return f"{(Decimal(amount) / IU_PER_MIU).normalize():f} MIU"


def _refusal_of_received(dose: Dose, fields: dict, now) -> RecordRefused | None:
    """Refuse a given or partial dose's fields; round an amount within tolerance to the dose.

    The dose is never reduced (docs/clinical-sources.md §1): less than the
    prescription is a partial dose, with its reason, never a smaller "given" dose.
    """
    if fields.get("given_at") is None or fields.get("given_by") is None:
        return RecordRefused("A given dose needs the time it started and who gave it.")
    prescribed = dose.prescribed_iu
    amount = fields.get("amount_iu")
    if amount is None or amount <= 0:
        return RecordRefused("Enter the amount given.", field="amount_miu")
    if amount - prescribed > ROUNDING_TOLERANCE_IU:
        return RecordRefused(
            f"{_miu(amount)} is more than the prescribed dose of {_miu(prescribed)}. "
            "Check the amount.",
            field="amount_miu",
        )
    within = abs(amount - prescribed) <= ROUNDING_TOLERANCE_IU
    if fields["outcome"] == Outcome.GIVEN:
        if not within:
            return RecordRefused(
                f"{_miu(amount)} is less than the prescribed {_miu(prescribed)}. The dose is "
                "never reduced: if less went in, record a partial dose with its reason.",
                field="amount_miu",
            )
        if amount != prescribed:
            fields["rounded_from"] = amount
            fields["amount_iu"] = prescribed
    else:
        if within:
            return RecordRefused(
                f"{_miu(amount)} is within the rounding of the volume drawn up "
                f"(0.1 mL) of the prescribed {_miu(prescribed)}: record it as given.",
                field="amount_miu",
            )
        reason = fields.get("partial_reason")
        if reason not in PartialReason.values:
            return RecordRefused(
                "Choose why less than the prescribed dose was given.", field="partial_reason"
            )
        if reason in NEEDS_NOTE and not fields.get("reason_note", "").strip():
            return RecordRefused("Add a note to say what the reason was.", field="reason_note")
    given_at = fields["given_at"]
    refusal = dose.refusal_of_given_time(given_at, now) or _too_soon_after_last(dose, given_at)
    return RecordRefused(refusal) if refusal else None


def _too_soon_after_last(dose: Dose, given_at) -> str | None:
    """Two doses given closer than the regimen allows are a double dose, from any course."""
    gap = dose.course.minimum_gap()
    near = (
        DoseRecord.objects.active()
        .filter(
            outcome__in=DoseRecord.RECEIVED,
            dose__course__patient_id=dose.course.patient_id,
            given_at__gt=given_at - gap,
            given_at__lt=given_at + gap,
        )
        .exclude(dose=dose)
        .select_related("dose")
        .first()
    )
    if near is None:
        return None
    when = timezone.localtime(near.given_at, dose.course.patient.zone)
    return (
        f"{near.dose} was given at {when:%a %d %b %H:%M %Z}, less than "
        f"{gap.total_seconds() / 3600:g} hours from this time. Check the dose and the time."
    )


def latest_valid_check(dose: Dose, at) -> PreDoseCheck | None:
    """The last pre-dose check that counts for the dose given at `at`, or None."""
    return (
        dose.checks.filter(taken_at__gte=at - CHECK_VALID_FOR, taken_at__lte=at + CLOCK_LEEWAY)
        .order_by("-taken_at", "-pk")
        .first()
    )


def withhold_needing_override(dose: Dose, at) -> tuple[str, PreDoseCheck | None] | None:
    """What a dose given at `at` needs a prescriber's override for: (kind, check), or None.

    The latest check that counts fired a withhold rule (or recorded signs of hepatic
    failure), or a high-dose IV dose has no check that counts.
    """
    if not dose.course.needs_pre_dose_check:
        return None
    check = latest_valid_check(dose, at)
    if check is None:
        return WithholdOverride.Kind.NO_CHECK, None
    if check.needs_prescriber:
        return WithholdOverride.Kind.FIRED_RULES, check
    return None


def active_override(dose: Dose, kind: str, check) -> WithholdOverride | None:
    return (
        WithholdOverride.objects.active()
        .filter(dose=dose, kind=kind, pre_dose_check=check)
        .order_by("-recorded_at", "-pk")
        .first()
    )


def withhold_status(dose: Dose, now) -> dict | None:
    """What withholds the dose now, for a page: kind, check, and the override if made.

    None for a dose that takes no record now, and for one still hours away with no check.
    """
    if dose.refusal_to_record():
        return None
    needed = withhold_needing_override(dose, now)
    if needed is None:
        return None
    kind, check = needed
    if check is None and dose.planned_at > now + CHECK_VALID_FOR:
        return None
    return {"kind": kind, "check": check, "override": active_override(dose, kind, check)}


def _withhold_text(kind: str, check) -> str:
    if kind == WithholdOverride.Kind.NO_CHECK:
        hours = CHECK_VALID_FOR.total_seconds() / 3600
        return f"No pre-dose check is recorded for this dose in the {hours:g} hours before it."
    return f"The pre-dose check fired withhold rules: {'; '.join(_fired(check))}."


def _what_withholds(kind: str, check) -> str:
    """The withhold in words, for the team's alert: "the pre-dose check's withhold rules (…)"."""
    if kind == WithholdOverride.Kind.NO_CHECK:
        hours = CHECK_VALID_FOR.total_seconds() / 3600
        return f"no pre-dose check in the {hours:g} hours before it"
    return f"the pre-dose check's withhold rules ({'; '.join(_fired(check))})"


def _fired(check: PreDoseCheck) -> list[str]:
    fired = [rule_text(rule) for rule in check.fired_rules]
    if check.hepatic_failure == Finding.YES:
        fired.append("signs of hepatic failure (the label stops the course)")
    return fired


def refusal_of_override_reason(reason: str) -> str | None:
    """Why a prescriber's reason is not a reason: too short, or no words in it."""
    words = re.findall(r"[^\W\d_]{2,}", reason)
    if len(reason.strip()) < OVERRIDE_REASON_MIN or len(words) < 2:
        return (
            f"Give the clinical reason in words, at least {OVERRIDE_REASON_MIN} characters: "
            "it is kept with the dose's record."
        )
    return None


def _new_override(dose: Dose, kind: str, check, *, by, reason: str, now) -> WithholdOverride:
    if not can_override_withhold(by):
        raise RecordRefused(
            f"{_withhold_text(kind, check)} Only a clinician (the prescriber) can authorise "
            "giving it; ask them to authorise it on the dose page, or hold the dose."
        )
    refusal = refusal_of_override_reason(reason)
    if refusal:
        raise RecordRefused(refusal, field="override_reason")
    override = WithholdOverride(
        dose=dose,
        pre_dose_check=check,
        kind=kind,
        reason=reason.strip(),
        authorised_by=by,
        recorded_at=now,
    )
    save_with_history(override, by=by, reason=f"{override.get_kind_display()}: {override.reason}")
    alert_for_override(override, withheld_by=_what_withholds(kind, check))
    return override


def _override_to_give(dose: Dose, fields: dict, *, by, reason: str):
    """What a dose given at fields["given_at"] is given under; RecordRefused if nothing.

    Returns (override, None) for an override already made, (None, needed) for one a
    clinician makes now with `reason` (once every other rule passes), or (None, None)
    when nothing withholds the dose.  Anyone but a clinician is refused, told a
    clinician must authorise it.  Asked before the other questions: a dose that may
    not be given has nothing to confirm.
    """
    refusal = _chart_changed_since_check(dose, fields["given_at"])
    if refusal:
        raise refusal
    needed = withhold_needing_override(dose, fields["given_at"])
    if needed is None:
        return None, None
    kind, check = needed
    existing = active_override(dose, kind, check)
    if existing:
        return existing, None
    if not can_override_withhold(by):
        raise RecordRefused(
            f"{_withhold_text(kind, check)} A clinician (the prescriber) must authorise giving "
            "it before it is recorded as given; ask them, or hold the dose."
        )
    if not reason.strip():
        raise RecordRefused(
            f"{_withhold_text(kind, check)} Authorise giving it with your reason, or hold the dose.",
            field="override_reason",
        )
    refusal = refusal_of_override_reason(reason)
    if refusal:
        raise RecordRefused(refusal, field="override_reason")
    return None, needed


def _chart_changed_since_check(dose: Dose, at) -> RecordRefused | None:
    """A chart rule met at `at` that the check counting for the dose did not see.

    The check, and any override of it, decided on the chart as it was then; a rule
    met since (sixteen hours of oliguria reached, a new low pressure) needs a new
    check, whose rules and override decide again.
    """
    if not chart_rules.applies_to(dose.course):
        return None
    check = latest_valid_check(dose, at)
    if check is None:
        return None
    seen = {rule.get("chart_rule") for rule in check.fired_rules}
    new = [r for r in chart_rules.assess(dose.course, at).met if r.rule.slug not in seen]
    if not new:
        return None
    met = "; ".join(f"{r.rule.name} ({r.why})" for r in new)
    return RecordRefused(
        f"Since the pre-dose check the chart meets: {met}. Record a new pre-dose check "
        "before giving the dose."
    )


def _different_time_question(dose: Dose, fields: dict, now) -> str | None:
    """What the nurse must confirm before a given time that looks like another dose's.

    With a reason the record goes on, and keeps it; with nothing to confirm, a stray
    reason is dropped.
    """
    questions = dose.questions_of_given_time(fields["given_at"], now)
    if not questions:
        fields["different_time_reason"] = ""
        return None
    if fields.get("different_time_reason", "").strip():
        fields["different_time_reason"] = fields["different_time_reason"].strip()
        return None
    return (
        "Check the dose: "
        + " ".join(questions)
        + " If it was given then, confirm it was given at a different time and say why."
    )


def needing_an_answer(alerts) -> list:
    """The open alerts a dose may be given past only once answered: the urgent ones."""
    return [alert for alert in alerts if alert.severity == Alert.Severity.URGENT]


def _urgent_alert_answers(dose: Dose, choices: dict, reason: str):
    """The patient's urgent open alerts, answered: (question or None, to acknowledge, passed).

    Each must be acknowledged, or proceeded past with a reason; `choices` maps an
    alert's id to ACKNOWLEDGE or PROCEED.  An alert raised since the form was shown
    has no answer, so it is asked about.
    """
    alerts = needing_an_answer(
        Alert.objects.for_patient(dose.course.patient).open().most_severe_first()
    )
    unanswered = [a for a in alerts if choices.get(a.pk) not in (ACKNOWLEDGE, PROCEED)]
    passed = [a for a in alerts if choices.get(a.pk) == PROCEED]
    acknowledge = [a for a in alerts if choices.get(a.pk) == ACKNOWLEDGE]
    if unanswered:
        texts = "; ".join(alert.text.rstrip(".") for alert in unanswered)
        plural = len(unanswered) > 1
        question = (
            f"Patient has {'urgent open alerts' if plural else 'an urgent open alert'}: {texts}. "
            f"Acknowledge {'each' if plural else 'it'} or say why you proceed."
        )
    elif passed and not reason.strip():
        question = "Say why you proceed past the urgent alert before giving the dose."
    else:
        question = None
    return question, acknowledge, passed


def _clean(fields: dict) -> dict:
    """Keep only what the outcome uses, so a held dose never carries a stray amount."""
    keep = {"outcome", "notes", "reason_note", "pre_dose_check", "source"}
    received = {"given_at", "amount_iu", "given_by", "different_time_reason", "injection_site"}
    keep |= {
        Outcome.GIVEN: received,
        Outcome.PARTIAL: received | {"partial_reason"},
        Outcome.HELD: {"hold_reason"},
        Outcome.NOT_GIVEN: {"not_given_reason"},
    }[fields["outcome"]]
    return {k: v for k, v in fields.items() if k in keep and v is not None}


def _save_record(
    dose: Dose,
    *,
    by,
    fields: dict,
    now,
    reason: str,
    replaces=None,
    alerts=None,
    override_reason: str = "",
    already=_already_recorded,
):
    """Save a new record of `dose` once every rule passes; else RecordRefused, writing nothing.

    `alerts` is (choices, reason) for the patient's urgent open alerts, checked when a
    dose is recorded as given; None where they do not apply (a correction).  `already`
    says, to whoever is recording, that another record won the race.
    """
    fields = dict(fields)
    refusal = _refusal_of_fields(dose, fields, now)
    if refusal:
        raise refusal
    rounded_from = fields.pop("rounded_from", None)
    questions, acknowledge, passed = {}, [], []
    received = fields["outcome"] in DoseRecord.RECEIVED
    override, to_authorise = None, None
    if received:
        override, to_authorise = _override_to_give(dose, fields, by=by, reason=override_reason)
        questions[DIFFERENT_TIME] = _different_time_question(dose, fields, now)
        if alerts is not None:
            question, acknowledge, passed = _urgent_alert_answers(dose, *alerts)
            questions[URGENT_ALERTS] = question
    asked = {name: text for name, text in questions.items() if text}
    if asked:
        raise RecordRefused(" ".join(asked.values()), asks=asked)
    record = DoseRecord(
        dose=dose, recorded_by=by, recorded_at=now, replaces=replaces, **_clean(fields)
    )
    if to_authorise:
        # Written only once nothing else refuses the record.
        override = _new_override(dose, *to_authorise, by=by, reason=override_reason, now=now)
    if received:
        record.withhold_override = override
        if record.pre_dose_check is None:
            record.pre_dose_check = latest_valid_check(dose, record.given_at)
        if record.withhold_override:
            override = record.withhold_override
            reason += (
                f"; given under the override authorised by {override.authorised_by}: "
                f"{override.reason}"
            )
    if rounded_from is not None:
        reason += (
            f"; {_miu(rounded_from)} entered, within the 0.1 mL rounding of the volume drawn "
            f"up: recorded as the prescribed {_miu(record.amount_iu)}"
        )
    if record.different_time_reason:
        reason += f"; given at a different time: {record.different_time_reason}"
    if passed:
        proceed_reason = alerts[1].strip()
        record.proceeded_past_alerts = [
            {"alert": alert.pk, "text": alert.text, "reason": proceed_reason} for alert in passed
        ]
        names = "; ".join(f"alert {alert.pk} ({alert.text})" for alert in passed)
        reason += f"; given despite urgent {names}: {proceed_reason}"
    try:
        with transaction.atomic():
            save_with_history(record, by=by, reason=reason)
    except IntegrityError as error:
        raise RecordRefused(already(dose)) from error
    dose.set_status(fields["outcome"], by=by, reason=reason)
    if record.outcome == Outcome.HELD:
        alert_for_held_doses(dose, now=now)
    for alert in acknowledge:
        acknowledge_alert(alert, by=by, note=f"Acknowledged on recording {dose} as given.")
    return record


@transaction.atomic
def record_dose(
    dose: Dose,
    *,
    by,
    now=None,
    urgent_alerts: dict | None = None,
    proceed_reason: str = "",
    override_reason: str = "",
    **fields,
) -> DoseRecord:
    """Record a scheduled dose as given, a partial dose, held or not given.

    `fields` are DoseRecord fields: outcome, and given_at/amount_iu/given_by with
    different_time_reason (and partial_reason for a partial dose), hold_reason or
    not_given_reason with reason_note, notes and pre_dose_check.  A dose given while
    the patient has an urgent open alert needs `urgent_alerts`, each alert's id
    mapped to ACKNOWLEDGE or PROCEED, and a `proceed_reason` for those proceeded past.

    A dose the pre-dose rules withhold, or a high-dose IV dose with no recent
    check, is given only under a clinician's override (WithholdOverride): one
    made before on the dose page, or made now by a clinician with `override_reason`.
    """
    now = now or timezone.now()
    dose = _locked_recordable(dose)
    outcome = Outcome(fields["outcome"])
    return _save_record(
        dose,
        by=by,
        fields=fields,
        now=now,
        reason=f"Recorded as {outcome.label}",
        alerts=(urgent_alerts or {}, proceed_reason),
        override_reason=override_reason,
    )


def _mark_in_error(record: DoseRecord, *, by, reason: str, now) -> DoseRecord:
    # Marked through a copy: the caller's record stays as the database will have it
    # if a correction is refused after this and the transaction rolls back.
    return copy(record).mark_in_error(
        by=by,
        reason=reason,
        refused=RecordRefused,
        also={"marked_in_error_by": by, "marked_in_error_at": now},
    )


@transaction.atomic
def mark_entered_in_error(record: DoseRecord, *, by, reason: str, now=None) -> DoseRecord:
    """Withdraw a record with no replacement; the dose is waiting for a record again.

    If its time has passed it is overdue at once, so someone records what did happen.
    A future dose of a course that has stopped is cancelled instead, like the
    course's other doses still to come.
    """
    now = now or timezone.now()
    dose = _locked(record.dose)
    record = _mark_in_error(record, by=by, reason=reason, now=now)
    stopped = not dose.course.is_open and dose.planned_at > now
    status = Dose.Status.CANCELLED if stopped else Dose.Status.SCHEDULED
    dose.set_status(status, by=by, reason=f"Record entered in error: {reason}")
    return record


@transaction.atomic
def correct_record(
    record: DoseRecord, *, by, reason: str, now=None, override_reason: str = "", **fields
):
    """Mark `record` entered in error and replace it with a new one, in one step.

    A closed course can still be corrected: the dose happened, and what is wrong is
    only what was written about it.
    """
    now = now or timezone.now()
    dose = _locked(record.dose)
    old = _mark_in_error(record, by=by, reason=reason, now=now)
    return _save_record(
        dose,
        by=by,
        fields=fields,
        now=now,
        reason=f"Correction: {reason.strip()}",
        replaces=old,
        override_reason=override_reason,
    )


def _check_note(check: PreDoseCheck) -> str:
    """What a hold after a check says: the rules that fired, with the values measured."""
    values = check.rule_values()
    fired = []
    for rule in check.fired_rules:
        value = values.get(rule.get("measure"))
        measured = value is not None and not isinstance(value, bool)
        fired.append(f"{rule['text']} (measured {_shown(value)})" if measured else rule_text(rule))
    if check.hepatic_failure == Finding.YES:
        fired.append("signs of hepatic failure (the label stops the course)")
    note = "Pre-dose check: " + "; ".join(fired) if fired else ""
    return "; ".join(part for part in (note, check.decision_note) if part)


def rule_text(fired: dict) -> str:
    """A fired rule as kept on a check: a chart rule with its reason from the chart."""
    return f"{fired['text']} ({fired['why']})" if fired.get("why") else fired["text"]


def _shown(value) -> str:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.1')).normalize():f}"
    return str(value)


@transaction.atomic
def record_check(
    dose: Dose,
    *,
    by,
    decision: str,
    hold_reason: str = "",
    override_reason: str = "",
    taken_at=None,
    now=None,
    **values,
):
    """Save a pre-dose check with the rules it fired and the decision.

    `taken_at` is when the observations were taken, now unless charted later.
    When rules fire (or hepatic failure is recorded) the nurse holds the dose or
    asks the prescriber; only a clinician may decide to give, with an
    `override_reason` that becomes the dose's WithholdOverride.  Holding when
    nothing fired needs a note saying why.  A decision to hold records the held
    dose with the check, in the same transaction.  Returns (check, record or None).
    """
    now = now or timezone.now()
    dose = _locked_recordable(dose)
    check = PreDoseCheck(
        dose=dose, recorded_by=by, decision=decision, taken_at=taken_at or now, **values
    )
    refusal = check.refusal_of_taken_time(now)
    if refusal:
        raise RecordRefused(refusal)
    fired = check.evaluate(HoldRule.objects.active())
    if chart_rules.applies_to(dose.course):
        # The chart's trends and durations, read as they stood when the check was taken.
        chart = chart_rules.assess(dose.course, check.taken_at)
        check.fired_rules = fired = fired + [r.snapshot() for r in chart.met]
        check.chart_no_data = [r.snapshot() for r in chart.no_data]
    Decision = PreDoseCheck.Decision
    if (
        decision == Decision.HOLD
        and not check.needs_prescriber
        and not check.decision_note.strip()
    ):
        raise RecordRefused("No rule suggests holding. Add a note to say why the dose is held.")
    giving_past_withhold = decision == Decision.GIVE and check.needs_prescriber
    if giving_past_withhold and not can_override_withhold(by):
        raise RecordRefused(
            f"{_withhold_text(WithholdOverride.Kind.FIRED_RULES, check)} Hold the dose, or "
            "ask the prescriber: only a clinician can authorise giving it.",
            field="decision",
        )
    if giving_past_withhold:
        refusal = refusal_of_override_reason(override_reason)
        if refusal:
            raise RecordRefused(refusal, field="override_reason")
    save_with_history(check, by=by, reason="Pre-dose check")
    if giving_past_withhold:
        _new_override(
            dose,
            WithholdOverride.Kind.FIRED_RULES,
            check,
            by=by,
            reason=override_reason,
            now=now,
        )
    if decision != Decision.HOLD:
        return check, None
    # Hepatic failure alone is no hold reason: the course stops (§1); until a clinician
    # stops it, the dose held is "other", with the finding in the note.
    default_reason = next((rule["hold_reason"] for rule in fired if rule["hold_reason"]), "")
    if not default_reason and check.stops_course:
        default_reason = HoldReason.OTHER
    held = _save_record(
        dose,
        by=by,
        now=now,
        reason="Held after the pre-dose check",
        fields={
            "outcome": Outcome.HELD,
            "hold_reason": hold_reason or default_reason,
            "reason_note": _check_note(check)[:200],
            "pre_dose_check": check,
        },
    )
    return check, held


@transaction.atomic
def authorise_override(dose: Dose, *, by, reason: str, now=None) -> WithholdOverride:
    """A clinician authorises giving `dose` past what withholds it now, with a reason.

    Refused when nothing withholds the dose, or it is already authorised.
    """
    now = now or timezone.now()
    dose = _locked_recordable(dose)
    needed = withhold_needing_override(dose, now)
    if needed is None:
        raise RecordRefused(
            "Nothing withholds this dose: its latest pre-dose check fired no rule. "
            "No override is needed."
        )
    kind, check = needed
    if active_override(dose, kind, check):
        raise RecordRefused("Giving this dose is already authorised.")
    return _new_override(dose, kind, check, by=by, reason=reason, now=now)


@transaction.atomic
def withdraw_override(override: WithholdOverride, *, by, reason: str) -> WithholdOverride:
    """A clinician withdraws an authorisation made in error, before the dose is given.

    Marked entered in error with the reason; the dose is withheld again until someone
    authorises it anew.  Once a record was made under it, the record is what to correct.
    """
    if not can_override_withhold(by):
        raise RecordRefused("Only a clinician (the prescriber) can withdraw an authorisation.")
    dose = _locked(override.dose)
    given = dose.records.active().filter(withhold_override=override).first()
    if given is not None:
        raise RecordRefused(
            f"{dose} was recorded as {given.get_outcome_display().lower()} under this "
            "authorisation. Correct that record first, if it is wrong."
        )
    return override.mark_in_error(by=by, reason=reason, refused=RecordRefused)


# Records the patient makes of their own home injections ------------------------------


def _already_recorded_for_patient(dose: Dose) -> str:
    """Another record came first, in the patient's words: who made it, and when."""
    existing = dose.records.active().first()
    if existing is None:
        return "This dose was recorded a moment ago. Go back to your home page to see it."
    when = timezone.localtime(existing.recorded_at, dose.course.patient.zone)
    who = "You" if existing.by_the_patient else "Your nurse"
    return f"{who} already recorded this dose at {when:%H:%M}."


def earliest_own_time(dose: Dose):
    """The earliest a patient may say they injected a dose: its window before its time."""
    return dose.planned_at - dose.course.recording_window


def refusal_to_record_own(dose: Dose) -> str | None:
    """Why the patient cannot record this dose of theirs now, in their words; None if they can."""
    if dose.is_recorded:
        return _already_recorded_for_patient(dose)
    if dose.course.template.route != "sc":
        return "Your nurse gives and records this dose on the ward."
    return dose.refusal_to_record()


def _own_dose_locked(dose: Dose) -> Dose:
    dose = _locked(dose)
    refusal = refusal_to_record_own(dose)
    if refusal:
        raise RecordRefused(refusal)
    return dose


def _own_fields(dose: Dose, *, by, outcome, given_at, injection_site, not_given_reason):
    if outcome == Outcome.GIVEN:
        if given_at is None:
            raise RecordRefused("Say when you injected it.", field="given_at")
        if given_at < earliest_own_time(dose):
            raise RecordRefused(
                "That is too long before the dose's planned time. Check the day and the time, "
                "or call your care team.",
                field="given_time",
            )
        if injection_site not in InjectionSite.values:
            raise RecordRefused("Choose where you injected.", field="injection_site")
        return {
            "outcome": Outcome.GIVEN,
            "given_at": given_at,
            "amount_iu": dose.prescribed_iu,
            "given_by": by,
            "injection_site": injection_site,
        }
    if outcome == Outcome.NOT_GIVEN:
        if not_given_reason not in dict(PATIENT_NOT_GIVEN_REASONS):
            raise RecordRefused("Choose why you did not take it.", field="not_given_reason")
        return {"outcome": Outcome.NOT_GIVEN, "not_given_reason": not_given_reason}
    raise RecordRefused("Say whether you injected the dose or not.")


def _in_the_patients_words(refusal: RecordRefused) -> RecordRefused:
    """A different-time question, as the patient answers it: say why."""
    if DIFFERENT_TIME not in refusal.asks:
        return refusal
    message = refusal.message.replace(
        "If it was given then, confirm it was given at a different time and say why.",
        "If that is when you injected it, say why below.",
    ).replace("Check the dose: ", "Please check the time: ")
    return RecordRefused(message, asks=refusal.asks, field="different_time_reason")


@transaction.atomic
def record_own_dose(
    dose: Dose,
    *,
    by,
    outcome: str,
    given_at=None,
    injection_site: str = "",
    not_given_reason: str = "",
    reason_note: str = "",
    different_time_reason: str = "",
    now=None,
) -> DoseRecord:
    """The patient records a home (subcutaneous) dose of theirs: injected, or not taken.

    An injection is the prescribed dose, given by the patient at `given_at`, at
    `injection_site`; it goes through the same rules as a nurse's record (the time,
    a dose too soon after another), under the same lock, so a dose takes one active
    record whoever records first.  A dose not taken tells the care team
    (`alert_for_missed_dose`) in the same transaction.
    """
    now = now or timezone.now()
    dose = _own_dose_locked(dose)
    fields = _own_fields(
        dose,
        by=by,
        outcome=outcome,
        given_at=given_at,
        injection_site=injection_site,
        not_given_reason=not_given_reason,
    )
    fields["source"] = DoseRecord.Source.PATIENT
    fields["reason_note"] = reason_note.strip()
    fields["different_time_reason"] = different_time_reason
    label = Outcome(fields["outcome"]).label
    try:
        record = _save_record(
            dose,
            by=by,
            fields=fields,
            now=now,
            reason=f"Recorded by the patient as {label.lower()}",
            already=_already_recorded_for_patient,
        )
    except RecordRefused as refusal:
        raise _in_the_patients_words(refusal) from None
    if record.outcome == Outcome.NOT_GIVEN:
        alert_for_missed_dose(record)
    return record


@transaction.atomic
def verify_record(record: DoseRecord, *, by, now=None) -> DoseRecord:
    """A nurse or clinician confirms a record the patient made; a wrong one is corrected instead."""
    now = now or timezone.now()
    _locked(record.dose)
    record = DoseRecord.objects.select_for_update().get(pk=record.pk)
    if not record.by_the_patient:
        raise RecordRefused("Only a record the patient made needs verifying.")
    if not record.is_active:
        raise RecordRefused(record.already_in_error)
    if record.verified_at is not None:
        when = timezone.localtime(record.verified_at, record.dose.course.patient.zone)
        raise RecordRefused(f"{record.verified_by} already verified this record at {when:%H:%M}.")
    record.verified_by, record.verified_at = by, now
    save_with_history(
        record,
        by=by,
        reason="Verified the patient's record",
        update_fields=["verified_by", "verified_at"],
    )
    return record

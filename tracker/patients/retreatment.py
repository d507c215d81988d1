"""The "retreatment contraindicated" flag: set when a course stops for a label criterion,
lifted only by two different clinicians (docs/clinical-sources.md §1, docs/recording.md).

Setting the flag is part of stopping the course (regimens.courses.discontinue_course),
in the same transaction.  Lifting it is two steps, each with its history row: one
clinician asks, with a reason; a second, different clinician confirms.  Until then the
flag bars every new course.  A clinician who does not agree (or the one who asked,
changing their mind) declines the request, with a reason; the flag stays.
"""

from django.db import transaction
from django.utils import timezone

from tracker.accounts.roles import RETREATMENT_LIFT_ROLES
from tracker.lib.forms import REASON_LENGTH
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.patients.models import LIFT_REASON_MIN_LENGTH, RetreatmentContraindication

Flag = RetreatmentContraindication


class FlagRefused(Refused):
    """A change to the retreatment flag was refused; the message is for the clinician."""


def set_flag(patient, course, *, criterion: str, by, note: str = "") -> Flag:
    """Bar `patient` from aldesleukin: `course` was stopped for `criterion`.

    Called inside the transaction that stops the course.
    """
    flag = Flag(
        patient=patient,
        course=course,
        criterion=Flag.Criterion(criterion),
        note=note.strip()[:200],
        set_by=by,
        set_at=timezone.now(),
    )
    save_with_history(
        flag, by=by, reason=f"Retreatment contraindicated: {flag.get_criterion_display()}"
    )
    forget_flags(patient)
    return flag


def forget_flags(patient) -> None:
    """Make `patient` read their flags again: the ones it holds are out of date."""
    patient.__dict__.pop("retreatment_contraindications", None)


def _check_clinician(by, action: str) -> None:
    if by.role not in RETREATMENT_LIFT_ROLES:
        raise FlagRefused(f"Only a clinician can {action} a retreatment flag.")


def _lock(flag: Flag) -> Flag:
    flag.refresh_from_db(from_queryset=Flag.objects.select_for_update())
    return flag


def _clean_text(text: str, *, field: str, minimum: int = 0, what: str) -> str:
    text = " ".join(text.split())
    if len(text) < minimum:
        raise FlagRefused(
            f"Give the clinical reason {what} in a full sentence "
            f"(at least {minimum} characters): it is kept in the patient's history.",
            field=field,
        )
    if len(text) > REASON_LENGTH:
        raise FlagRefused(f"Keep it to {REASON_LENGTH} characters or fewer.", field=field)
    return text


@transaction.atomic
def request_lift(flag: Flag, *, by, reason: str) -> Flag:
    """A clinician asks to lift the flag, with a reason; a second clinician must confirm."""
    _check_clinician(by, "lift")
    reason = _clean_text(
        reason, field="reason", minimum=LIFT_REASON_MIN_LENGTH, what="to lift the flag"
    )
    _lock(flag)
    if flag.status == Flag.Status.LIFTED:
        raise FlagRefused("This flag is already lifted.")
    if flag.status == Flag.Status.LIFT_REQUESTED:
        raise FlagRefused(
            f"{flag.lift_requested_by} has already asked to lift this flag; "
            "it needs a second clinician's confirmation."
        )
    flag.status = Flag.Status.LIFT_REQUESTED
    flag.lift_requested_by, flag.lift_requested_at = by, timezone.now()
    flag.lift_reason = reason
    save_with_history(
        flag,
        by=by,
        reason=f"Lift asked for: {reason}",
        update_fields=["status", "lift_requested_by", "lift_requested_at", "lift_reason"],
    )
    return flag


@transaction.atomic
def confirm_lift(flag: Flag, *, by, note: str = "") -> Flag:
    """A second, different clinician confirms the lift; the patient may then start a course."""
    _check_clinician(by, "confirm the lift of")
    note = _clean_text(note, field="note", what="")
    _lock(flag)
    if flag.status == Flag.Status.LIFTED:
        raise FlagRefused("This flag is already lifted.")
    if flag.status != Flag.Status.LIFT_REQUESTED:
        raise FlagRefused("No clinician has asked to lift this flag yet.")
    if flag.lift_requested_by_id == by.pk:
        raise FlagRefused(
            "You asked to lift this flag, so you cannot confirm it: "
            "a second, different clinician must confirm."
        )
    flag.status = Flag.Status.LIFTED
    flag.lift_confirmed_by, flag.lift_confirmed_at = by, timezone.now()
    flag.lift_confirm_note = note
    save_with_history(
        flag,
        by=by,
        reason="Lift confirmed" + (f": {note}" if note else ""),
        update_fields=["status", "lift_confirmed_by", "lift_confirmed_at", "lift_confirm_note"],
    )
    forget_flags(flag.patient)
    return flag


@transaction.atomic
def decline_lift(flag: Flag, *, by, reason: str) -> Flag:
    """Turn down a request to lift the flag, with a reason: the flag stays, as it was.

    The request's details stay in the history; a later request starts again.
    """
    _check_clinician(by, "decline the lift of")
    reason = _clean_text(reason, field="reason", minimum=1, what="to decline the lift")
    _lock(flag)
    if flag.status != Flag.Status.LIFT_REQUESTED:
        raise FlagRefused("No lift of this flag is waiting for a decision.")
    flag.status = Flag.Status.ACTIVE
    flag.lift_requested_by, flag.lift_requested_at, flag.lift_reason = None, None, ""
    save_with_history(
        flag,
        by=by,
        reason=f"Lift declined: {reason}",
        update_fields=["status", "lift_requested_by", "lift_requested_at", "lift_reason"],
    )
    forget_flags(flag.patient)
    return flag

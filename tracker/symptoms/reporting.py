"""Saving side effects: patient reports and staff-graded entries, each with its dose and alerts."""

from django.db import transaction
from django.utils import timezone

from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.rules import alert_for_event, alert_for_report
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused
from tracker.lib.zones import CLOCK_LEEWAY
from tracker.symptoms.models import (
    SCALES,
    TEMPERATURE_RANGE_C,
    AdverseEvent,
    Attribute,
    SymptomReport,
)
from tracker.ward.models import DoseRecord


class EntryRefused(Refused):
    """A side-effect entry cannot be saved or changed; the message is for the user."""


def dose_given_before(patient, onset):
    """The dose given most recently before `onset`, by its active given record; else None."""
    record = (
        DoseRecord.objects.active()
        .filter(
            outcome=DoseRecord.Outcome.GIVEN,
            dose__course__patient=patient,
            given_at__lte=onset,
        )
        .select_related("dose")
        .order_by("-given_at")
        .first()
    )
    return record.dose if record else None


def clean_answers(symptom, answers: dict) -> dict:
    """Every attribute the item asks, each 0–4 (presence yes/no).

    PRO-CTCAE branching: a frequency of "Never" scores the other attributes 0.
    """
    cleaned = {}
    for attribute in symptom.attributes():
        value = answers.get(attribute.value)
        if attribute == Attribute.PRESENCE:
            if not isinstance(value, bool):
                raise EntryRefused(f"Answer: {symptom.question(attribute)}")
            cleaned["present"] = value
            continue
        if cleaned.get("frequency") == 0:
            value = 0
        if type(value) is not int or value not in range(len(SCALES[attribute])):
            raise EntryRefused(f"Answer: {symptom.question(attribute)}")
        cleaned[attribute.value] = value
    return cleaned


def clean_temperature(symptom, temperature_c):
    """A measured temperature in °C, for an item that takes one; None if not given."""
    if temperature_c is None:
        return None
    if not symptom.asks_temperature:
        raise EntryRefused(f"A temperature cannot be added to {symptom.name.lower()}.")
    low, high = TEMPERATURE_RANGE_C
    if not low <= temperature_c <= high:
        raise EntryRefused(
            f"{temperature_c} °C is not a temperature a thermometer would show: "
            f"enter one between {low} and {high} °C.",
            field="temperature",
        )
    return temperature_c


def _check_onset(onset, now):
    if onset > now + CLOCK_LEEWAY:
        raise EntryRefused("The time it started is in the future.")


@transaction.atomic
def report_symptom(
    patient,
    symptom,
    *,
    by,
    answers: dict,
    onset_at=None,
    note="",
    temperature_c=None,
    now=None,
):
    """Save a patient's report, linked to the dose given most recently before its onset.

    `temperature_c` is what the patient measured, for an item that asks it (fever).
    """
    now = now or timezone.now()
    onset_at = onset_at or now
    _check_onset(onset_at, now)
    report = SymptomReport(
        temperature_c=clean_temperature(symptom, temperature_c),
        patient=patient,
        symptom=symptom,
        onset_at=onset_at,
        note=note.strip(),
        reported_by=by,
        dose=dose_given_before(patient, onset_at),
        linked_automatically=True,
        **clean_answers(symptom, answers),
    )
    save_with_history(report, by=by, reason="Reported")
    alert_for_report(report)
    return report


@transaction.atomic
def change_report(report, *, by, onset_at, note: str, dose="auto", now=None):
    """The patient corrects when it started, the note, or the dose it belongs to.

    dose="auto" links it again by the rule; None unlinks it; a Dose links to it.
    """
    now = now or timezone.now()
    _check_onset(onset_at, now)
    if dose not in ("auto", None) and dose.course.patient_id != report.patient_id:
        raise EntryRefused("That dose is not one of yours.")
    _lock_active(report)
    report.onset_at, report.note = onset_at, note.strip()
    if dose == "auto":
        report.dose, report.linked_automatically = (
            dose_given_before(report.patient, onset_at),
            True,
        )
    else:
        report.dose, report.linked_automatically = dose, False
    # Only the patient's fields: a clinician's review saved meanwhile stays.
    save_with_history(
        report,
        by=by,
        reason="Changed by the patient",
        update_fields=["onset_at", "note", "dose", "linked_automatically"],
    )
    return report


def _lock_active(report):
    """Re-read the report under a row lock; refuse one entered in error meanwhile."""
    report.refresh_from_db(from_queryset=SymptomReport.objects.select_for_update())
    if not report.is_active:
        raise EntryRefused("This report was withdrawn as entered in error.")


@transaction.atomic
def review_report(report, *, by, grade: int, now=None, acknowledge=()):
    """A clinician's CTCAE grade for a patient's report (0: not an adverse event).

    `acknowledge` is the report's open alerts the clinician chose to close with the
    review, in the same transaction; `report.closed_alerts` says which closed (one
    someone else acknowledged first stays theirs).
    """
    if grade not in range(6):
        raise EntryRefused("Choose a grade from 0 to 5.")
    _lock_active(report)
    report.reviewed_grade, report.reviewed_by = grade, by
    report.reviewed_at = now or timezone.now()
    save_with_history(
        report,
        by=by,
        reason=f"Reviewed: grade {grade}",
        update_fields=["reviewed_grade", "reviewed_by", "reviewed_at"],
    )
    note = f"Report reviewed: grade {grade}."
    report.closed_alerts = [a for a in acknowledge if acknowledge_alert(a, by=by, note=note)]
    return report


@transaction.atomic
def record_event(
    patient,
    term,
    *,
    by,
    grade: int,
    onset_at,
    attribution,
    resolved_at=None,
    dose="auto",
    note="",
    now=None,
):
    """A staff CTCAE entry; a grade the term does not define is refused.

    Returns the event; its `raised_alert` is the alert it raised for the care
    team, or None, so the caller can say so without restating the thresholds.
    """
    now = now or timezone.now()
    _check_onset(onset_at, now)
    if not term.is_active:
        raise EntryRefused(f"{term} is no longer in use. Choose a current term.")
    if not term.grade_text(grade):
        raise EntryRefused(f"{term.term} has no grade {grade} in CTCAE v{term.version}.")
    if resolved_at and resolved_at < onset_at:
        raise EntryRefused("It cannot resolve before it started.")
    if resolved_at and resolved_at > now + CLOCK_LEEWAY:
        raise EntryRefused("The time it resolved is in the future.")
    if dose not in ("auto", None) and dose.course.patient_id != patient.pk:
        raise EntryRefused("That dose is another patient's.")
    event = AdverseEvent(
        patient=patient,
        term=term,
        ctcae_version=term.version,
        grade=grade,
        onset_at=onset_at,
        resolved_at=resolved_at,
        attribution=attribution,
        dose=dose_given_before(patient, onset_at) if dose == "auto" else dose,
        note=note.strip(),
        recorded_by=by,
    )
    save_with_history(event, by=by, reason="Recorded")
    event.raised_alert = alert_for_event(event)
    return event


@transaction.atomic
def mark_event_in_error(event, *, by, reason: str) -> AdverseEvent:
    """A staff entry graded by mistake: it stays in the list, struck through, and
    leaves the timeline cells and the side-by-side rows."""
    return event.mark_in_error(by=by, reason=reason, refused=EntryRefused)


@transaction.atomic
def withdraw_report(report, *, by, reason: str) -> SymptomReport:
    """The patient withdraws a report made by mistake: it is kept, marked entered in
    error, and leaves the timeline cells and the side-by-side rows."""
    return report.mark_in_error(by=by, reason=reason, refused=EntryRefused)

"""Access helpers for doses and their records: the first call in every ward view.

Scope follows the patient (tracker.patients.access): out of scope is 404.  Only
the care team's clinicians and nurses record; anyone else in scope gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from regimens.models import Dose
from tracker.accounts.roles import RECORDER_ROLES, WITHHOLD_OVERRIDE_ROLES, Role
from tracker.lib.reads import note_read
from tracker.ward.models import DoseRecord, WithholdOverride


def can_record(user) -> bool:
    return user.role in RECORDER_ROLES


def get_dose_for_user(user, pk, *, record: bool = False, override: bool = False) -> Dose:
    dose = get_object_or_404(Dose.objects.visible_to(user).with_course(), pk=pk)
    note_read(dose.course.patient_id)
    if record and not can_record(user):
        raise PermissionDenied
    if override and not can_override_withhold(user):
        raise PermissionDenied
    return dose


def get_record_for_user(user, pk, *, correct: bool = False) -> DoseRecord:
    record = get_object_or_404(
        DoseRecord.objects.filter(dose__in=Dose.objects.visible_to(user)).select_related(
            "dose__course__patient", "dose__course__template"
        ),
        pk=pk,
    )
    note_read(record.dose.course.patient_id)
    if correct and not can_record(user):
        raise PermissionDenied
    return record


def get_own_dose(user, pk) -> Dose:
    """One of the patient's own home (subcutaneous) doses, for them to record.

    Out of scope is 404, as for any dose; staff who can see the dose are refused
    (they record on the dose page), and so is a patient's ward dose, which the nurse
    gives and records.
    """
    dose = get_object_or_404(Dose.objects.visible_to(user).with_course(), pk=pk)
    note_read(dose.course.patient_id)
    if user.role != Role.PATIENT or dose.course.patient.user_id != user.pk:
        raise PermissionDenied("Only the patient records their own injections here.")
    if dose.course.template.route != "sc":
        raise PermissionDenied(
            "Your nurse gives and records this dose on the ward: there is nothing to record here."
        )
    return dose


def get_record_to_verify(user, pk) -> DoseRecord:
    """A record the patient made, for the care team's nurse or clinician to verify."""
    record = get_record_for_user(user, pk)
    if not can_record(user):
        raise PermissionDenied("Only the patient's nurse or clinician verifies their records.")
    return record


def can_override_withhold(user) -> bool:
    """A prescriber's decision: give a dose the pre-dose rules withhold (§1)."""
    return user.role in WITHHOLD_OVERRIDE_ROLES


def get_override_for_user(user, pk, *, withdraw: bool = False) -> WithholdOverride:
    override = get_object_or_404(
        WithholdOverride.objects.filter(dose__in=Dose.objects.visible_to(user)).select_related(
            "dose__course__patient", "dose__course__template", "authorised_by"
        ),
        pk=pk,
    )
    note_read(override.dose.course.patient_id)
    if withdraw and not can_override_withhold(user):
        raise PermissionDenied
    return override

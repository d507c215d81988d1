"""Access helpers for doses and their records: the first call in every ward view.

Scope follows the patient (tracker.patients.access): out of scope is 404.  Only
the care team's clinicians and nurses record; anyone else in scope gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from regimens.models import Dose
from tracker.accounts.roles import RECORDER_ROLES, WITHHOLD_OVERRIDE_ROLES
from tracker.ward.models import DoseRecord, WithholdOverride


def can_record(user) -> bool:
    return user.role in RECORDER_ROLES


def get_dose_for_user(user, pk, *, record: bool = False, override: bool = False) -> Dose:
    dose = get_object_or_404(Dose.objects.visible_to(user).with_course(), pk=pk)
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
    if correct and not can_record(user):
        raise PermissionDenied
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
    if withdraw and not can_override_withhold(user):
        raise PermissionDenied
    return override

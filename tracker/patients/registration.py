"""Registering a patient and changing their record: the writes behind the patient forms.

The care team decides who may see a patient (tracker.patients.models.visible_to), so
each change to it is written with the record, in one transaction, with the person
and the reason in the history.
"""

from django.db import transaction

from tracker.accounts.roles import Role
from tracker.lib.history import save_with_history


@transaction.atomic
def register_patient(patient, *, by, care_team=()):
    """Save a new patient with their care team; a registering clinician joins it.

    Whoever registers a patient is on their care team, or they could not see them.
    """
    save_with_history(patient, by=by, reason="Registered")
    team = set(care_team)
    if by.role == Role.CLINICIAN:
        team.add(by)
    patient.care_team.set(team)
    return patient


@transaction.atomic
def change_patient(patient, *, by, reason: str, care_team=None):
    """Save changes to a patient's record, and to their care team if given, with a reason."""
    save_with_history(patient, by=by, reason=reason)
    if care_team is not None:
        patient.care_team.set(care_team)
    return patient

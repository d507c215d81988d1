"""Registering a patient and changing their care team: who and why in the history."""

import pytest

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role
from tracker.patients.registration import change_patient, register_patient

pytestmark = pytest.mark.django_db


def unsaved_patient():
    return PatientFactory.build(mrn="MRN-REG-1")


def test_a_registering_clinician_joins_the_care_team():
    clinician, nurse = make_user(Role.CLINICIAN), make_user(Role.NURSE)
    patient = register_patient(unsaved_patient(), by=clinician, care_team=[nurse])
    assert set(patient.care_team.all()) == {clinician, nurse}
    assert patient.history.first().history_change_reason == "Registered"


def test_a_registering_admin_does_not_join_the_care_team():
    admin, nurse = make_user(Role.ADMIN), make_user(Role.NURSE)
    patient = register_patient(unsaved_patient(), by=admin, care_team=[nurse])
    assert list(patient.care_team.all()) == [nurse]


def test_a_care_team_change_keeps_the_person_and_the_reason():
    clinician, nurse = make_user(Role.CLINICIAN), make_user(Role.NURSE)
    patient = register_patient(unsaved_patient(), by=clinician)
    change_patient(
        patient, by=clinician, reason="nurse joins the team", care_team=[clinician, nurse]
    )
    assert set(patient.care_team.all()) == {clinician, nurse}
    latest = patient.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        clinician,
        "nurse joins the team",
    )
    assert {member.user for member in latest.care_team.all()} == {clinician, nurse}

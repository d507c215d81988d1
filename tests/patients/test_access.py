import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tracker.patients.access import get_own_patient, get_patient_for_user

SEES_THE_RECORD = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
DOES_NOT = ["other_patient", "nurse_off_team", "clinician_off_team", "anonymous"]


@pytest.mark.parametrize("name", SEES_THE_RECORD)
def test_it_returns_the_patient_to_users_in_scope(personas, name):
    user = getattr(personas, name)
    assert get_patient_for_user(user, personas.patient.pk) == personas.patient


@pytest.mark.parametrize("name", DOES_NOT)
def test_it_raises_404_for_users_out_of_scope(personas, name):
    with pytest.raises(Http404):
        get_patient_for_user(getattr(personas, name), personas.patient.pk)


@pytest.mark.parametrize("name", ["clinician_on_team", "admin"])
def test_it_lets_clinicians_and_admins_edit(personas, name):
    user = getattr(personas, name)
    assert get_patient_for_user(user, personas.patient.pk, edit=True) == personas.patient


@pytest.mark.parametrize("name", ["the_patient", "nurse_on_team"])
def test_it_refuses_edits_to_patients_and_nurses_in_scope(personas, name):
    with pytest.raises(PermissionDenied):
        get_patient_for_user(getattr(personas, name), personas.patient.pk, edit=True)


def test_it_finds_a_patients_own_record(personas):
    assert get_own_patient(personas.the_patient) == personas.patient
    assert get_own_patient(personas.nurse_on_team) is None

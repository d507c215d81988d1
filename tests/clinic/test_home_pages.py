"""The home pages and the shift page: each for its own roles, each showing only my patients."""

import pytest

from tests.factories import make_user
from tracker.accounts.roles import Role


@pytest.mark.parametrize(
    "url, allowed",
    [("/clinic/", "clinician_on_team"), ("/me/", "the_patient")],
)
@pytest.mark.parametrize(
    "name",
    [
        "the_patient",
        "other_patient",
        "nurse_on_team",
        "nurse_off_team",
        "clinician_on_team",
        "admin",
    ],
)
def test_home_pages_belong_to_one_role(as_persona, personas, url, allowed, name):
    response = as_persona(name).get(url)
    same_role = getattr(personas, name).role == getattr(personas, allowed).role
    assert response.status_code == (200 if same_role else 403)


@pytest.mark.parametrize(
    "name, status",
    [
        ("nurse_on_team", 200),
        ("nurse_off_team", 200),
        ("clinician_on_team", 200),
        ("admin", 200),
        ("the_patient", 403),
        ("other_patient", 403),
    ],
)
def test_the_shift_page_is_for_staff(as_persona, personas, name, status):
    assert as_persona(name).get("/ward/").status_code == status


def test_the_clinic_page_lists_only_my_patients(as_persona, personas):
    response = as_persona("clinician_on_team").get("/clinic/")
    assert list(response.context["patients"]) == [personas.patient]


def test_the_ward_page_links_to_my_patients_instead_of_listing_them(as_persona, personas):
    response = as_persona("nurse_on_team").get("/ward/")
    assert "patients" not in response.context
    assert personas.patient.mrn not in response.text
    assert 'href="/patients/"' in response.text


def test_a_patient_sees_their_own_record_at_home(as_persona, personas):
    response = as_persona("the_patient").get("/me/")
    assert response.context["patient"] == personas.patient
    assert f"Hello, {personas.patient.given_name}" in response.text


@pytest.mark.django_db
def test_a_patient_without_a_linked_record_is_told_so(client):
    client.force_login(make_user(Role.PATIENT))
    response = client.get("/me/")
    assert "not linked to a patient record" in response.text

"""Addresses with hostile query strings get a page with a message, never a server error.

PostgreSQL refuses a NUL in a compared string and a number past its integer column;
the suite runs on it in CI (DATABASE_URL)."""

import pytest

pytestmark = pytest.mark.django_db

HOSTILE = ["a\x00b", "\x00", "9" * 30, "-1", "²", "٣", "x" * 3000]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_course_form_ignores_a_template_that_is_not_an_id(as_persona, personas, value):
    page = f"/patients/{personas.patient.pk}/courses/new/"
    response = as_persona("clinician_on_team").get(page, {"template": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", HOSTILE)
def test_the_side_effect_form_lists_the_terms_for_a_term_that_is_not_an_id(
    as_persona, personas, value
):
    page = f"/patients/{personas.patient.pk}/side-effects/new/"
    response = as_persona("clinician_on_team").get(page, {"term": value})
    assert response.status_code == 200
    assert "That term is not in the current CTCAE list" in response.text


def test_a_nul_in_the_term_search_is_refused_with_a_message(as_persona, personas):
    page = f"/patients/{personas.patient.pk}/side-effects/new/"
    response = as_persona("clinician_on_team").get(page, {"q": "Fever\x00"})
    assert response.status_code == 200
    assert "The search was not run" in response.text


@pytest.mark.parametrize("value", HOSTILE)
def test_the_patient_search_answers_any_query(as_persona, value):
    assert as_persona("nurse_on_team").get("/patients/", {"q": value}).status_code == 200

"""The chart's pages are reached from the patient's page and from each other."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["vitals", "fluids", "weight", "infusions", "events", "labs"]


def test_the_patient_page_links_every_chart_page(as_persona, personas):
    page = as_persona("nurse_on_team").get(f"/patients/{personas.patient.pk}/").text
    assert "Observation chart" in page
    for name in PAGES:
        assert f'href="/patients/{personas.patient.pk}/chart/{name}/"' in page


@pytest.mark.parametrize("here", PAGES)
def test_each_chart_page_links_the_others_and_marks_itself(as_persona, personas, here):
    page = as_persona("nurse_on_team").get(f"/patients/{personas.patient.pk}/chart/{here}/").text
    for name in PAGES:
        assert f'href="/patients/{personas.patient.pk}/chart/{name}/"' in page
    url = f"/patients/{personas.patient.pk}/chart/{here}/"
    assert f'href="{url}" aria-current="page"' in page
    others = [name for name in PAGES if name != here]
    for name in others:
        assert f'chart/{name}/" aria-current' not in page

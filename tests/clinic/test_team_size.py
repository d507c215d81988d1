"""The team's pages read the same queries for a team of 3 patients and of 30: each shows
a page or the most urgent few, with counts and links to the rest."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory, make_course
from tracker.alerts.models import Alert

# Dose 1 of a course started today is overdue; courses begun in January have TSH checks overdue.
NOW = "2027-03-10 18:00Z"
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]

PAGES = ["/ward/", "/clinic/", "/alerts/", "/thyroid/due/", "/patients/"]


@pytest.fixture
def grow_team(personas, raise_alert, now):
    """Add patients to the team, each with a course, an open alert and checks to do."""
    team = [personas.nurse_on_team, personas.clinician_on_team]

    def grow(how_many):
        for n in range(how_many):
            patient = PatientFactory(care_team=team)
            if n % 2:
                make_course(patient, by=personas.clinician_on_team)
            else:
                make_course(
                    patient,
                    slug="sc-5on2off",
                    start="2027-01-04 09:00",
                    cycles=2,
                    by=personas.clinician_on_team,
                )
            raise_alert(patient, personas.nurse_on_team, at=now)

    return grow


def queries_for(client, path) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("path", PAGES)
def test_it_runs_the_same_queries_for_a_team_of_3_and_of_30(as_persona, grow_team, path):
    client = as_persona("clinician_on_team" if path == "/clinic/" else "nurse_on_team")
    grow_team(3)
    small, _ = queries_for(client, path)
    grow_team(27)
    large, _ = queries_for(client, path)
    assert Alert.objects.open().count() == 30
    assert large == small


def test_the_shift_page_does_not_list_the_team(as_persona, personas, grow_team):
    grow_team(3)
    response = as_persona("nurse_on_team").get("/ward/")
    assert "patients" not in response.context
    assert "Patients on my care team" not in response.text
    assert 'href="/patients/"' in response.text

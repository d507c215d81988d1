import pytest

from tests.factories import make_course
from tests.ward.conftest import raise_alert  # noqa: F401  (the ward's way of raising an alert)


@pytest.fixture
def course(personas):
    """A high-dose IV label course from 2027-03-10 08:00 New York: dose 1 at 13:00 UTC."""
    return make_course(personas.patient, by=personas.clinician_on_team)

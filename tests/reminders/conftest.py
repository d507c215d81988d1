import pytest

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role


@pytest.fixture
def home_patient(db):
    """A patient with a login and an e-mail address, in London."""
    user = make_user(Role.PATIENT, username="home-patient", email="home.patient@example.org")
    return PatientFactory(
        user=user, given_name="Zebedee", family_name="Quixley", time_zone="Europe/London"
    )

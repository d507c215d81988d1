from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import PatientFactory, make_user, sign_in_with_second_factor, verified
from tracker.accounts.roles import Role


@dataclass
class Personas:
    """One patient and everyone who might try to reach their record."""

    patient: object  # the Patient record the personas are about
    the_patient: object  # its own login
    other_patient: object
    nurse_on_team: object
    nurse_off_team: object
    clinician_on_team: object
    clinician_off_team: object
    admin: object
    anonymous: object


@pytest.fixture
def personas(db) -> Personas:
    the_patient = make_user(Role.PATIENT, username="patient")
    other_patient = make_user(Role.PATIENT, username="other-patient")
    nurse_on_team = make_user(Role.NURSE, username="nurse-on-team")
    clinician_on_team = make_user(Role.CLINICIAN, username="clinician-on-team")
    patient = PatientFactory(user=the_patient, care_team=[nurse_on_team, clinician_on_team])
    PatientFactory(user=other_patient)
    return Personas(
        patient=patient,
        the_patient=the_patient,
        other_patient=other_patient,
        nurse_on_team=nurse_on_team,
        nurse_off_team=make_user(Role.NURSE, username="nurse-off-team"),
        clinician_on_team=clinician_on_team,
        clinician_off_team=make_user(Role.CLINICIAN, username="clinician-off-team"),
        # Verified, as after the second factor, for tests that call the ORM directly.
        admin=verified(make_user(Role.ADMIN, username="admin")),
        anonymous=AnonymousUser(),
    )


@pytest.fixture
def as_persona(client, personas):
    """Sign the test client in as the named persona and return it."""

    def sign_in(name: str):
        user = getattr(personas, name)
        if name == "admin":
            # An admin sees patients only once verified by a second factor.
            return sign_in_with_second_factor(client, user)
        if user.is_authenticated:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def shipped_data(db):
    """The templates, hold rules, CTCAE terms and PRO-CTCAE items the app ships.

    Transactional tests (browser, concurrency) flush the tables, and with them
    what data migrations wrote, for the tests that follow.
    """
    from tracker import shipped

    shipped.load_all(reset=True)

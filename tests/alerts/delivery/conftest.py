"""A ward with a consultant, a care team with a nurse on call, and ways to raise alerts."""

from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPServerDisconnected
from types import SimpleNamespace

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from tests.factories import PatientFactory, make_user, make_ward, put_on_call
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "tests.alerts.delivery.conftest.FailingBackend"


@pytest.fixture
def people(db):
    return SimpleNamespace(
        on_call=make_user(Role.NURSE, username="nora", email="nora@example.org"),
        nurse=make_user(Role.NURSE, username="ngozi", email="ngozi@example.org"),
        clinician=make_user(Role.CLINICIAN, username="chidi", email="chidi@example.org"),
        consultant=make_user(Role.CLINICIAN, username="cora", email="cora@example.org"),
        patient=make_user(Role.PATIENT, username="peter", email="peter@example.org"),
    )


@pytest.fixture
def ward(people):
    return make_ward(name="Ward 7", consultant=people.consultant)


@pytest.fixture
def patient(people, ward):
    return PatientFactory(
        mrn="MRN-004211",
        user=people.patient,
        ward=ward,
        care_team=[people.on_call, people.nurse, people.clinician],
    )


@pytest.fixture
def shift(people, ward, now):
    return put_on_call(people.on_call, ward, starts_at=now - timedelta(hours=1))


@pytest.fixture
def urgent(patient, people, raise_alert, django_capture_on_commit_callbacks):
    """Raise an urgent alert now, as a nurse grading hypotension 4 would; it is sent on commit."""

    def raise_it(about=None, *, grade=4):
        with django_capture_on_commit_callbacks(execute=True):
            alert = raise_alert(about or patient, people.nurse, grade=grade, at=timezone.now())
        assert alert.severity == Alert.Severity.URGENT
        return alert

    return raise_it


@pytest.fixture
def routine(patient, people):
    """Raise a routine alert now: a TSH above the range, below the level that is called out."""
    from tracker.thyroid.recording import record_result

    def raise_it(about=None):
        result = record_result(
            about or patient,
            by=people.nurse,
            test="tsh",
            value=Decimal("5.6"),
            unit="mIU/L",
            collected_at=timezone.now(),
        )
        alert = result.alerts.get()
        assert alert.severity == Alert.Severity.ROUTINE
        return alert

    return raise_it

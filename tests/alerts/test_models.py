"""An alert: acknowledged once, by someone, with history; and what the database refuses."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from tests.factories import PatientFactory, make_user, verified
from tracker.accounts.roles import Role
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


@pytest.fixture
def nurse():
    return make_user(Role.NURSE)


@pytest.fixture
def patient(nurse):
    return PatientFactory(care_team=[nurse])


def graded(patient, by, grade=3, term="Nausea"):
    term = CtcaeTerm.objects.get(version="5.0", term=term)
    return record_event(patient, term, by=by, grade=grade, onset_at=NOW, attribution="possible")


@pytest.fixture
def alert(patient, nurse):
    return graded(patient, nurse).alerts.get()


def test_acknowledging_records_who_when_and_the_note(alert, nurse):
    assert acknowledge_alert(alert, by=nurse, note="  Seen; antiemetic given  ") is True
    assert (alert.acknowledged_by, alert.acknowledged_at) == (nurse, NOW)
    alert = Alert.objects.get(pk=alert.pk)
    assert not alert.is_open
    assert (alert.acknowledged_by, alert.acknowledged_at) == (nurse, NOW)
    assert alert.acknowledgement_note == "Seen; antiemetic given"
    assert not Alert.objects.open().exists()


def test_acknowledging_writes_a_history_row_with_the_user(alert, nurse):
    acknowledge_alert(alert, by=nurse)
    latest = alert.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == nurse
    assert latest.history_change_reason == "Acknowledged"
    assert latest.acknowledged_at == NOW
    assert alert.history.count() == 2  # raised, acknowledged


def test_a_second_acknowledgement_is_refused_and_changes_nothing(alert, patient, nurse):
    # Both opened the alert before either acknowledged it.
    theirs = Alert.objects.get(pk=alert.pk)
    acknowledge_alert(alert, by=nurse, note="first")
    clinician = make_user(Role.CLINICIAN)
    patient.care_team.add(clinician)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert acknowledge_alert(theirs, by=clinician, note="second") is False
    alert = Alert.objects.get(pk=alert.pk)
    assert (alert.acknowledged_by, alert.acknowledged_at) == (nurse, NOW)
    assert alert.acknowledgement_note == "first"
    assert alert.history.count() == 2


def test_an_alert_is_seen_by_its_patients_care_team_and_the_admin(alert, nurse):
    assert list(Alert.objects.visible_to(nurse)) == [alert]
    assert list(Alert.objects.visible_to(verified(make_user(Role.ADMIN)))) == [alert]
    assert not Alert.objects.visible_to(make_user(Role.NURSE)).exists()
    assert not Alert.objects.visible_to(make_user(Role.PATIENT)).exists()


def test_open_alerts_are_listed_newest_first(patient, nurse):
    older = graded(patient, nurse).alerts.get()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        newer = graded(patient, nurse, grade=3).alerts.get()
    assert list(Alert.objects.open()) == [newer, older]
    acknowledge_alert(older, by=nurse)
    assert list(Alert.objects.open().for_patient(patient)) == [newer]


def assert_refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**fields)


def test_an_acknowledgement_needs_someone(patient, nurse):
    event = graded(patient, nurse, grade=2)
    source = {"patient": patient, "trigger": Alert.Trigger.STAFF_GRADE, "adverse_event": event}
    assert_refused(**source, text="no one", acknowledged_at=NOW)
    assert_refused(**source, text="no time", acknowledged_by=nurse)
    Alert.objects.create(**source, text="both", acknowledged_at=NOW, acknowledged_by=nurse)


def test_an_alert_needs_the_entry_of_its_trigger(patient, nurse):
    event = graded(patient, nurse, grade=2)
    assert_refused(patient=patient, trigger=Alert.Trigger.THYROID, text="TSH high")
    assert_refused(patient=patient, trigger=Alert.Trigger.THYROID, text="TSH", adverse_event=event)
    assert_refused(
        patient=patient, trigger=Alert.Trigger.PATIENT_ANSWER, text="x", adverse_event=event
    )
    assert not Alert.objects.exists()


def test_most_severe_first_puts_urgent_before_high_before_routine_then_newest(patient, nurse):
    high_old = graded(patient, nurse, grade=3).alerts.get()
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        urgent = graded(patient, nurse, grade=4, term="Vomiting").alerts.get()
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        high_new = graded(patient, nurse, grade=3).alerts.get()
    routine = Alert.objects.create(
        patient=patient,
        trigger=Alert.Trigger.STAFF_GRADE,
        adverse_event=high_new.adverse_event,
        severity=Alert.Severity.ROUTINE,
        text="routine",
        created_at=NOW + timedelta(minutes=20),
    )
    assert list(Alert.objects.most_severe_first()) == [urgent, high_new, high_old, routine]


def test_the_database_refuses_an_unknown_severity(patient, nurse):
    alert = graded(patient, nurse).alerts.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(severity="meh")

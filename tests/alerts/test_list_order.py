"""Every list of alerts reads most severe first, then newest: across patients too."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import PatientFactory
from tracker.alerts.for_doses import other_open_alerts, patient_open_alerts
from tracker.alerts.models import Alert

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


@pytest.fixture
def alert_of(personas, raise_alert):
    def make(patient, severity, minutes_ago):
        alert = raise_alert(
            patient, personas.nurse_on_team, at=NOW - timedelta(minutes=minutes_ago)
        )
        Alert.objects.filter(pk=alert.pk).update(
            severity=severity, created_at=NOW - timedelta(minutes=minutes_ago)
        )
        return alert

    return make


def test_alerts_of_patients_with_no_dose_listed_are_most_severe_first(personas, alert_of):
    other = PatientFactory(care_team=[personas.nurse_on_team])
    first_routine = alert_of(personas.patient, "routine", 5)
    urgent = alert_of(personas.patient, "urgent", 60)
    high = alert_of(other, "high", 10)
    older_routine = alert_of(other, "routine", 90)
    alerts, count = other_open_alerts(personas.nurse_on_team, [], limit=20)
    assert alerts == [urgent, high, first_routine, older_routine]
    assert count == 4


def test_only_the_most_severe_few_are_read_and_the_rest_counted(personas, alert_of):
    urgent = alert_of(personas.patient, "urgent", 60)
    high = alert_of(personas.patient, "high", 10)
    alert_of(personas.patient, "routine", 5)
    alerts, count = other_open_alerts(personas.nurse_on_team, [], limit=2)
    assert alerts == [urgent, high]
    assert count == 3


def test_one_patients_alerts_are_most_severe_then_newest(personas, alert_of):
    older_high = alert_of(personas.patient, "high", 60)
    routine = alert_of(personas.patient, "routine", 1)
    newer_high = alert_of(personas.patient, "high", 5)
    assert patient_open_alerts(personas.nurse_on_team, personas.patient) == [
        newer_high,
        older_high,
        routine,
    ]

"""Reviewing a patient's report closes its open alert in the same submit."""

import pytest
import time_machine

from tests.symptoms.views.test_staff_views import NOW, review_url
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.symptoms.models import ProSymptom
from tracker.symptoms.reporting import report_symptom

pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]

LATER = "2027-03-12 12:01Z"
CHECKBOX = 'name="acknowledge_alert"'


def report(personas, **answers):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="chills"),
        by=personas.the_patient,
        answers=answers or {"frequency": 3, "severity": 3},
        onset_at=None,
    )


@pytest.fixture
def alerting(personas):
    made = report(personas)
    assert made.alerts.open().count() == 1
    return made


def test_the_review_offers_to_acknowledge_the_open_alert_ticked(as_persona, alerting):
    response = as_persona("clinician_on_team").get(review_url(alerting))
    assert response.status_code == 200
    assert CHECKBOX in response.text
    assert "Acknowledge the alert" in response.text
    assert response.context["form"]["acknowledge_alert"].value() is True
    assert alerting.alerts.get().text in response.text


def test_reviewing_with_the_box_ticked_acknowledges_the_alert(as_persona, personas, alerting):
    response = as_persona("clinician_on_team").post(
        review_url(alerting), {"grade": "2", "acknowledge_alert": "on"}, follow=True
    )
    assert response.status_code == 200
    alert = Alert.objects.get(symptom_report=alerting)
    assert not alert.is_open
    assert alert.acknowledged_by == personas.clinician_on_team
    assert alert.acknowledgement_note == "Report reviewed: grade 2."
    assert alert.history.first().history_change_reason == "Acknowledged"
    assert "The alert is acknowledged." in response.text


def test_reviewing_with_the_box_cleared_leaves_the_alert_open(as_persona, alerting):
    as_persona("clinician_on_team").post(review_url(alerting), {"grade": "2"})
    alerting.refresh_from_db()
    assert alerting.reviewed_grade == 2
    assert Alert.objects.get(symptom_report=alerting).is_open


def test_a_refused_review_acknowledges_nothing(as_persona, alerting):
    response = as_persona("clinician_on_team").post(
        review_url(alerting), {"grade": "9", "acknowledge_alert": "on"}
    )
    assert response.status_code == 200
    assert Alert.objects.get(symptom_report=alerting).is_open


def test_a_report_without_an_open_alert_offers_no_box(as_persona, personas):
    quiet = report(personas, frequency=1, severity=1)
    assert not quiet.alerts.exists()
    response = as_persona("clinician_on_team").get(review_url(quiet))
    assert CHECKBOX not in response.text
    # A stray tick writes nothing and does not fail.
    as_persona("clinician_on_team").post(
        review_url(quiet), {"grade": "1", "acknowledge_alert": "on"}
    )
    quiet.refresh_from_db()
    assert quiet.reviewed_grade == 1


def test_an_alert_already_acknowledged_is_shown_not_offered(as_persona, personas, alerting):
    acknowledge_alert(alerting.alerts.get(), by=personas.nurse_on_team, note="Seen")
    response = as_persona("clinician_on_team").get(review_url(alerting))
    assert CHECKBOX not in response.text
    with time_machine.travel(LATER, tick=False):
        as_persona("clinician_on_team").post(
            review_url(alerting), {"grade": "1", "acknowledge_alert": "on"}
        )
    alert = Alert.objects.get(symptom_report=alerting)
    assert alert.acknowledged_by == personas.nurse_on_team
    assert alert.acknowledgement_note == "Seen"


def test_clearing_the_box_says_the_alert_is_still_open(as_persona, alerting):
    response = as_persona("clinician_on_team").post(
        review_url(alerting), {"grade": "2"}, follow=True
    )
    assert "reviewed as grade 2. Its alert is still open." in response.text

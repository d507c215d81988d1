"""A nurse answers a patient's report from its alert; the patient reads it on a phone and
answers once."""

import pytest
from django.core import mail

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tracker.alerts.models import Alert
from tracker.symptoms.models import ProSymptom, ReportMessage
from tracker.symptoms.reporting import report_symptom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = "Please sip water often and call us if you cannot keep fluids down."


@pytest.fixture
def report(personas, shipped_data):
    personas.the_patient.email = "patient@example.org"
    personas.the_patient.save()
    # "Frequently" nausea: a routine alert, below "call the ward now".
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="nausea"),
        by=personas.the_patient,
        answers={"frequency": 3, "severity": 1},
    )


def test_the_nurse_replies_from_the_alert_and_the_patient_answers(tablet, phone, report):
    alert = Alert.objects.get(symptom_report=report)
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
    tablet.goto(f"/alerts/{alert.pk}/")
    tablet.get_by_label("Reply to the patient").fill(REPLY)
    tablet.get_by_role("button", name="Send reply").click()
    tablet.wait_for_url(f"**/alerts/{alert.pk}/")
    assert tablet.get_by_text("Message sent to").is_visible()
    assert [email.subject for email in mail.outbox] == ["You have a message from your care team"]

    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    phone.goto("/me/symptoms/")
    assert phone.get_by_text("Your care team replied").first.is_visible()
    phone.get_by_role("link", name="Nausea").first.click()
    phone.get_by_role("heading", name="Messages from your care team").wait_for()
    assert phone.get_by_text(REPLY).is_visible()
    phone.get_by_label("Your answer").fill("Thank you, I will.")
    phone.get_by_role("button", name="Send answer").click()
    phone.get_by_text("Sent to your care team.").wait_for()
    assert phone.get_by_role("button", name="Send answer").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    tablet.reload()
    assert tablet.get_by_text("Thank you, I will.").is_visible()
    assert ReportMessage.objects.filter(from_patient=True).count() == 1

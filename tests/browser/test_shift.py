"""The nurse's shift page on a tablet: recording in place with htmx, and without JavaScript."""

from datetime import timedelta

import pytest
from django.utils import timezone

from regimens.models import Dose
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_course, record_normal_check

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def course(personas, shipped_data):
    """A high-dose course whose first dose was due half an hour ago: due, not yet overdue."""
    start = timezone.localtime(timezone.now(), personas.patient.zone) - timedelta(minutes=30)
    return make_course(
        personas.patient, start=start.strftime("%Y-%m-%d %H:%M"), by=personas.clinician_on_team
    )


def first_dose(course):
    return course.doses.get(dose_in_course=1)


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_nurse_records_a_dose_in_place_on_a_tablet(tablet, course):
    dose = first_dose(course)
    record_normal_check(dose, course.patient.care_team.get(username="nurse-on-team"))
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    card = tablet.locator(f"#dose-{dose.pk}")
    card.get_by_role("link", name="Record").click()
    form = card.locator("form")
    form.get_by_label("Given", exact=True).check()
    assert form.get_by_label("Amount given (MIU)").is_visible()
    assert not form.get_by_label("Reason held").is_visible()
    assert not form.get_by_label("Why less than the prescribed dose").is_visible()
    form.get_by_role("button", name="Save record").click()
    tablet.locator(f"#dose-{dose.pk} .dose-status", has_text="Given").wait_for()
    assert tablet.url.endswith("/ward/")
    assert page_width(tablet) <= 768
    dose.refresh_from_db()
    assert dose.status == Dose.Status.GIVEN


def test_a_hold_reason_is_asked_for_in_place(tablet, course):
    dose = first_dose(course)
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    card = tablet.locator(f"#dose-{dose.pk}")
    card.get_by_role("link", name="Record").click()
    card.get_by_label("Held", exact=True).check()
    card.get_by_role("button", name="Save record").click()
    card.get_by_text("Choose why the dose was held.").wait_for()
    dose.refresh_from_db()
    assert dose.status == Dose.Status.SCHEDULED


def test_the_pre_dose_check_suggests_a_hold_as_the_nurse_types(tablet, course):
    dose = first_dose(course)
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    tablet.locator(f"#dose-{dose.pk}").get_by_role("link", name="Pre-dose check").click()
    tablet.get_by_label("Systolic BP (mmHg)").fill("85")
    tablet.get_by_label("Heart rate (/min)").fill("104")
    tablet.get_by_label("SpO₂ (%)").fill("95")
    tablet.locator("#id_temperature").fill("37.9")
    tablet.get_by_label("Normal").check()
    tablet.locator("#id_on_pressors_0").check()
    suggestion = tablet.locator("#suggestion")
    suggestion.get_by_text("Withhold this dose.").wait_for()
    assert "Systolic BP < 90 mmHg" in suggestion.inner_text()
    tablet.get_by_label("Hold the dose").check()
    tablet.get_by_role("button", name="Record check and decision").click()
    tablet.wait_for_url("**/ward/")
    dose.refresh_from_db()
    assert dose.status == Dose.Status.HELD
    assert dose.records.get().hold_reason == "hypotension"


def test_recording_works_without_javascript(tablet_without_javascript, course):
    page, dose = tablet_without_javascript, first_dose(course)
    sign_in(page, "nurse-on-team", PASSWORD)
    page.wait_for_url("**/ward/")
    page.locator(f"#dose-{dose.pk}").get_by_role("link", name="Record").click()
    page.wait_for_url(f"**/doses/{dose.pk}/record/?from=shift")
    page.get_by_label("Not given", exact=True).check()
    page.get_by_label("Reason not given").select_option("refused")
    page.get_by_role("button", name="Save record").click()
    page.wait_for_url("**/ward/")
    assert page.get_by_text("not given", exact=False).first.is_visible()
    dose.refresh_from_db()
    assert dose.status == Dose.Status.NOT_GIVEN


def test_giving_an_iv_dose_without_a_check_is_refused_to_a_nurse(tablet, course):
    dose = first_dose(course)
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    card = tablet.locator(f"#dose-{dose.pk}")
    card.get_by_role("link", name="Record").click()
    context = card.locator(".record-context")
    context.wait_for()
    assert "Pre-dose check: none recorded" in context.inner_text()
    card.get_by_label("Given", exact=True).check()
    card.get_by_role("button", name="Save record").click()
    card.get_by_text("No pre-dose check is recorded for this dose").wait_for()
    assert "A clinician (the prescriber) must authorise giving it" in card.inner_text()
    dose.refresh_from_db()
    assert dose.status == Dose.Status.SCHEDULED


def test_giving_in_place_with_an_urgent_alert_asks_to_acknowledge_or_proceed(tablet, course):
    from tracker.symptoms.models import CtcaeTerm
    from tracker.symptoms.reporting import record_event

    dose, patient = first_dose(course), course.patient
    event = record_event(
        patient,
        CtcaeTerm.objects.get(version="5.0", term="Hypotension"),
        by=patient.care_team.get(username="nurse-on-team"),
        grade=4,
        onset_at=timezone.now() - timedelta(minutes=10),
        attribution="probable",
    )
    alert = event.alerts.get()
    record_normal_check(dose, patient.care_team.get(username="nurse-on-team"))
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    card = tablet.locator(f"#dose-{dose.pk}")
    card.get_by_role("link", name="Record", exact=True).click()
    form = card.locator("form.record-form")
    form.get_by_label("Given", exact=True).check()
    choice = form.locator(".urgent-alerts")
    assert choice.is_visible()
    assert alert.text in choice.inner_text()
    form.get_by_role("button", name="Save record").click()
    card.get_by_text("Acknowledge it or say why you proceed.").wait_for()
    dose.refresh_from_db()
    assert dose.status == Dose.Status.SCHEDULED

    form = card.locator("form.record-form")
    form.get_by_label("Proceed past it").check()
    form.get_by_label("Why you proceed past the urgent alert").fill("Registrar reviewed: give")
    form.get_by_role("button", name="Save record").click()
    tablet.locator(f"#dose-{dose.pk} .dose-status", has_text="Given").wait_for()
    assert page_width(tablet) <= 768
    record = dose.records.get()
    assert record.proceeded_past_alerts[0]["alert"] == alert.pk
    assert record.proceeded_past_alerts[0]["reason"] == "Registrar reviewed: give"

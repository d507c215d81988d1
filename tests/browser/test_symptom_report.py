"""A patient reports side effects on a small phone: at most three taps once the list is open."""

from datetime import timedelta

import pytest
from django.utils import dateformat, timezone

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_course, record_given
from tracker.symptoms.models import SymptomReport

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 375


@pytest.fixture
def given_dose(personas, shipped_data):
    """A high-dose course whose first dose was given two hours ago."""
    start = timezone.localtime(timezone.now(), personas.patient.zone) - timedelta(hours=2)
    course = make_course(
        personas.patient, start=start.strftime("%Y-%m-%d %H:%M"), by=personas.clinician_on_team
    )
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    return dose


class Taps:
    """Counts the patient's taps."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        locator.click()
        self.count += 1


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def smallest_answer_button(page):
    return page.evaluate(
        "Math.min(...[...document.querySelectorAll('.answer-button')].map(b => b.offsetHeight))"
    )


def open_symptom_list(phone):
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    phone.goto("/me/symptoms/")
    assert page_width(phone) <= PHONE_WIDTH
    assert smallest_answer_button(phone) >= 44


def answer(phone, taps, question, words):
    """Tap `words` on the screen asking `question`."""
    group = phone.get_by_role("group", name=question)
    group.wait_for()
    assert page_width(phone) <= PHONE_WIDTH
    assert smallest_answer_button(phone) >= 44
    taps(group.get_by_role("button", name=words, exact=True))


def saved_report(phone, personas):
    phone.wait_for_url("**/me/symptoms/reports/*/")
    assert phone.get_by_text("Saved: your report of").is_visible()
    assert page_width(phone) <= PHONE_WIDTH
    report = SymptomReport.objects.get()
    assert report.patient == personas.patient
    return report


def test_swelling_takes_three_taps(phone, personas, given_dose):
    open_symptom_list(phone)
    taps = Taps()
    card = phone.locator("#symptom-swelling")
    taps(card.get_by_role("button", name="Occasionally", exact=True))
    answer(
        phone,
        taps,
        "What was the severity of your swelling in your arms or legs at its worst?",
        "Severe",
    )
    answer(
        phone,
        taps,
        "How much did swelling in your arms or legs interfere with your usual or daily activities?",
        "A little bit",
    )
    report = saved_report(phone, personas)
    assert taps.count == 3
    assert (report.frequency, report.severity, report.interference) == (2, 3, 1)
    assert report.dose == given_dose
    when = dateformat.format(
        given_dose.planned_at.astimezone(personas.patient.zone), "D j M, H:i T"
    )
    assert phone.get_by_text(f"Linked to your dose of {when}").is_visible()


def test_nausea_takes_two_taps(phone, personas, shipped_data):
    open_symptom_list(phone)
    taps = Taps()
    taps(phone.locator("#symptom-nausea").get_by_role("button", name="Rarely", exact=True))
    answer(phone, taps, "What was the severity of your nausea at its worst?", "Mild")
    report = saved_report(phone, personas)
    assert taps.count == 2
    assert (report.frequency, report.severity) == (1, 1)
    assert phone.get_by_text("Not linked: no dose given before it").is_visible()


def test_rash_takes_one_tap_and_the_report_can_be_changed(phone, personas, shipped_data):
    open_symptom_list(phone)
    taps = Taps()
    taps(phone.locator("#symptom-rash").get_by_role("button", name="Yes, I have this"))
    report = saved_report(phone, personas)
    assert taps.count == 1
    assert report.present is True

    phone.get_by_role("link", name="Change this report").click()
    phone.wait_for_url(f"**/me/symptoms/reports/{report.pk}/edit/")
    assert page_width(phone) <= PHONE_WIDTH
    phone.get_by_label("Not linked to a dose").check()
    phone.get_by_label("Note for your care team").fill("Both arms, itchy at night")
    phone.get_by_role("button", name="Save changes").click()
    phone.wait_for_url(f"**/me/symptoms/reports/{report.pk}/")
    assert phone.get_by_text("Both arms, itchy at night").is_visible()
    report.refresh_from_db()
    assert (report.note, report.dose, report.linked_automatically) == (
        "Both arms, itchy at night",
        None,
        False,
    )


def test_recent_reports_are_listed_with_links(phone, personas, shipped_data):
    open_symptom_list(phone)
    phone.locator("#symptom-rash").get_by_role("button", name="Yes, I have this").click()
    report = saved_report(phone, personas)
    phone.get_by_role("link", name="Report another side effect").click()
    phone.wait_for_url("**/me/symptoms/")
    phone.get_by_role("link", name="Your recent reports").click()
    phone.get_by_role("link", name="Rash").click()
    phone.wait_for_url(f"**/me/symptoms/reports/{report.pk}/")
    assert page_width(phone) <= PHONE_WIDTH

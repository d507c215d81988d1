"""The patient's calendar pages fit a phone, in real Chromium, with nothing to scroll sideways.

Text is measured in the one font the test browser has (tests/browser/fonts.conf), and
again with every letter spaced wider, as a device with a wider font would draw it:
the pages must fit either way, so their fit does not hang on a font's metrics.
"""

from datetime import timedelta
from pprint import pformat

import pytest
from django.urls import reverse
from django.utils import timezone

from regimens.models import Dose
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_course, record_given

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = [320, 375, 768]

# Letters spaced a tenth of an em apart: wider than any common phone font sets them.
# Set through the CSSOM: the CSP forbids inline style sheets.
WIDE_TEXT = "document.body.style.letterSpacing = '0.1em'"

PAGES = {
    "home": lambda p, today: reverse("patient-home"),
    "month": lambda p, today: reverse("patient-calendar", args=[p.pk]),
    "month-by-date": lambda p, today: reverse(
        "patient-calendar-month", args=[p.pk, today.year, today.month]
    ),
    "dose-list": lambda p, today: reverse("patient-doses", args=[p.pk]),
    "day-list": lambda p, today: (
        reverse("patient-doses", args=[p.pk]) + f"?date={today:%Y-%m-%d}&span=day"
    ),
}

# What sticks out sideways: the page itself, or any box that scrolls sideways inside it.
SIDEWAYS = r"""() => {
    const found = [];
    const page = document.documentElement;
    const name = el => `${el.tagName.toLowerCase()}.${String(el.className).trim().replace(/\s+/g, '.')}`;
    const out = el => el.getBoundingClientRect().right > page.clientWidth + 0.5;
    if (page.scrollWidth > page.clientWidth) {
        found.push(`the page is ${page.scrollWidth} px wide`);
        for (const el of document.querySelectorAll('body *'))
            if (out(el) && !out(el.parentElement))
                found.push(`${name(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px`);
    }
    for (const el of document.querySelectorAll('body *')) {
        const x = getComputedStyle(el).overflowX;
        if ((x === 'auto' || x === 'scroll') && el.scrollWidth > el.clientWidth + 1)
            found.push(`${name(el)} scrolls: `
                + `${el.scrollWidth} px in ${el.clientWidth} px`);
    }
    return found;
}"""


# Each dose in the grid: how its mark is drawn, and what it stands for.
MARKS = """() => [...document.querySelectorAll('.calendar-doses .dose')].map(li => {
    const mark = getComputedStyle(li, '::before');
    return {display: mark.display, overdue: li.hasAttribute('data-overdue'),
            status: li.dataset.status};
})"""


@pytest.fixture
def patient_on_a_course(personas, shipped_data):
    """Two days into a q8h course: a dose given, one held, the rest since then overdue."""
    patient = personas.patient
    # Long names and a long zone name, as real ones get.
    patient.given_name, patient.family_name = "Alexandra", "Papadopoulou-Montgomery"
    patient.time_zone = "America/Argentina/Buenos_Aires"
    patient.save(update_fields=["given_name", "family_name", "time_zone"])
    start = timezone.localtime(timezone.now() - timedelta(hours=50), patient.zone)
    course = make_course(
        patient, start=start.strftime("%Y-%m-%d %H:%M"), by=personas.clinician_on_team
    )
    record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
    course.doses.get(dose_in_course=2).set_status(
        Dose.Status.HELD, by=personas.nurse_on_team, reason="Systolic BP 85"
    )
    return patient


@pytest.mark.parametrize("text", ["known-font", "wide-text"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_patients_calendar_pages_fit_the_screen(phone, patient_on_a_course, width, text):
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    phone.set_viewport_size({"width": width, "height": 740})
    today = timezone.localtime(timezone.now(), patient_on_a_course.zone).date()
    problems = {}
    for name, url in PAGES.items():
        assert phone.goto(url(patient_on_a_course, today)).status == 200
        if text == "wide-text":
            phone.evaluate(WIDE_TEXT)
        found = phone.evaluate(SIDEWAYS)
        if found:
            problems[name] = found
    assert not problems, pformat(problems)


@pytest.mark.parametrize("width", [320, 375])
def test_the_month_shows_all_seven_days_and_every_dose_on_a_phone(
    phone, patient_on_a_course, width
):
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    phone.set_viewport_size({"width": width, "height": 740})
    # The months of the first dose and of now: the same month, unless the course
    # crossed the end of one.
    zone = patient_on_a_course.zone
    first = timezone.localtime(Dose.objects.order_by("planned_at").first().planned_at, zone)
    now = timezone.localtime(timezone.now(), zone)
    marks = []
    for month in sorted({(first.year, first.month), (now.year, now.month)}):
        phone.goto(reverse("patient-calendar-month", args=[patient_on_a_course.pk, *month]))
        headers = phone.locator(".calendar-grid thead th")
        assert headers.all_inner_texts() == ["M", "T", "W", "T", "F", "S", "S"]
        sunday = headers.nth(6).bounding_box()
        assert sunday["x"] + sunday["width"] <= width
        assert phone.locator(".dose-marks").is_visible()
        marks += phone.evaluate(MARKS)
    assert marks, "no doses in the grid"
    assert {m["display"] for m in marks} == {"inline-block"}
    assert {m["status"] for m in marks} >= {"given", "held", "scheduled"}
    assert any(m["overdue"] for m in marks)

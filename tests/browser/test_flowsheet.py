"""The flowsheet in real Chromium: a day to a printed A4 landscape page, and the screen page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in, watched_page
from tests.clinic.bulk_chart import daily_creatinine, hourly_chart, pressor
from tests.factories import PASSWORD, make_course
from tracker.clinic.flowsheet import day_bounds
from tracker.observations.models import VitalSigns

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

H = timedelta(hours=1)


@pytest.fixture
def three_days(personas, shipped_data):
    """A course that began three days ago, charted every hour of those three days."""
    patient, nurse = personas.patient, personas.nurse_on_team
    zone = patient.zone
    today = timezone.localtime(timezone.now(), zone).date()
    first, last = today - timedelta(days=3), today - timedelta(days=1)
    course = make_course(patient, start=f"{first:%Y-%m-%d} 08:00", by=personas.clinician_on_team)
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    hourly_chart(patient, course, nurse, start, int((end - start) / H))
    pressor(patient, course, nurse, start + 30 * H, ["0.05", "0.1", "0.15", "0.1"])
    daily_creatinine(patient, course, nurse, start + 6 * H, 3)
    # A low blood pressure in the last hour: a flagged cell at the far right of the grid,
    # whose words for screen readers must stay inside the grid's scrolling box.
    VitalSigns.objects.create(
        patient=patient,
        course=course,
        recorded_by=nurse,
        taken_at=end - 20 * timedelta(minutes=1),
        systolic_bp=84,
        diastolic_bp=48,
    )
    return course


def pages_in(pdf: bytes) -> int:
    """The pages of a PDF: its page objects, checked against the page tree's count."""
    objects = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    assert counts, "the PDF has no page tree"
    assert objects == max(counts), (objects, counts)
    return objects


@pytest.fixture
def desktop(browser, live_server):
    context, page, errors = watched_page(
        browser, live_server, viewport={"width": 1280, "height": 900}
    )
    yield page, errors
    context.close()


def test_every_day_prints_on_one_a4_landscape_page_each(desktop, personas, three_days):
    page, errors = desktop
    sign_in(page, "nurse-on-team", PASSWORD)
    page.wait_for_url("**/ward/")
    page.goto(f"/patients/{personas.patient.pk}/flowsheet/?days=all")
    assert page.locator("section.flowsheet-day").count() == 3
    pdf = page.pdf(format="A4", landscape=True)
    assert pages_in(pdf) == 3
    # Each day starts its own page by rule, not only because two would not fit on one.
    page.emulate_media(media="print")
    breaks = page.evaluate(
        "[...document.querySelectorAll('section.flowsheet-day')]"
        ".map(day => getComputedStyle(day).breakBefore)"
    )
    assert breaks == ["auto", "page", "page"]
    assert errors == []


def test_one_day_prints_on_one_page(desktop, personas, three_days):
    page, errors = desktop
    sign_in(page, "nurse-on-team", PASSWORD)
    page.wait_for_url("**/ward/")
    page.goto(f"/patients/{personas.patient.pk}/flowsheet/")
    assert pages_in(page.pdf(format="A4", landscape=True)) == 1
    assert errors == []


def test_the_screen_page_fits_1280_px_and_draws_its_trends(desktop, personas, three_days):
    page, errors = desktop
    sign_in(page, "nurse-on-team", PASSWORD)
    page.wait_for_url("**/ward/")
    yesterday = timezone.localtime(timezone.now(), personas.patient.zone).date() - timedelta(
        days=1
    )
    page.goto(f"/patients/{personas.patient.pk}/flowsheet/?day={yesterday:%Y-%m-%d}")
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-creatinine')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.locator("td.fs-abnormal").count() == 2  # the BP and the MAP of 23:40
    drawn = page.evaluate(
        """() => ['bp', 'weight', 'urine', 'creatinine'].map(key => {
            const chart = Chart.getChart('trend-' + key);
            return chart ? chart.data.datasets.map(d => d.data.length) : null;
        })"""
    )
    bp, weight, urine, creatinine = drawn
    assert bp[0] == 73 and bp[3] == 5  # systolic, diastolic, MAP; the pressor's steps, to now
    assert weight == [3]
    assert urine == [72]
    assert creatinine == [3]
    assert page.locator("#flowsheet-trends figcaption").count() == 4
    assert errors == []

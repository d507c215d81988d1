"""The thyroid trend chart in a real browser: drawn under the strict CSP, on a phone."""

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_course
from tracker.thyroid.recording import record_result

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

CANVASES = ["#thyroid-chart-tsh", "#thyroid-chart-ft4"]


@pytest.fixture
def results(personas, shipped_data):
    """Six weeks of TSH and free T4, drifting into hypothyroidism, one in pmol/L."""
    nurse = personas.nurse_on_team
    now = timezone.now()
    make_course(
        personas.patient,
        slug="sc-5on2off",
        start=timezone.localtime(now - timedelta(days=50), personas.patient.zone).strftime(
            "%Y-%m-%d %H:%M"
        ),
        by=personas.clinician_on_team,
    )
    readings = [
        (49, "1.8", "1.3", "ng/dL"),
        (21, "4.9", "12.1", "pmol/L"),
        (1, "9.6", "0.6", "ng/dL"),
    ]
    for days_ago, tsh, free_t4, unit in readings:
        collected = now - timedelta(days=days_ago)
        for test, value, in_unit in (("tsh", tsh, "mIU/L"), ("ft4", free_t4, unit)):
            record_result(
                personas.patient,
                by=nurse,
                test=test,
                value=Decimal(value),
                unit=in_unit,
                collected_at=collected,
            )


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def chart_drawn(page, selector):
    return page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const chart = Chart.getChart(canvas);
            return {
                width: canvas.getBoundingClientRect().width,
                height: canvas.getBoundingClientRect().height,
                chart: chart !== undefined && chart !== null,
                points: chart ? chart.data.datasets[0].data.length : 0,
            };
        }""",
        selector,
    )


def test_the_patient_sees_both_charts_drawn_on_a_phone(phone, personas, results):
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    phone.goto(f"/patients/{personas.patient.pk}/thyroid/")
    phone.wait_for_function("() => window.Chart && Chart.getChart('thyroid-chart-ft4')")
    for selector in CANVASES:
        drawn = chart_drawn(phone, selector)
        assert drawn["chart"], selector
        assert drawn["width"] > 0
        assert drawn["height"] > 0
        assert drawn["points"] == 3
    assert page_width(phone) <= 375
    assert phone.get_by_role("img", name="TSH over time in mIU/L", exact=False).is_visible()
    assert "Overt primary hypothyroidism" in phone.locator("#thyroid-reading").inner_text()


def test_the_chart_is_left_out_of_print_and_the_table_kept(phone, personas, results):
    sign_in(phone, "nurse-on-team", PASSWORD)
    phone.wait_for_url("**/ward/")
    phone.goto(f"/patients/{personas.patient.pk}/thyroid/")
    phone.wait_for_function("() => window.Chart && Chart.getChart('thyroid-chart-tsh')")
    phone.emulate_media(media="print")
    assert not phone.locator(CANVASES[0]).is_visible()
    assert phone.get_by_role("table").is_visible()


def test_a_nurse_enters_a_result_on_a_phone_and_sees_it_charted(phone, personas, results):
    sign_in(phone, "nurse-on-team", PASSWORD)
    phone.wait_for_url("**/ward/")
    phone.goto(f"/patients/{personas.patient.pk}/thyroid/")
    phone.get_by_role("link", name="Add a result").click()
    phone.get_by_label("Test").select_option("ft4")
    phone.get_by_label("Result").fill("0.9")
    phone.get_by_label("Unit").select_option("ng/dL")
    assert page_width(phone) <= 375
    phone.get_by_role("button", name="Save result").click()
    phone.wait_for_url(f"**/patients/{personas.patient.pk}/thyroid/")
    assert "Free T4 0.9 ng/dL saved: normal." in phone.locator(".messages").inner_text()
    phone.wait_for_function("() => window.Chart && Chart.getChart('thyroid-chart-ft4')")
    assert chart_drawn(phone, CANVASES[1])["points"] == 4


# The x-axis tick labels as drawn: their text and left and right edges in pixels.
TICK_LABELS = """(selector) => {
    const chart = Chart.getChart(document.querySelector(selector));
    const scale = chart.scales.x;
    const ctx = chart.ctx;
    return scale.getLabelItems().map(item => {
        ctx.save();
        ctx.font = item.font.string;
        const width = ctx.measureText(item.label).width;
        ctx.restore();
        const [x] = item.options.translation;
        const left = item.options.textAlign === 'left' ? x
            : item.options.textAlign === 'right' ? x - width : x - width / 2;
        return {label: item.label, left: left, right: left + width};
    });
}"""


@pytest.fixture
def results_hours_apart(personas, shipped_data):
    """A first week of checks: TSH and free T4 twice in a day, seven hours apart, then again."""
    now = timezone.now()
    for hours_ago, tsh, free_t4 in ((55, "1.9", "1.2"), (48, "2.2", "1.1"), (2, "3.0", "1.0")):
        collected = now - timedelta(hours=hours_ago)
        for test, value, unit in (("tsh", tsh, "mIU/L"), ("ft4", free_t4, "ng/dL")):
            record_result(
                personas.patient,
                by=personas.nurse_on_team,
                test=test,
                value=Decimal(value),
                unit=unit,
                collected_at=collected,
            )


@pytest.mark.parametrize("width", [375, 768, 1280])
def test_the_time_axis_labels_do_not_overlap(phone, personas, results_hours_apart, width):
    phone.set_viewport_size({"width": width, "height": 900})
    sign_in(phone, "nurse-on-team", PASSWORD)
    phone.wait_for_url("**/ward/")
    phone.goto(f"/patients/{personas.patient.pk}/thyroid/")
    phone.wait_for_function("() => window.Chart && Chart.getChart('thyroid-chart-tsh')")
    labels = phone.evaluate(TICK_LABELS, CANVASES[0])
    assert len(labels) >= 2
    # Days, not hours: a trend over weeks reads by date.
    assert all(":" not in label["label"] for label in labels), labels
    gaps = [b["left"] - a["right"] for a, b in pairwise(labels)]
    assert min(gaps) >= 8, labels

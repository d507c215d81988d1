"""A nurse charts a full set of vital signs on a ward tablet: ten taps and the numbers."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.browser.conftest import sign_in
from tests.browser.test_every_page import problems_on
from tests.factories import PASSWORD
from tracker.observations.models import VitalSigns

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TABLET_WIDTH = 768
# A nurse's pace on a tablet, for the time a set takes to chart: a key on the
# on-screen number pad, and a tap that first finds its target on the page.
SECONDS_PER_KEY = 0.4
SECONDS_PER_TAP = 1.0


def test_a_full_set_is_ten_taps_and_under_20_seconds_of_typing_on_a_tablet(
    tablet, personas, shipped_data
):
    url = reverse("chart-vitals", args=[personas.patient.pk])
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
    assert problems_on(tablet, url, TABLET_WIDTH, []) == []

    taps = keys = 0
    for label, number in [
        ("Systolic BP (mmHg)", "84"),
        ("Diastolic BP (mmHg)", "52"),
        ("Heart rate (/min)", "112"),
        ("Respiratory rate (/min)", "22"),
        ("SpO₂ (%)", "95"),
        ("Temperature", "38.4"),
    ]:
        box = tablet.get_by_label(label, exact=True)
        # The page opens on the systolic box: the first number needs no tap.
        if box.evaluate("element => element !== document.activeElement"):
            box.tap()
            taps += 1
        box.press_sequentially(number, delay=SECONDS_PER_KEY * 1000)
        keys += len(number)
    # The rhythm is never assumed: the nurse says what the monitor shows.
    tablet.get_by_role("group", name="Rhythm").get_by_text("Sinus tachycardia", exact=True).tap()
    taps += 1
    for group, answer in [
        ("Alert and oriented", "Yes"),
        ("Serial sevens or WORLD backwards", "Failed"),
        ("Sedation", "Drowsy, rousable to voice"),
    ]:
        button = tablet.get_by_role("group", name=group).get_by_text(answer, exact=True)
        assert button.bounding_box()["height"] >= 38
        button.tap()
        taps += 1
    tablet.get_by_role("button", name="Chart vital signs").tap()
    taps += 1
    tablet.get_by_text("Vital signs taken").wait_for()

    assert taps <= 10
    assert keys * SECONDS_PER_KEY + taps * SECONDS_PER_TAP <= 20
    stored = VitalSigns.objects.get()
    assert (stored.systolic_bp, stored.diastolic_bp, stored.heart_rate) == (84, 52, 112)
    assert (stored.rhythm, stored.oxygen_device) == ("sinus_tachycardia", "room_air")
    assert stored.temperature_c == Decimal("38.4")
    assert (stored.alert_oriented, stored.cognitive_test, stored.sedation) == (
        True,
        "failed",
        "voice",
    )
    assert tablet.get_by_text("Abnormal:", exact=True).first.is_visible()
    assert problems_on(tablet, url, TABLET_WIDTH, []) == []

"""A patient records a temperature and a weight at home, on a small phone."""

from decimal import Decimal

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_symptom_report import PHONE_WIDTH, page_width
from tests.factories import PASSWORD
from tracker.observations.models import VitalSigns, WeightEntry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def open_reading_form(phone):
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    phone.get_by_role("link", name="Record my temperature or weight").click()
    phone.wait_for_url("**/me/readings/")
    assert page_width(phone) <= PHONE_WIDTH
    phone.get_by_role("link", name="Record my temperature or weight").click()
    phone.wait_for_url("**/me/readings/new/")
    phone.get_by_label("Temperature (°C)").wait_for()
    assert page_width(phone) <= PHONE_WIDTH


def test_a_fever_at_home_is_saved_and_the_patient_is_told_to_call(phone, personas, shipped_data):
    open_reading_form(phone)
    phone.get_by_label("Temperature (°C)").fill("38.3")
    phone.get_by_label("Weight (kg)").fill("70.6")
    button = phone.get_by_role("button", name="Save my readings")
    assert button.bounding_box()["height"] >= 44
    button.click()
    phone.get_by_text("Call your care team now").wait_for()
    assert page_width(phone) <= PHONE_WIDTH
    assert VitalSigns.objects.get().temperature_c == Decimal("38.3")
    assert WeightEntry.objects.get().source == "patient"

"""A patient reports a fever with the temperature they measured, on a small phone."""

from decimal import Decimal

import pytest

from tests.browser.conftest import watched_page
from tests.browser.test_symptom_report import (
    PHONE_WIDTH,
    open_symptom_list,
    page_width,
    saved_report,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_fever_with_a_temperature_in_fahrenheit_fits_the_phone(phone, personas, shipped_data):
    open_symptom_list(phone)
    phone.locator("#symptom-fever").get_by_role("button", name="Yes, I have this").click()
    phone.get_by_role("group", name="Did you take your temperature?").wait_for()
    assert page_width(phone) <= PHONE_WIDTH
    phone.get_by_label("Your temperature").fill("102.2")
    phone.get_by_label("°F").check()
    button = phone.get_by_role("button", name="Save with this temperature")
    assert button.bounding_box()["height"] >= 44
    button.click()
    report = saved_report(phone, personas)
    assert report.temperature_c == Decimal("39.0")
    assert phone.get_by_text("39.0 °C").is_visible()


@pytest.fixture
def refused_phone(browser, live_server):
    """The 375 px phone, where the one refused reading is the only error allowed: the page
    that asks again answers 400, as every refused form does."""
    context, page, errors = watched_page(
        browser, live_server, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    yield page
    context.close()
    refused = "the server responded with a status of 400"
    assert [error for error in errors if refused not in error] == []
    assert len(errors) == 1


def test_an_impossible_temperature_is_asked_again_on_the_phone(
    refused_phone, personas, shipped_data
):
    phone = refused_phone
    open_symptom_list(phone)
    phone.locator("#symptom-fever").get_by_role("button", name="Yes, I have this").click()
    phone.get_by_label("Your temperature").fill("83")
    phone.get_by_role("button", name="Save with this temperature").click()
    phone.get_by_text("That is not a temperature a thermometer would show.").wait_for()
    assert page_width(phone) <= PHONE_WIDTH
    phone.get_by_role("button", name="Save without a temperature").click()
    report = saved_report(phone, personas)
    assert report.temperature_c is None

"""The menu's count of open urgent and high alerts updates without reloading the page."""

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_count_appears_when_an_alert_is_raised(
    tablet, personas, shipped_data, raise_alert, settings
):
    settings.ALERT_COUNT_POLL_SECONDS = 1
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    polled = tablet.locator("#alert-count")
    assert polled.get_attribute("hx-trigger") == "every 1s"
    assert polled.inner_text() == ""
    tablet.evaluate("window.notReloaded = true")

    raise_alert(personas.patient, personas.nurse_on_team, grade=4, at=timezone.now())

    tablet.locator(
        "#alert-count .visually-hidden", has_text="1 urgent or high alert open"
    ).wait_for(state="attached", timeout=10_000)
    assert tablet.evaluate("window.notReloaded") is True
    assert tablet.url.endswith("/ward/")
    # The tablet fixture fails the test on any console error, CSP violations included.

"""The warning before a session ends on its own, in a real browser (static/js/idle-logoff.js)."""

import pytest
from django.contrib.sessions.models import Session

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def idle_logoff(settings):
    settings.IDLE_LOGOFF_ENABLED = True
    settings.SESSION_ABSOLUTE_HOURS = 12
    return settings


def last_activity() -> int:
    (session,) = Session.objects.all()
    return session.get_decoded()["last_activity"]


def test_the_warning_appears_a_minute_before_and_stay_signed_in_keeps_the_session(
    tablet, personas, shipped_data, idle_logoff
):
    # 66 seconds without activity: the warning is due 6 seconds after the page.
    idle_logoff.STAFF_IDLE_MINUTES = 1.1
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    warning = tablet.locator("#session-warning")
    assert warning.is_hidden()

    warning.wait_for(state="visible", timeout=15_000)
    assert "You will be signed out in" in warning.inner_text()
    assert tablet.get_by_role("alert").filter(has_text="no activity").is_visible()
    before = last_activity()

    tablet.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden", timeout=5_000)
    assert last_activity() > before
    assert tablet.url.endswith("/ward/")


def test_the_page_goes_to_the_sign_in_page_which_says_why(
    tablet, personas, shipped_data, idle_logoff
):
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    # Six seconds, once signed in with both steps: the warning is shown at once, and the
    # session ends soon after.
    idle_logoff.STAFF_IDLE_MINUTES = 0.1
    tablet.reload()
    tablet.locator("#session-warning").wait_for(state="visible", timeout=5_000)

    tablet.wait_for_url("**/login/?next=%2Fward%2F", timeout=15_000)
    assert tablet.get_by_text(
        "You were signed out after 0.1 minutes without activity"
    ).is_visible()
    # Signing in again asks for the second step, then comes back to the page.
    tablet.get_by_label("Username").fill("nurse-on-team")
    tablet.get_by_label("Password").fill(PASSWORD)
    tablet.get_by_role("button", name="Sign in").click()
    tablet.wait_for_url("**/second-factor/?next=%2Fward%2F")


def test_before_the_end_in_all_the_warning_offers_no_way_to_stay(
    tablet, personas, shipped_data, idle_logoff
):
    idle_logoff.STAFF_IDLE_MINUTES = 15
    # Seven seconds in all: sooner than the idle time.
    idle_logoff.SESSION_ABSOLUTE_HOURS = 0.002
    sign_in(tablet, "nurse-on-team", PASSWORD)
    tablet.wait_for_url("**/ward/")
    warning = tablet.locator("#session-warning")
    warning.wait_for(state="visible", timeout=5_000)
    assert "a session lasts 0.002 hours at most" in warning.inner_text()
    assert tablet.get_by_role("button", name="Stay signed in").is_hidden()

    tablet.wait_for_url("**/login/?next=%2Fward%2F", timeout=15_000)
    assert tablet.get_by_text("because you had been signed in for 0.002 hours").is_visible()

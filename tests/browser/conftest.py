"""Real Chromium, driven by Playwright, against the live test server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Text is measured in one known font (fonts-dejavu-core), not whatever the machine has,
# so a page fits or overflows the same everywhere: see docs/decisions.md.
FONTCONFIG_FILE = Path(__file__).with_name("fonts.conf")
KNOWN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# Playwright's sync API runs an event loop in this thread; the ORM calls the test
# body and the database teardown make are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def missing_for_the_browser() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium is not at {CHROMIUM}"
    if not KNOWN_FONT.exists():
        return f"{KNOWN_FONT} is missing (apt-get install fonts-dejavu-core)"
    return None


def pytest_collection_modifyitems(config, items):
    missing = missing_for_the_browser()
    if not missing:
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {missing}.")
    skip = pytest.mark.skip(reason=missing)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "env": {**os.environ, "FONTCONFIG_FILE": str(FONTCONFIG_FILE)},
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def watched_page(browser, live_server, **context_args):
    """A new page that collects console errors and uncaught exceptions."""
    context = browser.new_context(base_url=live_server.url, **context_args)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


@pytest.fixture
def phone(browser, live_server):
    """A page 375 px wide, like a small phone, that fails the test on any console error."""
    context, page, errors = watched_page(
        browser, live_server, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def tablet(browser, live_server):
    """A ward tablet held upright, with touch, failing the test on any console error."""
    context, page, errors = watched_page(
        browser, live_server, viewport={"width": 768, "height": 1024}, has_touch=True
    )
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def tablet_without_javascript(browser, live_server):
    context, page, errors = watched_page(
        browser, live_server, viewport={"width": 768, "height": 1024}, java_script_enabled=False
    )
    yield page
    context.close()
    assert errors == []


def sign_in(page, username, password):
    """Sign in through the sign-in page, and for staff the second step with a backup code."""
    from tests.factories import a_backup_code
    from tracker.accounts.models import User
    from tracker.accounts.second_factor import requires_second_factor

    user = User.objects.filter(username=username).first()
    code = a_backup_code(user) if user and requires_second_factor(user) else None
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    if code is None or not user.check_password(password):
        page.get_by_role("button", name="Sign in").click()
        return
    with page.expect_navigation(url="**/second-factor/**"):
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Continue").click()

"""Text in the navigation bar is readable: WCAG AA contrast, measured in the browser."""

import re

import pytest

from tests.browser.conftest import sign_in, watched_page
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

AA_NORMAL_TEXT = 4.5


def rgba(css: str) -> tuple[float, float, float, float]:
    r, g, b, *a = (float(n) for n in re.findall(r"[\d.]+", css))
    return r, g, b, a[0] if a else 1.0


def over(fg, bg):
    """The colour a translucent foreground shows on an opaque background."""
    *rgb, alpha = fg
    return tuple(alpha * f + (1 - alpha) * b for f, b in zip(rgb, bg[:3], strict=True))


def luminance(rgb) -> float:
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg) -> float:
    light, dark = sorted([luminance(fg), luminance(bg)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def desktop(browser, live_server):
    context, page, errors = watched_page(
        browser, live_server, viewport={"width": 1280, "height": 800}
    )
    yield page
    context.close()
    assert errors == []


@pytest.mark.parametrize("username", ["nurse-on-team", "clinician-on-team", "patient"])
def test_every_nav_link_has_aa_contrast_on_the_bar(desktop, personas, username):
    sign_in(desktop, username, PASSWORD)
    desktop.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
    bar = rgba(
        desktop.eval_on_selector("nav.navbar", "el => getComputedStyle(el).backgroundColor")
    )
    links = desktop.eval_on_selector_all(
        "nav.navbar .nav-link, nav.navbar .navbar-brand",
        "els => els.map(el => [el.textContent.trim(), getComputedStyle(el).color])",
    )
    assert len(links) >= 3
    ratios = {text: round(contrast(over(rgba(colour), bar), bar), 2) for text, colour in links}
    assert all(ratio >= AA_NORMAL_TEXT for ratio in ratios.values()), ratios

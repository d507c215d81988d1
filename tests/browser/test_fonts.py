"""The test browser draws text only in the font tests/browser/fonts.conf allows.

Whatever other fonts the machine has (Liberation, URW's Nimbus, Noto...), a page that
asks for them gets DejaVu Sans, so every machine measures text the same way.
"""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def fonts_drawn(page, selector):
    """The font families Chromium actually drew the element's text with."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"] for font in fonts}


def test_the_pages_own_fonts_are_drawn_in_dejavu_sans(phone):
    phone.goto("/login/")
    for selector in ["h1", "label", "button"]:
        assert fonts_drawn(phone, selector) == {"DejaVu Sans"}, selector


@pytest.mark.parametrize(
    "family", ["system-ui", "Arial", "Helvetica", "Liberation Sans", "Roboto", "sans-serif"]
)
def test_any_family_a_page_asks_for_is_drawn_in_dejavu_sans(phone, family):
    phone.goto("/login/")
    # Set through the CSSOM: the CSP forbids inline style sheets.
    phone.evaluate(f"""document.querySelector('h1').style.fontFamily = '"{family}", sans-serif'""")
    assert fonts_drawn(phone, "h1") == {"DejaVu Sans"}

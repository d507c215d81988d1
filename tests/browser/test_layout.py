import pytest

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_patient_signs_in_on_a_phone_and_lands_on_their_page(phone, personas):
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    assert phone.get_by_role("heading", name=f"Hello, {personas.patient.given_name}").is_visible()
    assert page_width(phone) <= 375


def test_the_menu_folds_behind_a_button_on_a_phone(phone, personas):
    sign_in(phone, "clinician-on-team", PASSWORD)
    phone.wait_for_url("**/clinic/")
    patients_link = phone.get_by_role("link", name="Patients", exact=True)
    assert not patients_link.is_visible()
    phone.get_by_role("button", name="Show menu").click()
    # Bootstrap marks the menu shown once it has finished unfolding; a click while it
    # unfolds can land before the link is where it will be.
    phone.locator("#main-nav.show").wait_for()
    patients_link.click()
    phone.wait_for_url("**/patients/")
    assert phone.get_by_role("link", name=personas.patient.family_name, exact=False).is_visible()
    assert page_width(phone) <= 375


def test_the_patient_form_fits_a_phone_and_labels_every_field(phone, personas):
    sign_in(phone, "clinician-on-team", PASSWORD)
    phone.wait_for_url("**/clinic/")
    phone.goto("/patients/new/")
    for label in [
        "MRN",
        "Given name",
        "Family name",
        "Date of birth",
        "Height (cm)",
        "Weight (kg)",
    ]:
        assert phone.get_by_label(label, exact=False).first.is_visible()
    assert page_width(phone) <= 375


def test_the_first_tab_reaches_a_visible_skip_link(phone, personas):
    sign_in(phone, "nurse-on-team", PASSWORD)
    phone.wait_for_url("**/ward/")
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert phone.get_by_role("link", name="Skip to main content").is_visible()

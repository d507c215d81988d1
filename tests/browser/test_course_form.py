"""Starting a course: choosing a regimen fills in its usual cycles and first-dose time."""

import pytest

from regimens.models import RegimenTemplate
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def open_the_form(page, personas):
    sign_in(page, "clinician-on-team", PASSWORD)
    page.wait_for_url("**/clinic/")
    page.goto(f"/patients/{personas.patient.pk}/courses/new/")


def test_choosing_a_regimen_fills_its_cycles_and_time(tablet, personas, shipped_data):
    open_the_form(tablet, personas)
    label = RegimenTemplate.objects.get(slug="hd-iv-label")
    tablet.get_by_label("Regimen").select_option(str(label.pk))
    assert tablet.get_by_label("Cycles").input_value() == "2"
    assert tablet.get_by_label("Start time").input_value() == "08:00"
    sc = RegimenTemplate.objects.get(slug="sc-5on2off")
    tablet.get_by_label("Regimen").select_option(str(sc.pk))
    assert tablet.get_by_label("Cycles").input_value() == "1"
    assert tablet.get_by_label("Start time").input_value() == "09:00"


def test_without_javascript_the_preview_uses_the_regimens_cycles(
    tablet_without_javascript, personas, shipped_data
):
    page = tablet_without_javascript
    open_the_form(page, personas)
    page.get_by_label("Regimen").select_option(
        str(RegimenTemplate.objects.get(slug="hd-iv-label").pk)
    )
    page.get_by_label("Start date").fill("2027-03-10")
    page.get_by_label("Dosing weight measured on").fill("2027-03-09")
    page.get_by_role("button", name="Preview calendar").click()
    page.get_by_role("heading", name="Preview: 2 cycles, 28 doses").wait_for()
    assert page.get_by_label("Cycles").input_value() == "2"

"""Recording a home injection on a 375 px phone: the body map, its tap targets, two taps."""

import re

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_home_course
from tracker.ward.models import DoseRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SITES = [
    "Abdomen, upper left",
    "Abdomen, upper right",
    "Abdomen, lower left",
    "Abdomen, lower right",
    "Left thigh",
    "Right thigh",
    "Left upper arm",
    "Right upper arm",
]


def test_a_patient_records_a_home_injection_in_two_taps_on_a_phone(phone, personas, shipped_data):
    local = timezone.now().astimezone(personas.patient.zone)
    # A dose this hour, today: due, and well inside its recording window.
    make_home_course(personas.patient, start=f"{local:%Y-%m-%d %H}:00")
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")

    phone.get_by_role("link", name="Record this dose").click()
    sites = phone.get_by_role("group", name="Where did you inject?")
    assert sites.is_visible()
    for name in SITES:
        radio = sites.get_by_role("radio", name=re.compile("^" + re.escape(name)))
        assert radio.count() == 1
        box = sites.locator("label").filter(has_text=name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"{name} is too small to tap"
    suggested = sites.get_by_role("radio", name=re.compile(r"^Abdomen, upper left.*\(suggested\)"))
    assert suggested.is_checked()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    phone.get_by_role("button", name="Save: injected now").click()
    phone.wait_for_url("**/me/")
    assert "injected at" in phone.locator("main").inner_text()
    record = DoseRecord.objects.get()
    assert (record.source, record.injection_site) == ("patient", "abdomen_upper_left")

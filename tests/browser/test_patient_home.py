"""The patient's home page on a phone: the next dose comes first, above the fold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_course

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_next_dose_is_the_first_thing_a_patient_sees_on_a_phone(phone, personas, shipped_data):
    tomorrow = timezone.now().astimezone(personas.patient.zone).date() + timedelta(days=1)
    make_course(personas.patient, slug="sc-5on2off", start=f"{tomorrow} 09:00")
    sign_in(phone, "patient", PASSWORD)
    phone.wait_for_url("**/me/")
    card = phone.get_by_role("region", name="Your next dose")
    assert card.is_visible()
    assert "Tomorrow at 09:00" in card.inner_text()
    assert "Inject your dose." in card.inner_text()
    box = card.bounding_box()
    assert box["y"] + box["height"] <= 740, "the next dose is below the fold"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

"""Template formatting: an instant on the ward's clock with the patient's own beside it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template

from tracker.patients.models import Patient

# 13:00 UTC on Wed 10 March 2027: 13:00 GMT in London, 08:00 EST in New York.
INSTANT = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
SMALL = '<small class="text-body-secondary">{} patient\'s time</small>'


def render(ward, patient_zone, fmt="D j M, H:i T", instant=INSTANT):
    template = Template(f'{{% load tracker %}}{{% ward_time instant patient "{fmt}" %}}')
    context = {"instant": instant, "patient": Patient(time_zone=patient_zone)}
    if ward:
        context["ward_zone"] = ZoneInfo(ward)
    return template.render(Context(context))


def test_a_patient_on_another_clock_gets_their_time_in_small_text():
    assert render("Europe/London", "America/New_York") == "Wed 10 Mar, 13:00 GMT " + SMALL.format(
        "08:00 EST"
    )


def test_a_patient_on_the_wards_clock_gets_one_time():
    assert render("Europe/London", "Europe/London") == "Wed 10 Mar, 13:00 GMT"


def test_another_zone_with_the_same_wall_clock_gets_one_time():
    # Lisbon and London both read 13:00 in winter.
    assert render("Europe/London", "Europe/Lisbon") == "Wed 10 Mar, 13:00 GMT"


def test_the_patients_day_is_named_when_their_date_differs():
    evening = datetime(2027, 3, 10, 16, 0, tzinfo=UTC)
    assert render(
        "America/New_York", "Asia/Tokyo", "H:i T", evening
    ) == "11:00 EST " + SMALL.format("Thu 01:00 JST")


def test_without_a_ward_zone_in_the_context_the_clinics_clock_is_used(settings):
    settings.CLINIC_TIME_ZONE = "America/New_York"
    assert render(None, "America/New_York") == "Wed 10 Mar, 08:00 EST"


def test_no_instant_prints_nothing():
    assert render("Europe/London", "America/New_York", instant=None) == ""

"""The vital signs page: who reads and charts it, the quick form, bad input, and marking in error."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.observations.models import VitalSigns
from tracker.observations.vitals import chart_vitals, mark_entered_in_error

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal

CHARTERS = ["nurse_on_team", "clinician_on_team"]
READERS = ["the_patient", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]

# What a nurse types and taps for a full set; the rest are the form's defaults.
TYPED = {
    "systolic_bp": "118",
    "diastolic_bp": "74",
    "heart_rate": "88",
    "rhythm": "sinus",
    "respiratory_rate": "16",
    "spo2": "97",
    "temperature": "37.2",
    "alert_oriented": "yes",
    "cognitive_test": "passed",
    "sedation": "alert",
}
DEFAULTS = {
    "taken_date": "2027-03-12",
    "taken_time": "09:50",
    "rhythm": "",
    "oxygen_device": "room_air",
    "temperature_unit": "C",
}
FULL_SET = {**DEFAULTS, **TYPED}


def page_url(patient):
    return f"/patients/{patient.pk}/chart/vitals/"


def error_url(entry):
    return f"/chart/vitals/{entry.pk}/error/"


@pytest.fixture
def chart(personas, course):
    def chart_it(*, minutes_ago=10, **values):
        values = values or {"heart_rate": 80}
        return chart_vitals(
            personas.patient,
            by=personas.nurse_on_team,
            taken_at=NOW - timedelta(minutes=minutes_ago),
            **values,
        )

    return chart_it


@pytest.fixture
def entry(chart):
    return chart(systolic_bp=120, diastolic_bp=80, heart_rate=80)


def post(as_persona, personas, data, name="nurse_on_team"):
    return as_persona(name).post(page_url(personas.patient), data)


def refused(response, message):
    assert response.status_code == 200
    assert message in response.text
    assert "Nothing was charted." in response.text or "invalid-feedback" in response.text
    assert not VitalSigns.objects.exists()


# Who reads and who charts.


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_charts_a_full_set(as_persona, personas, course, name):
    response = post(as_persona, personas, FULL_SET, name)
    assert response.status_code == 302
    assert response.url == page_url(personas.patient)
    stored = VitalSigns.objects.get()
    assert (stored.systolic_bp, stored.diastolic_bp, stored.heart_rate) == (118, 74, 88)
    assert (stored.rhythm, stored.respiratory_rate, stored.spo2) == ("sinus", 16, 97)
    assert (stored.oxygen_device, stored.oxygen_flow_l_min) == ("room_air", None)
    assert stored.temperature_c == D("37.2")
    assert (stored.alert_oriented, stored.cognitive_test, stored.sedation) == (
        True,
        "passed",
        "alert",
    )
    # 09:50 in New York is 14:50 UTC.
    assert stored.taken_at == datetime(2027, 3, 12, 14, 50, tzinfo=UTC)
    assert stored.recorded_by == getattr(personas, name)
    assert stored.course == course
    page = as_persona(name).get(response.url)
    assert "Vital signs taken Fri 12 Mar, 09:50 charted." in page.text
    assert "118/74 (89)" in page.text


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_read_the_page_without_the_form(as_persona, entry, name):
    response = as_persona(name).get(page_url(entry.patient))
    assert response.status_code == 200
    assert "120/80 (93)" in response.text
    assert 'name="systolic_bp"' not in response.text
    assert "Entered in error</a>" not in response.text


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_may_not_chart(as_persona, personas, course, name):
    assert post(as_persona, personas, FULL_SET, name).status_code == 403
    assert not VitalSigns.objects.exists()


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_page_out_of_scope_is_404(as_persona, personas, course, name):
    client = as_persona(name)
    assert client.get(page_url(personas.patient)).status_code == 404
    assert client.post(page_url(personas.patient), FULL_SET).status_code == 404
    assert not VitalSigns.objects.exists()


def test_anonymous_visitors_go_to_login(client, personas):
    for response in (
        client.get(page_url(personas.patient)),
        client.post(page_url(personas.patient), FULL_SET),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert not VitalSigns.objects.exists()


def test_an_unknown_patient_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/patients/999999/chart/vitals/").status_code == 404


# The quick form.


def checked(html: str, name: str) -> list[str]:
    """The values of the radio buttons named `name` that start checked."""
    inputs = re.findall(rf'<input type="radio"[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs if " checked" in tag]


def test_the_form_starts_at_now_on_the_patients_clock_on_room_air_with_no_rhythm(
    as_persona, personas
):
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    assert 'name="taken_date" value="2027-03-12"' in html
    assert 'name="taken_time" value="10:00"' in html
    assert "On the patient's clock (America/New_York)" in html
    # A rhythm nobody looked at must not read as one without AF.
    assert checked(html, "rhythm") == [""]
    assert checked(html, "oxygen_device") == ["room_air"]
    assert checked(html, "temperature_unit") == ["C"]
    assert checked(html, "cognitive_test") == ["not_done"]
    # Findings are not assumed: they start "not assessed".
    assert checked(html, "alert_oriented") == [""]
    assert checked(html, "sedation") == [""]


def test_the_numbers_open_a_numeric_keypad(as_persona, personas):
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    for name in ("systolic_bp", "diastolic_bp", "heart_rate", "respiratory_rate", "spo2"):
        tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)
        assert 'inputmode="numeric"' in tag, name
    for name in ("temperature", "oxygen_flow_l_min"):
        tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)
        assert 'inputmode="decimal"' in tag, name


def test_a_full_set_takes_ten_taps_besides_typing_the_numbers(as_persona, personas, course):
    """Six number boxes (the first already focused), the rhythm, three neuro answers and
    the button: the rest are defaults."""
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    number_boxes = re.findall(r'inputmode="(?:numeric|decimal)"[^>]*name="(\w+)"', html)
    typed_boxes = [n for n in number_boxes if n in TYPED]
    assert re.search(r'name="systolic_bp"[^>]*autofocus|autofocus[^>]*name="systolic_bp"', html)
    taps = len(typed_boxes) - 1 + len([n for n in TYPED if n not in number_boxes]) + 1
    assert taps <= 10
    # The form as the browser sends it, defaults and all, charts the set.
    response = post(as_persona, personas, {**FULL_SET, "taken_time": "10:00"})
    assert response.status_code == 302
    assert VitalSigns.objects.get().measures == [
        "systolic_bp",
        "diastolic_bp",
        "mean_arterial_pressure",
        "heart_rate",
        "respiratory_rate",
        "spo2",
        "temperature_c",
        "alert_oriented",
        "cognitive_test",
        "sedation",
    ]


def test_a_set_of_blood_pressure_only_does_not_keep_the_defaults(as_persona, personas, course):
    data = {**DEFAULTS, "systolic_bp": "100", "diastolic_bp": "60"}
    assert post(as_persona, personas, data).status_code == 302
    stored = VitalSigns.objects.get()
    assert (stored.rhythm, stored.oxygen_device, stored.cognitive_test) == ("", "", "not_done")


def test_a_temperature_in_fahrenheit_is_charted_in_celsius(as_persona, personas, course):
    data = {**DEFAULTS, "temperature": "100.4", "temperature_unit": "F"}
    assert post(as_persona, personas, data).status_code == 302
    assert VitalSigns.objects.get().temperature_c == D("38.0")


def test_oxygen_on_a_device_is_charted_with_its_flow(as_persona, personas, course):
    data = {**DEFAULTS, "spo2": "93", "oxygen_device": "nasal_cannula", "oxygen_flow_l_min": "2"}
    assert post(as_persona, personas, data).status_code == 302
    stored = VitalSigns.objects.get()
    assert (stored.oxygen_device, stored.oxygen_flow_l_min) == ("nasal_cannula", D("2.0"))


def test_an_abnormal_set_is_charted_with_its_flags_said(as_persona, personas, course):
    data = {**FULL_SET, "systolic_bp": "84", "diastolic_bp": "50", "spo2": "88"}
    response = post(as_persona, personas, data)
    page = as_persona("nurse_on_team").get(response.url)
    assert (
        "Abnormal: Systolic BP 84 mmHg: below 90; SpO₂ 88%: below 90; MAP 61 mmHg: below 65."
        in page.text
    )
    assert "<strong>Abnormal:</strong>" in page.text


# Bad input: a message, nothing written, never a 500.


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"systolic_bp": "abc"}, "Enter a whole number."),
        ({"heart_rate": "8.5"}, "Enter a whole number."),
        ({"temperature": "hot"}, "Enter a number."),
        ({"temperature": "NaN"}, "Enter a number."),
        ({"spo2": "99999999999999999999999"}, "SpO₂ must be between 50 and 100%."),
        ({"heart_rate": "-5"}, "Heart rate must be between 20 and 250/min."),
        ({"temperature": "120", "temperature_unit": "F"}, "between 30 and 45 °C (86–113 °F)"),
        ({"temperature": "47"}, "between 30 and 45 °C (86–113 °F)"),
        ({"oxygen_device": "tent"}, "Select a valid choice."),
        ({"rhythm": "junctional"}, "Select a valid choice."),
        ({"taken_date": "2027-02-30"}, "Enter a valid date."),
        ({"taken_time": "25:00"}, "Enter a valid time."),
        ({"taken_date": ""}, "Enter both the date and the time taken."),
        (
            {"taken_date": "9999-12-31", "taken_time": "23:59"},
            "Check the date: it is out of range.",
        ),
        ({"taken_time": "11:00"}, "The time is in the future. Chart it once it is taken."),
        ({"taken_date": "2027-03-11", "taken_time": "09:00"}, "more than 24 hours ago"),
        ({"diastolic_bp": ""}, "Enter both the systolic and the diastolic BP."),
        ({"diastolic_bp": "130"}, "The diastolic BP must be lower than the systolic."),
        ({"oxygen_flow_l_min": "2"}, "Room air has no oxygen flow"),
        ({"oxygen_device": "venturi"}, "Enter the oxygen flow in L/min."),
        ({"oxygen_device": "venturi", "oxygen_flow_l_min": "x"}, "Enter a number."),
        ({"rhythm": "other"}, "Say which rhythm in the note."),
        ({"note": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message(as_persona, personas, course, changes, message):
    refused(post(as_persona, personas, {**FULL_SET, **changes}), message)


def test_an_empty_form_asks_for_a_measurement(as_persona, personas, course):
    refused(post(as_persona, personas, DEFAULTS), "Enter at least one measurement.")


def test_a_rhythm_chosen_without_a_heart_rate_is_refused(as_persona, personas, course):
    data = {**DEFAULTS, "rhythm": "af", "systolic_bp": "110", "diastolic_bp": "70"}
    refused(post(as_persona, personas, data), "Enter the heart rate with the rhythm.")


def test_a_device_chosen_without_an_spo2_is_refused(as_persona, personas, course):
    data = {**DEFAULTS, "heart_rate": "80", "oxygen_device": "face_mask"}
    data["oxygen_flow_l_min"] = "5"
    refused(post(as_persona, personas, data), "Enter the SpO₂ measured on this oxygen.")


def test_a_time_refusal_shows_beside_the_time(as_persona, personas, course):
    response = post(as_persona, personas, {**FULL_SET, "taken_time": "11:00"})
    field = re.search(r'id="div_id_taken_time".*?</div>\s*</div>', response.text, re.S).group(0)
    assert "The time is in the future" in field


def test_clearing_the_date_and_time_charts_the_set_as_taken_now(as_persona, personas, course):
    data = {**FULL_SET, "taken_date": "", "taken_time": ""}
    assert post(as_persona, personas, data).status_code == 302
    assert VitalSigns.objects.get().taken_at == NOW


# The list.


def test_the_list_is_newest_first_for_three_days_with_errors_struck_through(
    as_persona, personas, chart
):
    chart(heart_rate=61, minutes_ago=120)  # moved below to before what the page shows
    chart(heart_rate=62, minutes_ago=60)
    wrong = chart(heart_rate=63, minutes_ago=30)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Wrong bed")
    chart(heart_rate=64, minutes_ago=10)
    VitalSigns.objects.filter(heart_rate=61).update(taken_at=NOW - timedelta(hours=72, minutes=1))
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    rows = re.findall(r'<tr class="vitals-row[^"]*">.*?</tr>', html, re.S)
    rates = [re.search(r"<td><span[^>]*>(6\d)", row).group(1) for row in rows]
    assert rates == ["64", "63", "62"]
    assert "record-entered-in-error" in rows[1] and "Wrong bed" in rows[1]
    assert "record-entered-in-error" not in rows[0]
    # A set in error is not offered for marking again.
    assert "/error/" not in rows[1]
    assert f"/chart/vitals/{wrong.pk - 1}/error/" in rows[2]


def test_the_page_runs_as_many_queries_for_many_sets_as_for_two(as_persona, personas, chart):
    client = as_persona("nurse_on_team")
    url = page_url(personas.patient)
    chart(heart_rate=80, minutes_ago=5)
    chart(heart_rate=80, minutes_ago=6)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for minutes in range(10, 400, 20):
        entry = chart(
            systolic_bp=85,
            diastolic_bp=50,
            heart_rate=80,
            rhythm="af",
            spo2=88,
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=D("2"),
            minutes_ago=minutes,
        )
    mark_entered_in_error(entry, by=personas.nurse_on_team, reason="Wrong bed")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.count(b'class="vitals-row') == 22
    assert len(many) == len(few)


# Marking a set entered in error.


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_marks_a_set_entered_in_error(as_persona, personas, entry, name):
    client = as_persona(name)
    page = client.get(error_url(entry))
    assert page.status_code == 200
    assert "BP 120/80 mmHg (MAP 93); HR 80/min" in page.text
    assert 'name="reason"' in page.text
    response = client.post(error_url(entry), {"reason": "Another patient's observations"})
    assert response.status_code == 302
    assert response.url == page_url(personas.patient)
    stored = VitalSigns.objects.get()
    assert (stored.state, stored.error_reason) == (
        "entered_in_error",
        "Another patient's observations",
    )
    assert stored.history.first().history_user == getattr(personas, name)
    listing = client.get(response.url)
    assert "are marked entered in error" in listing.text


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_may_not_mark_a_set(as_persona, entry, name):
    client = as_persona(name)
    assert client.get(error_url(entry)).status_code == 403
    assert client.post(error_url(entry), {"reason": "wrong"}).status_code == 403
    assert VitalSigns.objects.get().is_active


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_marking_out_of_scope_is_404(as_persona, entry, name):
    client = as_persona(name)
    assert client.get(error_url(entry)).status_code == 404
    assert client.post(error_url(entry), {"reason": "wrong"}).status_code == 404
    assert VitalSigns.objects.get().is_active


def test_marking_sends_anonymous_visitors_to_login(client, entry):
    response = client.post(error_url(entry), {"reason": "wrong"})
    assert response.status_code == 302
    assert response.url == f"/login/?next={error_url(entry)}"
    assert VitalSigns.objects.get().is_active


def test_an_unknown_set_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/chart/vitals/999999/error/").status_code == 404


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Say why it is wrong."),
        ("   ", "Say why it is wrong."),
        ("x" * 201, "Keep the reason to 200 characters or fewer."),
    ],
)
def test_a_blank_or_over_long_reason_is_refused(as_persona, entry, reason, message):
    response = as_persona("nurse_on_team").post(error_url(entry), {"reason": reason})
    assert response.status_code == 200
    assert message in response.text
    assert VitalSigns.objects.get().is_active


def test_a_set_already_marked_says_so_and_changes_nothing(as_persona, personas, entry):
    mark_entered_in_error(entry, by=personas.nurse_on_team, reason="Wrong bed")
    client = as_persona("clinician_on_team")
    page = client.get(error_url(entry))
    assert "already marked as entered in error" in page.text
    assert 'name="reason"' not in page.text
    response = client.post(error_url(entry), {"reason": "Again"})
    assert "already marked as entered in error" in response.text
    stored = VitalSigns.objects.get()
    assert stored.error_reason == "Wrong bed"
    assert stored.history.count() == 2

"""The laboratory results page: who reads and charts it, a sample's form, bad input, the
latest results and the history, and marking a result entered in error."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.lib.history import save_with_history
from tracker.observations.labs import chart_panel, chart_result, mark_entered_in_error
from tracker.observations.models import LabResult

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal

CHARTERS = ["nurse_on_team", "clinician_on_team"]
READERS = ["the_patient", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]

TIME = {"taken_date": "2027-03-12", "taken_time": "08:30"}
# The browser sends every unit select, at its first choice unless changed.
UNITS = {
    "creatinine_unit": "mg/dL",
    "urea_unit": "mmol/L",
    "potassium_unit": "mmol/L",
    "magnesium_unit": "mmol/L",
    "calcium_unit": "mmol/L",
    "phosphate_unit": "mmol/L",
    "bicarbonate_unit": "mmol/L",
    "bilirubin_unit": "umol/L",
    "ast_unit": "U/L",
    "alt_unit": "U/L",
    "ck_unit": "U/L",
    "troponin_unit": "ng/L",
    "haemoglobin_unit": "g/L",
    "wbc_unit": "10*9/L",
    "neutrophils_unit": "10*9/L",
    "platelets_unit": "10*9/L",
}
PANEL = {
    **TIME,
    **UNITS,
    "creatinine_value": "1.5",
    "potassium_value": "4.2",
    "platelets_value": "140",
    "troponin_value": "<3",
}


def page_url(patient):
    return f"/patients/{patient.pk}/chart/labs/"


def error_url(result):
    return f"/chart/labs/{result.pk}/error/"


@pytest.fixture
def chart(personas, course):
    def chart_it(*, minutes_ago=60, **values):
        values = {"test": "creatinine", "value": D("1.1"), "unit": "mg/dL", **values}
        return chart_result(
            personas.patient,
            by=personas.nurse_on_team,
            taken_at=NOW - timedelta(minutes=minutes_ago),
            **values,
        )

    return chart_it


@pytest.fixture
def result(chart):
    return chart(value=D("1.5"))


def post(as_persona, personas, data, name="nurse_on_team"):
    return as_persona(name).post(page_url(personas.patient), data)


def refused(response, message):
    assert response.status_code == 200
    assert message in response.text
    assert "Nothing was charted." in response.text
    assert not LabResult.objects.exists()


# Who reads and who charts.


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_charts_a_sample(as_persona, personas, course, name):
    response = post(as_persona, personas, PANEL, name)
    assert response.status_code == 302
    assert response.url == page_url(personas.patient)
    stored = {r.test: r for r in LabResult.objects.all()}
    assert set(stored) == {"creatinine", "potassium", "platelets", "troponin"}
    # 08:30 in New York is 13:30 UTC, the same for every result of the sample.
    assert {r.taken_at for r in stored.values()} == {datetime(2027, 3, 12, 13, 30, tzinfo=UTC)}
    assert {r.recorded_by for r in stored.values()} == {getattr(personas, name)}
    assert {r.course for r in stored.values()} == {course}
    assert (stored["troponin"].qualifier, stored["troponin"].value) == ("<", D("3"))
    page = as_persona(name).get(response.url)
    assert "4 results of the sample taken Fri 12 Mar, 08:30 charted." in page.text
    assert "Creatinine 1.5 mg/dL (high); Platelets 140 ×10⁹/L (low)" in page.text


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_read_the_page_without_the_form(as_persona, result, name):
    response = as_persona(name).get(page_url(result.patient))
    assert response.status_code == 200
    assert "1.5</strong> mg/dL" in response.text
    assert 'name="creatinine_value"' not in response.text
    assert "Entered in error</a>" not in response.text


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_may_not_chart(as_persona, personas, course, name):
    assert post(as_persona, personas, PANEL, name).status_code == 403
    assert not LabResult.objects.exists()


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_page_out_of_scope_is_404(as_persona, personas, course, name):
    client = as_persona(name)
    assert client.get(page_url(personas.patient)).status_code == 404
    assert client.post(page_url(personas.patient), PANEL).status_code == 404
    assert not LabResult.objects.exists()


def test_anonymous_visitors_go_to_login(client, personas):
    for response in (
        client.get(page_url(personas.patient)),
        client.post(page_url(personas.patient), PANEL),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert not LabResult.objects.exists()


def test_an_unknown_patient_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/patients/999999/chart/labs/").status_code == 404


# The form.


def test_the_form_starts_at_now_on_the_patients_clock_with_each_tests_usual_unit(
    as_persona, personas
):
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    assert 'name="taken_date" value="2027-03-12"' in html
    assert 'name="taken_time" value="10:00"' in html
    assert "when the blood was taken, not when the results came back" in html
    for name, unit in UNITS.items():
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        assert re.findall(r'<option value="([^"]*)" selected>', select) == [unit], name
    tag = re.search(r'<input [^>]*name="creatinine_value"[^>]*>', html).group(0)
    assert 'inputmode="decimal"' in tag


def test_the_form_offers_the_unit_last_charted_for_a_test(as_persona, personas, chart):
    chart(value=D("120"), unit="umol/L")
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    select = re.search(r'<select name="creatinine_unit".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)" selected>', select) == ["umol/L"]


def test_every_result_field_has_a_label(as_persona, personas):
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    for field in re.findall(r'(?:name)="(\w+_(?:value|unit|range_low|range_high))"', html):
        assert f'for="id_{field}"' in html, field


def test_blank_rows_are_skipped(as_persona, personas, course):
    response = post(as_persona, personas, {**TIME, **UNITS, "wbc_value": "3.1"})
    assert response.status_code == 302
    assert list(LabResult.objects.values_list("test", "value", "flag")) == [
        ("wbc", D("3.1"), "low")
    ]


def test_a_result_in_another_unit_is_charted_in_it_and_shown_in_both(as_persona, personas, course):
    data = {**TIME, **UNITS, "creatinine_value": "106", "creatinine_unit": "umol/L"}
    assert post(as_persona, personas, data).status_code == 302
    stored = LabResult.objects.get()
    assert (stored.value, stored.unit, stored.range_low, stored.range_high) == (
        D("106"),
        "umol/L",
        D("53"),
        D("115"),
    )
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    assert '106</strong> µmol/L <span class="text-body-secondary">(1.2 mg/dL)</span>' in html


def test_the_labs_own_range_is_charted(as_persona, personas, course):
    data = {**TIME, **UNITS, "alt_value": "45", "alt_range_low": "7", "alt_range_high": "56"}
    assert post(as_persona, personas, data).status_code == 302
    stored = LabResult.objects.get()
    assert (stored.range_low, stored.range_high, stored.flag) == (D("7"), D("56"), "normal")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "Enter at least one result."),
        ({"potassium_value": "four"}, "Enter a number, or &quot;&lt;&quot; or &quot;&gt;&quot;"),
        ({"potassium_value": "4", "potassium_range_low": "x"}, "Enter a number."),
        ({"potassium_range_low": "3.5"}, "Enter the result, or clear the range."),
        (
            {"haemoglobin_value": "12"},
            "12 g/L is not a possible Haemoglobin result. Did you mean g/dL?",
        ),
        (
            {"creatinine_value": "1.1", "creatinine_unit": "mmol/L"},
            "Select a valid choice.",
        ),
        (
            {"calcium_value": "2.3", "calcium_range_low": "2.6", "calcium_range_high": "2.2"},
            "Calcium: the lower limit of the range is above its upper limit.",
        ),
        ({"potassium_value": "-4"}, "Potassium: the value must be a number from 0"),
        ({"potassium_value": "4.12345"}, "at most 3 decimal places"),
        (
            {"potassium_value": "<4"},
            "could be inside or outside the range, so it cannot be flagged",
        ),
        ({"potassium_value": "4", "taken_time": "11:30"}, "The time is in the future."),
        ({"potassium_value": "4", "taken_date": ""}, "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    as_persona, personas, course, changes, message
):
    response = post(as_persona, personas, {**TIME, **UNITS, **changes})
    refused(response, message)


def test_one_bad_row_keeps_the_good_rows_typed_and_charts_none(as_persona, personas, course):
    data = {**TIME, **UNITS, "creatinine_value": "1.1", "haemoglobin_value": "12"}
    response = post(as_persona, personas, data)
    refused(response, "Did you mean g/dL?")
    assert 'name="creatinine_value" id="id_creatinine_value"' in response.text
    assert re.search(r'name="creatinine_value"[^>]*value="1.1"', response.text)


# The latest results and the history.


def test_the_latest_result_of_each_test_is_shown_with_its_flag_in_words(
    as_persona, personas, chart
):
    chart(value=D("0.9"), minutes_ago=600)
    chart(value=D("1.5"), minutes_ago=60)
    wrong = chart(value=D("9.5"), minutes_ago=30)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Wrong patient's sample")
    chart(test="potassium", value=D("3.0"), unit="mmol/L", minutes_ago=90)
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    latest = re.search(r'<table[^>]*id="lab-latest".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", latest, re.S)[1:]
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert text == [
        "Creatinine 1.5 mg/dL (133 µmol/L) 0.6–1.3 mg/dL ↑ High Fri 12 Mar, 09:00",
        "Potassium 3 mmol/L 3.5–5 mmol/L ↓ Low Fri 12 Mar, 08:30",
    ]


def test_the_history_is_newest_first_with_results_in_error_struck_through(
    as_persona, personas, chart
):
    chart(value=D("0.9"), minutes_ago=600)
    wrong = chart(value=D("9.5"), minutes_ago=30)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Wrong patient's sample")
    # Charted then: a fortnight and a day ago is older than the page lists.
    old = LabResult(
        patient=personas.patient,
        test="creatinine",
        value=D("1.0"),
        unit="mg/dL",
        taken_at=NOW - timedelta(days=15),
        recorded_by=personas.nurse_on_team,
    )
    save_with_history(old, by=personas.nurse_on_team, reason="Charted")
    html = as_persona("nurse_on_team").get(page_url(personas.patient)).text
    history = re.search(r'<table[^>]*id="lab-results".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr class="lab-result-row([^"]*)">(.*?)</tr>', history, re.S)
    assert len(rows) == 2
    (first_class, first), (second_class, second) = rows
    assert "record-entered-in-error-item" in first_class
    assert '<span class="record-entered-in-error"><strong>9.5</strong>' in first
    assert 'Entered in error</span> <span class="small">Wrong patient&#x27;s sample' in first
    assert f'href="{error_url(wrong)}"' not in first
    assert "record-entered-in-error" not in second_class
    assert "0.9</strong> mg/dL" in second


def test_the_page_runs_as_many_queries_for_many_results_as_for_two(as_persona, personas):
    client = as_persona("nurse_on_team")
    url = page_url(personas.patient)

    def sample(minutes_ago):
        return chart_panel(
            personas.patient,
            by=personas.nurse_on_team,
            taken_at=NOW - timedelta(minutes=minutes_ago),
            results=[
                {"test": "creatinine", "value": D("1.5"), "unit": "mg/dL"},
                {"test": "haemoglobin", "value": D("11.2"), "unit": "g/dL"},
            ],
        )

    sample(30)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for minutes in range(60, 1200, 60):
        results = sample(minutes)
    mark_entered_in_error(results[0], by=personas.nurse_on_team, reason="Clotted sample")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.count(b'class="lab-result-row') == 40
    assert len(many) == len(few)


# Marking a result entered in error.


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_marks_a_result_entered_in_error(as_persona, personas, result, name):
    client = as_persona(name)
    page = client.get(error_url(result))
    assert page.status_code == 200
    assert "Creatinine 1.5 mg/dL" in page.text
    response = client.post(error_url(result), {"reason": "Haemolysed sample"})
    assert response.status_code == 302
    assert response.url == page_url(personas.patient)
    result.refresh_from_db()
    assert (result.state, result.error_reason) == ("entered_in_error", "Haemolysed sample")
    assert "is marked entered in error" in client.get(response.url).text


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_may_not_mark_a_result(as_persona, result, name):
    client = as_persona(name)
    assert client.get(error_url(result)).status_code == 403
    assert client.post(error_url(result), {"reason": "No"}).status_code == 403
    result.refresh_from_db()
    assert result.is_active


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_marking_out_of_scope_is_404(as_persona, result, name):
    assert as_persona(name).post(error_url(result), {"reason": "No"}).status_code == 404
    result.refresh_from_db()
    assert result.is_active


def test_marking_sends_anonymous_visitors_to_login(client, result):
    response = client.post(error_url(result), {"reason": "No"})
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    result.refresh_from_db()
    assert result.is_active


def test_an_unknown_result_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/chart/labs/999999/error/").status_code == 404


def test_a_blank_reason_is_refused(as_persona, result):
    response = as_persona("nurse_on_team").post(error_url(result), {"reason": " "})
    assert response.status_code == 200
    result.refresh_from_db()
    assert result.is_active


def test_a_result_already_marked_says_so_and_changes_nothing(as_persona, personas, result):
    mark_entered_in_error(result, by=personas.nurse_on_team, reason="First")
    response = as_persona("clinician_on_team").post(error_url(result), {"reason": "Second"})
    assert "This result is already marked entered in error." in response.text
    result.refresh_from_db()
    assert result.error_reason == "First"
    assert result.history.count() == 2

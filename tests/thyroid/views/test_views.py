"""The thyroid pages: who may see and enter results, what they show, the export and the due list."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory, make_course
from tracker.alerts.models import Alert
from tracker.thyroid.models import ThyroidResult
from tracker.thyroid.recording import mark_entered_in_error, record_result

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
RECORDERS = ["nurse_on_team", "clinician_on_team"]
NOT_RECORDERS = ["the_patient", "admin"]
STAFF_IN_SCOPE = ["nurse_on_team", "clinician_on_team", "admin"]
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
PATIENTS = ["the_patient", "other_patient"]


def add(personas, patient=None, *, hours_ago=2, **fields):
    fields = {"test": "tsh", "value": D("2.1"), "unit": "mIU/L", **fields}
    return record_result(
        patient or personas.patient,
        by=personas.nurse_on_team,
        collected_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )


def results_url(patient):
    return f"/patients/{patient.pk}/thyroid/"


def new_url(patient):
    return f"/patients/{patient.pk}/thyroid/new/"


def csv_url(patient):
    return f"/patients/{patient.pk}/thyroid.csv"


def posted(**changes):
    data = {
        "test": "tsh",
        "value": "2.1",
        "unit": "mIU/L",
        "range_low": "",
        "range_high": "",
        "collected_date": "2027-03-12",
        "collected_time": "08:00",
        "course": "",
        "note": "",
    }
    data.update(changes)
    return data


def assert_nothing_written():
    assert ThyroidResult.objects.count() == 0
    assert Alert.objects.count() == 0


# Who sees the results page.


@pytest.mark.parametrize("name", IN_SCOPE)
def test_the_results_page_is_shown_in_scope(as_persona, personas, name):
    add(personas)
    response = as_persona(name).get(results_url(personas.patient))
    assert response.status_code == 200
    assert response.context["patient"] == personas.patient
    assert len(response.context["results"]) == 1


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_results_page_is_404_out_of_scope(as_persona, personas, name):
    assert as_persona(name).get(results_url(personas.patient)).status_code == 404


def test_the_results_page_sends_anonymous_visitors_to_login(client, personas):
    response = client.get(results_url(personas.patient))
    assert response.status_code == 302
    assert response.url == f"/login/?next={results_url(personas.patient)}"


def test_an_unknown_patient_is_404(as_persona):
    assert as_persona("admin").get("/patients/999999/thyroid/").status_code == 404


@pytest.mark.parametrize(
    "name, recorder, staff",
    [
        ("nurse_on_team", True, True),
        ("clinician_on_team", True, True),
        ("admin", False, True),
        ("the_patient", False, False),
    ],
)
def test_only_recorders_get_the_add_button_and_only_staff_the_export(
    as_persona, personas, name, recorder, staff
):
    response = as_persona(name).get(results_url(personas.patient))
    assert (f'href="{new_url(personas.patient)}"' in response.text) is recorder
    assert (f'href="{csv_url(personas.patient)}"' in response.text) is staff


# What the results page shows.


def test_a_result_shows_its_time_on_the_patients_clock_value_range_and_flag(as_persona, personas):
    add(personas, value=D("8.25"))  # 13:00 UTC is 08:00 EST
    response = as_persona("nurse_on_team").get(results_url(personas.patient))
    row = re.sub(r"\s+", " ", response.text)
    assert "12 Mar 2027, 08:00 EST" in row
    assert "<strong>8.25</strong> mIU/L" in row
    assert "0.4–4.5 mIU/L" in row
    # The flag is written in the badge, not only coloured.
    assert '<span class="badge text-bg-danger">↑ High</span>' in row


def test_free_t4_is_shown_in_the_other_unit_too(as_persona, personas):
    add(personas, test="ft4", value=D("1.2"), unit="ng/dL")
    add(personas, test="ft4", value=D("15.44"), unit="pmol/L", hours_ago=30)
    response = as_persona("the_patient").get(results_url(personas.patient))
    assert (
        '<strong>1.2</strong> ng/dL <span class="text-body-secondary">(15.44 pmol/L)</span>'
        in response.text
    )
    assert (
        '<strong>15.44</strong> pmol/L <span class="text-body-secondary">(1.20 ng/dL)</span>'
        in response.text
    )


def test_the_latest_same_day_pair_is_interpreted(as_persona, personas):
    add(personas, value=D("0.1"), hours_ago=50)
    add(personas, test="ft4", value=D("2.5"), unit="ng/dL", hours_ago=49)
    add(personas, value=D("7.5"), hours_ago=3)
    add(personas, test="ft4", value=D("1.0"), unit="ng/dL", hours_ago=2)
    response = as_persona("clinician_on_team").get(results_url(personas.patient))
    reading = response.context["reading"]
    assert reading.text.startswith("Subclinical hypothyroidism (TSH high, free T4 normal).")
    assert "Subclinical hypothyroidism (TSH high, free T4 normal)." in response.text
    assert "TSH 7.5 mIU/L (↑ High) and free T4 1 ng/dL (Normal)" in response.text


def test_the_free_t3_of_the_day_is_read_with_the_pair(as_persona, personas):
    add(personas, value=D("0.05"), hours_ago=3)
    add(personas, test="ft4", value=D("1.4"), unit="ng/dL", hours_ago=3)
    add(personas, test="ft3", value=D("6.0"), unit="pg/mL", hours_ago=2)
    response = as_persona("clinician_on_team").get(results_url(personas.patient))
    assert response.context["reading"].text.startswith("T3 thyrotoxicosis")
    assert (
        "TSH 0.05 mIU/L (↓ Low) and free T4 1.4 ng/dL (Normal) and free T3 6 pg/mL (↑ High)"
        in response.text
    )


def test_a_tsh_alone_asks_for_a_free_t4(as_persona, personas):
    add(personas, value=D("6"))
    response = as_persona("nurse_on_team").get(results_url(personas.patient))
    assert "TSH high; measure free T4 to interpret it." in response.text


def test_a_result_entered_in_error_is_struck_with_its_reason_not_hidden(as_persona, personas):
    result = add(personas, value=D("9.9"))
    mark_entered_in_error(result, by=personas.nurse_on_team, reason="Wrong patient's tube")
    response = as_persona("the_patient").get(results_url(personas.patient))
    assert '<span class="record-entered-in-error"><strong>9.9</strong> mIU/L' in response.text
    assert "Entered in error: Wrong patient&#x27;s tube" in response.text
    assert response.context["reading"] is None
    assert response.context["chart"] == {}


def test_the_patient_does_not_see_the_care_teams_notes(as_persona, personas):
    add(personas, note="Haemolysed sample, repeat tomorrow")
    assert (
        "Haemolysed sample" in as_persona("nurse_on_team").get(results_url(personas.patient)).text
    )
    assert (
        "Haemolysed sample"
        not in as_persona("the_patient").get(results_url(personas.patient)).text
    )


def test_the_tsh_checks_show_met_and_overdue(as_persona, personas, course):
    response = as_persona("nurse_on_team").get(results_url(personas.patient))
    check, *_ = response.context["due"]
    assert check.on.isoformat() == "2027-03-10"
    assert "Baseline, before the first dose" in response.text
    assert '<span class="badge text-bg-danger">Overdue</span>' in response.text
    assert f'href="{new_url(personas.patient)}?test=tsh">Add TSH</a>' in response.text

    add(personas, value=D("2"))
    response = as_persona("the_patient").get(results_url(personas.patient))
    assert '<span class="badge text-bg-success">Done</span>' in response.text
    assert "TSH on 12 Mar 2027" in response.text
    assert "Add TSH" not in response.text


def test_the_tsh_checks_go_on_after_the_last_dose(as_persona, personas, course):
    response = as_persona("the_patient").get(results_url(personas.patient))
    whys = [check.why for check in response.context["due"]]
    assert whys[1:4] == [
        "4 weeks after the last dose",
        "8 weeks after the last dose",
        "12 weeks after the last dose",
    ]
    assert "Sun 25 Apr 2027</strong> · 4 weeks after the last dose" in response.text
    assert "for a year after the last dose of the last course" in response.text


def test_the_chart_gets_its_data_as_json_and_draws_from_a_static_file(as_persona, personas):
    add(personas, value=D("5.2"), range_low=D("0.3"), range_high=D("4.8"))
    add(personas, test="ft4", value=D("15.44"), unit="pmol/L")
    add(personas, test="ft3", value=D("3"), unit="pg/mL")
    response = as_persona("nurse_on_team").get(results_url(personas.patient))
    match = re.search(
        r'<script id="thyroid-data" type="application/json">(.*?)</script>', response.text
    )
    data = json.loads(match.group(1))
    assert set(data) == {"tsh", "ft4"}
    assert data["tsh"]["points"] == [{"x": "2027-03-12T08:00", "y": 5.2, "flag": "High"}]
    assert data["tsh"]["band"] == [0.3, 4.8]
    assert data["ft4"]["unit"] == "pmol/L"
    assert data["ft4"]["band"] == [10.3, 23.17]  # 0.8–1.8 ng/dL in pmol/L
    assert 'id="thyroid-chart-tsh"' in response.text
    assert "TSH (mIU/L); shaded range 0.3–4.8 mIU/L" in response.text
    assert "Free T4 (pmol/L); shaded range 10.3–23.17 pmol/L" in response.text
    assert "/static/js/thyroid-chart.js" in response.text
    assert "/static/vendor/chartjs/chartjs-adapter-date-fns.bundle.min.js" in response.text
    # Strict CSP: every script is a file, or the JSON data, never inline code.
    for tag in re.findall(r"<script[^>]*>", response.text):
        assert "src=" in tag or 'type="application/json"' in tag or "nonce=" in tag


def test_without_results_there_is_no_chart(as_persona, personas):
    response = as_persona("nurse_on_team").get(results_url(personas.patient))
    assert "No thyroid results yet." in response.text
    assert "thyroid-data" not in response.text
    assert "thyroid-chart.js" not in response.text


def test_the_results_page_query_count_does_not_grow_with_results(as_persona, personas, course):
    client = as_persona("nurse_on_team")
    add(personas, course=course)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(results_url(personas.patient)).status_code == 200
        return len(queries)

    one = count()
    for hours in range(3, 12):
        add(personas, test="ft4", value=D("1"), unit="ng/dL", hours_ago=hours, course=course)
    assert ThyroidResult.objects.count() == 10
    assert count() == one


# Entering a result.


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_gets_the_form_on_the_patients_clock(as_persona, personas, name):
    response = as_persona(name).get(new_url(personas.patient))
    assert response.status_code == 200
    form = response.context["form"]
    assert str(form["collected_time"].value()) == "10:00:00"
    assert str(form["collected_date"].value()) == "2027-03-12"
    assert "On the patient's clock (America/New_York)." in response.text
    assert 'placeholder="0.4"' in response.text
    assert 'placeholder="4.5"' in response.text


def test_the_form_opens_on_the_test_asked_for(as_persona, personas):
    response = as_persona("nurse_on_team").get(new_url(personas.patient) + "?test=ft4")
    form = response.context["form"]
    assert (form["test"].value(), form["unit"].value()) == ("ft4", "ng/dL")
    assert 'placeholder="0.8"' in response.text


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_enters_a_result(as_persona, personas, name):
    response = as_persona(name).post(new_url(personas.patient), posted())
    assert response.status_code == 302
    assert response.url == results_url(personas.patient)
    result = ThyroidResult.objects.get()
    assert result.recorded_by == getattr(personas, name)


@pytest.mark.parametrize("name", NOT_RECORDERS)
def test_the_patient_and_the_admin_may_not_enter_results(as_persona, personas, name):
    client = as_persona(name)
    assert client.get(new_url(personas.patient)).status_code == 403
    assert client.post(new_url(personas.patient), posted()).status_code == 403
    assert_nothing_written()


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_entering_out_of_scope_is_404(as_persona, personas, name):
    client = as_persona(name)
    assert client.get(new_url(personas.patient)).status_code == 404
    assert client.post(new_url(personas.patient), posted()).status_code == 404
    assert_nothing_written()


def test_entering_sends_anonymous_visitors_to_login(client, personas):
    for response in (
        client.get(new_url(personas.patient)),
        client.post(new_url(personas.patient), posted()),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")
    assert_nothing_written()


def test_a_result_is_stored_at_the_utc_instant_with_the_default_range(as_persona, personas):
    response = as_persona("nurse_on_team").post(
        new_url(personas.patient),
        posted(test="ft4", value="1.55", unit="ng/dL", note="  before cycle 2  "),
        follow=True,
    )
    assert response.redirect_chain == [(results_url(personas.patient), 302)]
    result = ThyroidResult.objects.get()
    assert result.collected_at == datetime(2027, 3, 12, 13, 0, tzinfo=UTC)
    assert (result.test, result.value, result.unit) == ("ft4", D("1.55"), "ng/dL")
    assert (result.range_low, result.range_high) == (D("0.8"), D("1.8"))
    assert result.flag == "normal"
    assert result.note == "before cycle 2"
    assert "Free T4 1.55 ng/dL saved: normal." in response.text
    assert "Free T4 without a TSH: measure TSH to interpret it." in response.text


def test_the_message_names_the_flag_the_alert_and_the_days_interpretation(as_persona, personas):
    add(personas, test="ft4", value=D("0.5"), unit="ng/dL", hours_ago=3)
    response = as_persona("nurse_on_team").post(
        new_url(personas.patient), posted(value="12.5"), follow=True
    )
    assert "TSH 12.5 mIU/L saved: high. The care team has been alerted." in response.text
    assert "Overt primary hypothyroidism (TSH high, free T4 low)." in response.text
    assert Alert.objects.filter(thyroid_result__value=D("12.5")).count() == 1


def test_the_labs_own_range_and_the_patients_course_are_kept(as_persona, personas, course):
    as_persona("clinician_on_team").post(
        new_url(personas.patient),
        posted(value="4.4", range_low="0.5", range_high="4.0", course=str(course.pk)),
    )
    result = ThyroidResult.objects.get()
    assert (result.range_low, result.range_high, result.flag) == (D("0.5"), D("4.0"), "high")
    assert result.course == course


def test_the_course_list_offers_only_this_patients_courses(as_persona, personas, course):
    other = make_course(PatientFactory(), by=personas.clinician_on_team)
    form = as_persona("nurse_on_team").get(new_url(personas.patient)).context["form"]
    assert list(form.fields["course"].queryset) == [course]
    assert other not in form.fields["course"].queryset


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"unit": "pmol/L"}, "unit", "pmol/L is not a unit for TSH: use mIU/L."),
        ({"test": "ft4", "unit": "mIU/L"}, "unit", "use ng/dL or pmol/L"),
        ({"value": "two"}, "value", "Enter a number."),
        ({"value": "<"}, "value", "This field is required."),
        ({"value": "<two"}, "value", "Enter a number."),
        ({"value": "<0.5"}, "__all__", "could be inside or outside the range"),
        ({"value": ""}, "value", "This field is required."),
        ({"value": "-1"}, "value", "greater than or equal to 0"),
        ({"value": "1.2345"}, "value", "no more than 3 decimal places"),
        ({"value": "99999999"}, "value", "no more than 7 digits before the decimal point"),
        ({"range_low": "5", "range_high": "1"}, "range_high", "below the lower limit"),
        ({"test": "t7"}, "test", "Select a valid choice."),
        ({"unit": "mg"}, "unit", "Select a valid choice."),
        ({"collected_date": "12/03/2027x"}, "collected_date", "Enter a valid date."),
        ({"collected_time": "25:00"}, "collected_time", "Enter a valid time."),
        # 02:30 does not happen in New York on 14 March 2027: the clocks go forward.
        (
            {"collected_date": "2027-03-14", "collected_time": "02:30"},
            "collected_time",
            "the clocks went forward",
        ),
        (
            {"collected_date": "0202-03-12", "collected_time": "08:00"},
            "__all__",
            "before the patient's date of birth",
        ),
        ({"course": "999999"}, "course", "Select a valid choice."),
        ({"note": "x" * 201}, "note", "at most 200 characters"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
    as_persona, personas, changes, field, message
):
    with time_machine.travel("2027-03-20 15:00Z", tick=False):
        response = as_persona("nurse_on_team").post(new_url(personas.patient), posted(**changes))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message.replace("'", "&#x27;") in response.text
    assert_nothing_written()


def test_a_free_t3_entered_after_the_pair_changes_the_days_reading(as_persona, personas):
    add(personas, value=D("0.05"), hours_ago=3)
    add(personas, test="ft4", value=D("1.4"), unit="ng/dL", hours_ago=3)
    response = as_persona("nurse_on_team").post(
        new_url(personas.patient),
        posted(test="ft3", value="6.0", unit="pg/mL", collected_time="09:00"),
        follow=True,
    )
    assert "Free T3 6 pg/mL saved: high." in response.text
    assert "T3 thyrotoxicosis (TSH low, free T4 normal, free T3 high)." in response.text


def test_a_tsh_below_the_assays_limit_is_entered_as_the_lab_writes_it(as_persona, personas):
    client = as_persona("nurse_on_team")
    response = client.post(new_url(personas.patient), posted(value="<0.01"), follow=True)
    result = ThyroidResult.objects.get()
    assert (result.value, result.qualifier, result.flag) == (D("0.01"), "<", "low")
    assert "TSH &lt;0.01 mIU/L saved: low." in response.text
    assert "<strong>&lt;0.01</strong> mIU/L" in response.text
    rows = read_csv(client.get(csv_url(personas.patient)))
    assert rows[0]["value"] == "<0.01"


def test_another_patients_course_is_not_a_choice(as_persona, personas):
    other = make_course(PatientFactory(), by=personas.clinician_on_team)
    response = as_persona("nurse_on_team").post(
        new_url(personas.patient), posted(course=str(other.pk))
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.context["form"].errors["course"][0]
    assert_nothing_written()


def test_a_collection_time_in_the_future_is_refused_on_the_form(as_persona, personas):
    response = as_persona("nurse_on_team").post(
        new_url(personas.patient), posted(collected_time="10:30")
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The collection time is in the future."]
    assert "The collection time is in the future." in response.text
    assert_nothing_written()


# The export.


@pytest.mark.parametrize("name", STAFF_IN_SCOPE)
def test_staff_in_scope_download_the_csv(as_persona, personas, name):
    response = as_persona(name).get(csv_url(personas.patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="thyroid-{personas.patient.mrn}.csv"'
    )


def test_the_patient_may_not_download_the_csv(as_persona, personas):
    assert as_persona("the_patient").get(csv_url(personas.patient)).status_code == 403


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_csv_is_404_out_of_scope(as_persona, personas, name):
    assert as_persona(name).get(csv_url(personas.patient)).status_code == 404


def test_the_csv_sends_anonymous_visitors_to_login(client, personas):
    response = client.get(csv_url(personas.patient))
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_has_one_row_per_result_in_the_patients_zone(as_persona, personas, course):
    add(personas, test="ft4", value=D("1.2"), unit="ng/dL", course=course)
    wrong = add(personas, value=D("9"), hours_ago=30)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="mislabelled")
    rows = read_csv(as_persona("nurse_on_team").get(csv_url(personas.patient)))
    assert list(rows[0]) == [
        "collected_at",
        "test",
        "value",
        "unit",
        "value_in_other_unit",
        "range_low",
        "range_high",
        "flag",
        "loinc",
        "course_id",
        "state",
        "error_reason",
        "note",
        "recorded_by",
    ]
    first, second = rows
    assert first["collected_at"] == "2027-03-11T04:00:00-05:00"
    assert (first["test"], first["value"], first["state"]) == ("TSH", "9", "entered_in_error")
    assert first["error_reason"] == "mislabelled"
    assert first["value_in_other_unit"] == ""
    assert second == {
        "collected_at": "2027-03-12T08:00:00-05:00",
        "test": "Free T4",
        "value": "1.2",
        "unit": "ng/dL",
        "value_in_other_unit": "15.44 pmol/L",
        "range_low": "0.8",
        "range_high": "1.8",
        "flag": "normal",
        "loinc": "3024-7",
        "course_id": str(course.pk),
        "state": "active",
        "error_reason": "",
        "note": "",
        "recorded_by": personas.nurse_on_team.get_full_name(),
    }


@pytest.mark.parametrize(
    "note", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "  =1"]
)
def test_the_csv_defuses_formulas_in_free_text(as_persona, personas, note):
    result = add(personas, note=note)
    mark_entered_in_error(result, by=personas.nurse_on_team, reason="=cmd|' /C calc'!A0")
    (row,) = read_csv(as_persona("admin").get(csv_url(personas.patient)))
    assert row["note"] == "'" + result.note
    assert row["error_reason"] == "'=cmd|' /C calc'!A0"


def test_ordinary_text_is_left_alone_in_the_csv(as_persona, personas):
    add(personas, note="repeat in 6 weeks, TSH rising")
    (row,) = read_csv(as_persona("admin").get(csv_url(personas.patient)))
    assert row["note"] == "repeat in 6 weeks, TSH rising"


# The overdue list.


@pytest.mark.parametrize("name", STAFF)
def test_staff_get_the_overdue_list(as_persona, name):
    assert as_persona(name).get("/thyroid/due/").status_code == 200


@pytest.mark.parametrize("name", PATIENTS)
def test_patients_may_not_see_the_overdue_list(as_persona, name):
    assert as_persona(name).get("/thyroid/due/").status_code == 403


def test_the_overdue_list_sends_anonymous_visitors_to_login(client):
    response = client.get("/thyroid/due/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/thyroid/due/"


def test_the_overdue_list_shows_only_the_users_patients(as_persona, personas, course):
    other = PatientFactory(family_name="Elsewhere")
    make_course(other, by=personas.clinician_on_team, start="2027-03-09 08:00")
    mine = as_persona("nurse_on_team").get("/thyroid/due/")
    assert [patient for patient, _ in mine.context["overdue"]] == [personas.patient]
    assert f'href="{new_url(personas.patient)}?test=tsh"' in mine.text
    assert other.mrn not in mine.text
    assert as_persona("nurse_off_team").get("/thyroid/due/").context["overdue"] == []
    everyone = as_persona("admin").get("/thyroid/due/")
    assert [patient for patient, _ in everyone.context["overdue"]] == [other, personas.patient]
    assert "Add TSH result" not in everyone.text


def test_a_tsh_takes_the_patient_off_the_overdue_list(as_persona, personas, course):
    add(personas, value=D("2"))
    response = as_persona("nurse_on_team").get("/thyroid/due/")
    assert response.context["overdue"] == []
    assert "No TSH checks are overdue." in response.text


def test_a_check_after_the_last_dose_is_listed_once_its_day_has_passed(
    as_persona, personas, course
):
    add(personas, value=D("2"))  # meets the baseline
    with time_machine.travel(datetime(2027, 4, 26, 15, 0, tzinfo=UTC)):
        response = as_persona("nurse_on_team").get("/thyroid/due/")
    assert [(p, check.why) for p, check in response.context["overdue"]] == [
        (personas.patient, "4 weeks after the last dose")
    ]
    assert "Due Sun 25 Apr 2027 · 4 weeks after the last dose" in response.text


def test_the_overdue_list_query_count_does_not_grow_with_patients(as_persona, personas):
    clinician = personas.clinician_on_team
    client = as_persona("clinician_on_team")

    def with_patients(how_many):
        for _ in range(how_many):
            patient = PatientFactory(care_team=[clinician])
            make_course(
                patient, slug="sc-5on2off", start="2027-01-04 09:00", cycles=2, by=clinician
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/thyroid/due/")
        return len(response.context["overdue"]), len(queries)

    one, queries_for_one = with_patients(1)
    four, queries_for_four = with_patients(3)
    assert (one, four) == (2, 8)
    assert queries_for_four == queries_for_one


def test_the_overdue_list_shows_a_page_at_a_time_oldest_first(as_persona, personas, monkeypatch):
    monkeypatch.setattr("tracker.lib.pages.PER_PAGE", 1)
    clinician = personas.clinician_on_team
    make_course(
        personas.patient, slug="sc-5on2off", start="2027-01-04 09:00", cycles=2, by=clinician
    )
    client = as_persona("clinician_on_team")
    first = client.get("/thyroid/due/")
    second = client.get("/thyroid/due/", {"page": 2})
    past_the_end = client.get("/thyroid/due/", {"page": 50})
    garbage = client.get("/thyroid/due/", {"page": "x"})
    assert first.context["page"].paginator.count == 2
    assert first.context["overdue"][0][1].on < second.context["overdue"][0][1].on
    assert past_the_end.context["overdue"] == second.context["overdue"]
    assert garbage.context["overdue"] == first.context["overdue"]
    assert 'href="?page=2"' in first.text

"""The flowsheet page: who reads it, which day it shows, every day to print, its queries."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.clinic.bulk_chart import daily_creatinine, hourly_chart, pressor
from tests.factories import PatientFactory, make_course
from tracker.observations.models import LabResult, VitalSigns

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
MARCH_10 = datetime(2027, 3, 10, 5, 0, tzinfo=UTC)  # midnight in New York
H = timedelta(hours=1)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


def url(patient, query=""):
    return f"/patients/{patient.pk}/flowsheet/{query}"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def charted(personas, course):
    """Hourly observations from midnight on the 10th to 09:00 on the 12th, and a pressor."""
    hourly_chart(personas.patient, course, personas.nurse_on_team, MARCH_10, 58)
    pressor(personas.patient, course, personas.nurse_on_team, MARCH_10 + 30 * H, ["0.05", "0.1"])
    return course


# Who reads it.


@pytest.mark.parametrize("name", IN_SCOPE)
def test_the_care_team_the_patient_and_the_admin_read_the_flowsheet(
    as_persona, personas, charted, name
):
    response = as_persona(name).get(url(personas.patient))
    assert response.status_code == 200
    assert response.context["sheets"][0].day == date(2027, 3, 12)


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_flowsheet_is_404_out_of_scope(as_persona, personas, charted, name):
    assert as_persona(name).get(url(personas.patient)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, personas):
    response = client.get(url(personas.patient))
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_an_unknown_patient_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/patients/999999/flowsheet/").status_code == 404


def test_it_answers_only_get(as_persona, personas):
    assert as_persona("nurse_on_team").post(url(personas.patient)).status_code == 405


# Which day.


def test_it_shows_today_on_the_patients_clock_with_the_days_either_side(
    as_persona, personas, charted
):
    response = as_persona("nurse_on_team").get(url(personas.patient))
    page = text_of(response)
    assert "Friday 12 March 2027" in page
    assert f'href="?course={charted.pk}&amp;day=2027-03-11"' in page
    assert f'href="?course={charted.pk}&amp;day=2027-03-13"' in page
    assert f'href="?course={charted.pk}&amp;days=all"' in page


def test_a_day_asked_for_is_shown(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient, "?day=2027-03-10"))
    sheet = response.context["sheets"][0]
    assert sheet.day == date(2027, 3, 10)
    bp = next(row for row in sheet.rows if row.key == "bp")
    assert all(cell.shown == "118/72" for cell in bp.cells)


@pytest.mark.now("2027-04-20 15:00Z")
def test_after_the_admission_it_opens_on_the_last_charted_day(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient))
    assert response.context["sheets"][0].day == date(2027, 3, 12)


@pytest.mark.parametrize("day", ["12/03/2027", "2027-02-30", "1890-01-01", "tomorrow"])
def test_a_day_not_understood_is_said_and_today_shown(as_persona, personas, charted, day):
    response = as_persona("nurse_on_team").get(url(personas.patient, f"?day={day}"))
    assert response.status_code == 200
    assert "The day (YYYY-MM-DD) asked for was not understood" in text_of(response)
    assert response.context["sheets"][0].day == date(2027, 3, 12)


def test_another_patients_course_is_404(as_persona, personas, charted):
    other = make_course(PatientFactory(), by=personas.clinician_on_team)
    response = as_persona("nurse_on_team").get(url(personas.patient, f"?course={other.pk}"))
    assert response.status_code == 404


def test_a_course_not_understood_is_said(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient, "?course=first"))
    assert response.status_code == 200
    assert "The course asked for was not understood" in text_of(response)
    assert response.context["course"] == charted


def test_a_patient_with_no_course_sees_an_empty_day(as_persona, personas):
    response = as_persona("nurse_on_team").get(url(personas.patient))
    assert response.status_code == 200
    assert "Not on a course." in text_of(response)


# The grid on the page.


def test_an_abnormal_value_is_marked_in_words_and_with_a_symbol(as_persona, personas, charted):
    VitalSigns.objects.create(
        patient=personas.patient,
        course=charted,
        recorded_by=personas.nurse_on_team,
        taken_at=NOW - 2 * H,
        systolic_bp=84,
        diastolic_bp=50,
    )
    page = text_of(as_persona("nurse_on_team").get(url(personas.patient)))
    assert 'title="Systolic BP 84 mmHg: below 90"' in page
    assert '<span class="fs-mark" aria-hidden="true">▼</span>' in page
    assert "Abnormal: Systolic BP 84 mmHg: below 90." in page
    assert "08:00 Systolic BP 84 mmHg: below 90" in page


def test_several_values_in_an_hour_are_all_on_the_page(as_persona, personas, charted):
    VitalSigns.objects.create(
        patient=personas.patient,
        course=charted,
        recorded_by=personas.nurse_on_team,
        taken_at=datetime(2027, 3, 12, 13, 40, tzinfo=UTC),
        heart_rate=121,
    )
    page = text_of(as_persona("nurse_on_team").get(url(personas.patient)))
    assert (
        '<span class="fs-count">×2</span><ul class="fs-list"><li>08:00 84</li><li>08:40 121</li>'
        in page
    )


def test_the_hours_carry_their_instants(as_persona, personas, charted):
    page = as_persona("nurse_on_team").get(url(personas.patient)).content.decode()
    assert '<time datetime="2027-03-12T05:00:00+00:00">00:00</time>' in page
    assert '<time datetime="2027-03-13T04:00:00+00:00">23:00</time>' in page


@pytest.mark.now("2027-03-15 15:00Z")
def test_the_night_the_clocks_go_forward_has_23_columns(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient, "?day=2027-03-14"))
    assert len(response.context["sheets"][0].hours) == 23
    page = text_of(response)
    assert "The clocks went forward: this day has 23 hours." in page
    assert '<time datetime="2027-03-14T07:00:00+00:00">03:00</time>' in page


# The trends.


def test_the_trends_cover_the_admission_with_a_summary_in_words(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient))
    page = text_of(response)
    data = json.loads(
        re.search(
            r'<script id="flowsheet-trend-data" type="application/json">(.*?)</script>', page
        ).group(1)
    )
    assert set(data) == {"bp", "weight", "urine", "creatinine"}
    assert len(data["bp"]["systolic"]["points"]) == 58
    assert data["bp"]["systolic"]["points"][0] == {"x": "2027-03-10T00:00", "y": 118}
    pressors = [s for s in data["bp"].values() if s.get("axis") == "pressor"]
    assert [p["points"] for p in pressors] == [
        [
            {"x": "2027-03-11T06:00", "y": 0.05},
            {"x": "2027-03-11T07:00", "y": 0.1},
            {"x": "2027-03-12T10:00", "y": 0.1},  # still running now
        ]
    ]
    assert "58 blood pressures from 10 Mar 00:00 to 12 Mar 09:00" in page
    assert "Norepinephrine (noradrenaline) from 11 Mar 06:00, highest 0.1 µg/kg/min." in page
    assert "3 weights: 70.0 kg on 10 Mar 00:00, 72.0 kg on 12 Mar 00:00, +2.9% from" in page
    assert 'aria-describedby="trend-bp-summary"' in page
    assert "No creatinine charted." in page


def test_the_creatinine_trend_is_in_mg_dl_with_the_labs_flag(as_persona, personas, charted):
    for hours_ago, value in ((40, "88"), (4, "221")):
        LabResult.objects.create(
            patient=personas.patient,
            course=charted,
            recorded_by=personas.nurse_on_team,
            taken_at=NOW - hours_ago * H,
            test="creatinine",
            value=Decimal(value),
            unit="umol/L",
            range_low=Decimal("53"),
            range_high=Decimal("106"),
        )
    response = as_persona("nurse_on_team").get(url(personas.patient))
    points = response.context["chart_data"]["creatinine"]["creatinine"]["points"]
    assert points == [
        {"x": "2027-03-10T18:00", "y": 1.0, "flag": "Normal"},
        {"x": "2027-03-12T06:00", "y": 2.5, "flag": "High"},
    ]
    assert (
        "2 results: first 1 mg/dL on 10 Mar 18:00, last 2.5 mg/dL on 12 Mar 06:00; highest "
        "2.5 mg/dL on 12 Mar 06:00; 1 outside the lab&#x27;s range."
    ) in text_of(response)


def test_every_day_has_no_trends(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient, "?days=all"))
    assert response.context["trends"] == []
    assert "flowsheet-trend-data" not in response.content.decode()


# Every day, to print.


def test_every_day_of_the_admission_is_one_section(as_persona, personas, charted):
    response = as_persona("nurse_on_team").get(url(personas.patient, "?days=all"))
    assert [sheet.day for sheet in response.context["sheets"]] == [
        date(2027, 3, 10),
        date(2027, 3, 11),
        date(2027, 3, 12),
    ]
    page = response.content.decode()
    assert page.count('<section class="flowsheet-day"') == 3
    assert 'href="/static/css/flowsheet-print.css" media="print"' in page


# Queries.


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?days=all"])
def test_the_queries_do_not_grow_with_the_chart(as_persona, personas, course, query):
    client = as_persona("nurse_on_team")
    nurse = personas.nurse_on_team
    # Ten entries on the 12th: then a thousand more over the three days before.
    hourly_chart(personas.patient, course, nurse, datetime(2027, 3, 12, 5, tzinfo=UTC), 2)
    pressor(personas.patient, course, nurse, datetime(2027, 3, 12, 6, tzinfo=UTC), ["0.05"])
    daily_creatinine(personas.patient, course, nurse, datetime(2027, 3, 12, 6, tzinfo=UTC), 1)
    few = _queries(client, url(personas.patient, query))
    hourly_chart(personas.patient, course, nurse, datetime(2027, 3, 9, 20, tzinfo=UTC), 250)
    pressor(personas.patient, course, nurse, MARCH_10, ["0.05", "0.1", "0.2", "0.1"])
    daily_creatinine(personas.patient, course, nurse, datetime(2027, 3, 9, 20, tzinfo=UTC), 10)
    many = _queries(client, url(personas.patient, query))
    assert VitalSigns.objects.count() == 252
    assert many == few


# Links.


def test_the_chart_pages_and_the_patient_page_link_the_flowsheet(as_persona, personas):
    client = as_persona("nurse_on_team")
    link = f'href="/patients/{personas.patient.pk}/flowsheet/"'
    for page in ("", "chart/vitals/", "chart/fluids/", "chart/events/"):
        assert link in client.get(f"/patients/{personas.patient.pk}/{page}").text
    assert f'{link} aria-current="page"' in client.get(url(personas.patient)).text

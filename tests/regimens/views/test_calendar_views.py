import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regimens.models import Course, Dose
from tests.factories import make_course

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
NEW_YORK = ZoneInfo("America/New_York")
NOW = "2027-03-10 10:00Z"


def month_url(patient, year=2027, month=3):
    return f"/patients/{patient.pk}/calendar/{year}/{month}/"


def doses_url(patient, query="date=2027-03-14&span=day"):
    return f"/patients/{patient.pk}/doses/?{query}"


def local(dose, fmt="%H:%M %Z"):
    return dose.planned_at.astimezone(NEW_YORK).strftime(fmt)


def cell(html, day):
    """The HTML of one day's cell in the month grid."""
    match = re.search(rf'data-date="{day}">(.*?)</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


def dose_times(html):
    return re.findall(r"<time [^>]*>([^<]+)</time>", html)


# Access: every view, every persona.

PATIENT_URLS = [
    pytest.param(month_url, id="month"),
    pytest.param(lambda p: f"/patients/{p.pk}/calendar/", id="month-default"),
    pytest.param(doses_url, id="doses"),
    pytest.param(lambda p: f"/patients/{p.pk}/doses/", id="doses-default"),
]


@pytest.mark.parametrize("url", PATIENT_URLS)
@pytest.mark.parametrize("name", IN_SCOPE)
def test_patient_calendars_are_shown_in_scope(as_persona, personas, name, url):
    make_course(personas.patient)
    response = as_persona(name).get(url(personas.patient))
    assert response.status_code == 200
    assert personas.patient.mrn in response.text
    assert "America/New_York" in response.text


@pytest.mark.parametrize("url", PATIENT_URLS)
@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_patient_calendars_are_404_out_of_scope(as_persona, personas, name, url):
    make_course(personas.patient)
    assert as_persona(name).get(url(personas.patient)).status_code == 404


@pytest.mark.parametrize("url", PATIENT_URLS)
def test_patient_calendars_send_anonymous_visitors_to_login(client, personas, url):
    response = client.get(url(personas.patient))
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


# Month grid.


def test_month_shows_both_cycles_in_the_patients_zone(as_persona, personas):
    make_course(personas.patient)
    response = as_persona("nurse_on_team").get(month_url(personas.patient))
    html = response.text
    assert "March 2027" in html
    assert "America/New_York" in html

    in_grid = [d for week in response.context["weeks"] for c in week for d in c["doses"]]
    assert len(in_grid) == 28
    assert sum(1 for d in in_grid if d.cycle == 1) == 14
    assert len(re.findall(r'<li class="dose" data-cycle="1"', html)) == 14
    assert len(re.findall(r'<li class="dose" data-cycle="2"', html)) == 14
    # Cycle 1 on 10-14 March, cycle 2 (course day 15) on 24-28 March.
    for day in range(10, 15):
        assert 'data-cycle="1"' in cell(html, f"2027-03-{day:02d}")
    for day in range(24, 29):
        assert 'data-cycle="2"' in cell(html, f"2027-03-{day:02d}")
    for day in (*range(1, 10), *range(15, 24), *range(29, 32)):
        assert "<li" not in cell(html, f"2027-03-{day:02d}")


def test_month_shows_elapsed_hours_across_the_dst_change(as_persona, personas):
    make_course(personas.patient)
    html = as_persona("the_patient").get(month_url(personas.patient)).text
    # Before the change: 00:00, 08:00, 16:00 EST; on 14 March the clocks go forward.
    assert dose_times(cell(html, "2027-03-13")) == ["00:00 EST", "08:00 EST", "16:00 EST"]
    assert dose_times(cell(html, "2027-03-14")) == ["00:00 EST", "09:00 EDT", "17:00 EDT"]


def test_month_shows_status_in_words(as_persona, personas):
    course = make_course(personas.patient)
    Dose.objects.filter(course=course, dose_in_course=1).update(status=Dose.Status.GIVEN)
    Dose.objects.filter(course=course, dose_in_course=2).update(status=Dose.Status.HELD)
    html = as_persona("nurse_on_team").get(month_url(personas.patient)).text
    day = cell(html, "2027-03-10")
    assert "Given" in day
    assert "Held" in day


def test_month_has_previous_and_next_links(as_persona, personas):
    html = as_persona("admin").get(month_url(personas.patient, 2027, 1)).text
    pk = personas.patient.pk
    assert f'href="/patients/{pk}/calendar/2026/12/"' in html
    assert f'href="/patients/{pk}/calendar/2027/2/"' in html


def test_month_grid_starts_on_monday(as_persona, personas):
    response = as_persona("admin").get(month_url(personas.patient, 2027, 4))
    weeks = response.context["weeks"]
    assert weeks[0][0]["date"] == date(2027, 3, 29)
    assert weeks[0][0]["in_month"] is False
    assert weeks[-1][-1]["date"] == date(2027, 5, 2)


def test_month_links_the_print_stylesheet(as_persona, personas):
    html = as_persona("admin").get(month_url(personas.patient)).text
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/print\.css" media="print">', html)


@time_machine.travel(NOW)
def test_month_defaults_to_the_next_upcoming_dose(as_persona, personas):
    make_course(personas.patient, start="2027-05-03 08:00")
    response = as_persona("admin").get(f"/patients/{personas.patient.pk}/calendar/")
    assert response.status_code == 200
    assert response.context["month"] == date(2027, 5, 1)


@time_machine.travel("2027-07-01 02:00Z")
def test_month_defaults_to_this_month_in_the_patients_zone(as_persona, personas):
    # 02:00 UTC on 1 July is still 30 June in New York.
    response = as_persona("admin").get(f"/patients/{personas.patient.pk}/calendar/")
    assert response.context["month"] == date(2027, 6, 1)


@pytest.mark.parametrize("month", [0, 13, 99])
def test_month_out_of_range_is_404(as_persona, personas, month):
    assert as_persona("admin").get(month_url(personas.patient, 2027, month)).status_code == 404


def test_month_year_at_the_edge_is_404(as_persona, personas):
    assert as_persona("admin").get(month_url(personas.patient, 9999, 12)).status_code == 404


def test_month_runs_the_same_queries_however_many_doses(as_persona, personas):
    client = as_persona("nurse_on_team")
    make_course(personas.patient)
    with CaptureQueriesContext(connection) as one_course:
        assert client.get(month_url(personas.patient)).status_code == 200
    for slug, start, days in [
        ("sc-5on2off", "2027-03-01 09:00", None),
        ("sc-low-dose", "2027-03-02 10:00", 28),
    ]:
        # Only one course is open at a time; the month shows stopped courses too.
        Course.objects.filter(patient=personas.patient).update(
            status=Course.Status.DISCONTINUED, discontinue_reason="other"
        )
        make_course(personas.patient, slug=slug, start=start, treatment_days=days)
    with CaptureQueriesContext(connection) as three_courses:
        response = client.get(month_url(personas.patient))
    assert sum(len(c["doses"]) for w in response.context["weeks"] for c in w) > 28 + 20
    assert len(three_courses) == len(one_course)


# Day and week list.


def test_day_list_shows_local_times_with_zone_abbreviations(as_persona, personas):
    course = make_course(personas.patient)
    response = as_persona("clinician_on_team").get(doses_url(personas.patient))
    assert response.status_code == 200
    expected = [
        local(d)
        for d in course.doses.order_by("planned_at")
        if d.planned_at.astimezone(NEW_YORK).date() == date(2027, 3, 14)
    ]
    assert expected == ["00:00 EST", "09:00 EDT", "17:00 EDT"]
    assert dose_times(response.text) == expected
    assert "America/New_York" in response.text
    assert "Cycle 1 · dose 12 of 14" in response.text
    assert "Cycle 1 · dose 14 of 14" in response.text


def test_week_list_groups_doses_by_local_date(as_persona, personas):
    course = make_course(personas.patient)
    response = as_persona("the_patient").get(
        doses_url(personas.patient, "date=2027-03-12&span=week")
    )
    days = response.context["days"]
    # Seven days from the date chosen: Friday 12 to Thursday 18 March.
    assert [d["date"] for d in days] == [date(2027, 3, 12 + i) for i in range(7)]
    assert [len(d["doses"]) for d in days] == [3, 3, 3, 0, 0, 0, 0]
    from_the_12th = course.doses.filter(cycle=1, dose_in_cycle__gt=5).order_by("planned_at")
    assert dose_times(response.text) == [local(d) for d in from_the_12th]


@time_machine.travel("2027-03-14 20:00Z")
def test_the_week_list_on_a_sunday_shows_the_coming_week(as_persona, personas):
    # Sunday afternoon in New York; the course starts on Monday morning.
    make_course(personas.patient, start="2027-03-15 08:00")
    response = as_persona("the_patient").get(f"/patients/{personas.patient.pk}/doses/")
    days = response.context["days"]
    assert [d["date"] for d in days] == [date(2027, 3, 14 + i) for i in range(7)]
    assert [len(d["doses"]) for d in days] == [0, 2, 3, 3, 3, 3, 0]
    assert "Doses from Sunday 14 March to Saturday 20 March 2027" in response.text
    next_week = "?date=2027-03-21&amp;span=week"
    assert next_week in response.text


def test_week_is_the_default_span(as_persona, personas):
    make_course(personas.patient)
    response = as_persona("admin").get(doses_url(personas.patient, "date=2027-03-24"))
    assert response.context["span"] == "week"
    assert len(dose_times(response.text)) == 14


def test_day_pattern_dose_counts_the_cycle(as_persona, personas):
    make_course(personas.patient, slug="sc-5on2off", start="2027-03-01 09:00")
    html = as_persona("admin").get(doses_url(personas.patient, "date=2027-03-01&span=day")).text
    assert "Cycle 1 · dose 1 of 20" in html
    assert "09:00 EST" in html


@time_machine.travel("2027-03-14 20:00Z")
def test_list_defaults_to_today_in_the_patients_zone(as_persona, personas):
    response = as_persona("admin").get(f"/patients/{personas.patient.pk}/doses/")
    assert response.context["chosen"] == date(2027, 3, 14)
    assert response.context["span"] == "week"


def test_list_shows_the_dst_note(as_persona, personas):
    # 02:30 does not exist in New York on 14 March: that dose moves to 03:30 EDT.
    course = make_course(personas.patient, slug="sc-5on2off", start="2027-03-10 02:30")
    html = as_persona("admin").get(doses_url(personas.patient, "date=2027-03-14&span=day")).text
    (dose,) = course.doses.exclude(dst_note="")
    assert local(dose, "%Y-%m-%d %H:%M %Z") == "2027-03-14 03:30 EDT"
    note = dose.dst_note
    assert dose_times(html) == ["03:30 EDT"]
    assert note in html.replace("&#x27;", "'")


def test_list_says_when_a_clock_change_shifted_a_dose(as_persona, personas):
    # Every 8 h from 08:00 EST on 10 March: New York's clocks go forward on 14 March.
    make_course(personas.patient)
    html = as_persona("the_patient").get(doses_url(personas.patient)).text
    assert dose_times(html) == ["00:00 EST", "09:00 EDT", "17:00 EDT"]
    assert html.count("Clocks changed on 14 Mar") == 2
    assert (
        "Clocks changed on 14 Mar: still 8 hours after the last dose, so 09:00 EDT instead of 08:00"
        in html
    )


@pytest.mark.parametrize(
    "query",
    ["date=garbage", "date=2027-02-30", "date=14/03/2027", "date=0001-01-01", "span=month"],
)
def test_list_bad_input_is_a_clear_400(as_persona, personas, query):
    response = as_persona("admin").get(doses_url(personas.patient, query))
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.text


# Overdue doses: dose 1 given at 08:00 EST, dose 2 (16:00 EST) unrecorded 90 minutes on,
# past the course's one-hour window; dose 3 (00:00 EST on 11 March) still to come.

OVERDUE_NOW = "2027-03-10 22:30Z"


def given_then_overdue(patient):
    course = make_course(patient)
    Dose.objects.filter(course=course, dose_in_course=1).update(status=Dose.Status.GIVEN)
    return course


@time_machine.travel(OVERDUE_NOW)
@pytest.mark.parametrize("name", ["the_patient", "nurse_on_team", "clinician_on_team"])
def test_month_shows_an_unrecorded_dose_past_its_window_as_overdue(as_persona, personas, name):
    given_then_overdue(personas.patient)
    html = as_persona(name).get(month_url(personas.patient)).text
    tenth = cell(html, "2027-03-10")
    assert re.findall(r'class="badge dose-status[^"]*">([^<]+)<', tenth) == ["Given", "Overdue"]
    assert "Scheduled" not in tenth
    assert tenth.count("data-overdue") == 1
    assert "Overdue" not in cell(html, "2027-03-11")
    assert "Scheduled" in cell(html, "2027-03-11")


@time_machine.travel(OVERDUE_NOW)
@pytest.mark.parametrize("name", ["the_patient", "nurse_on_team"])
def test_dose_list_shows_an_unrecorded_dose_past_its_window_as_overdue(as_persona, personas, name):
    given_then_overdue(personas.patient)
    html = as_persona(name).get(doses_url(personas.patient, "date=2027-03-10&span=day")).text
    assert re.findall(r'class="badge dose-status[^"]*">([^<]+)<', html) == ["Given", "Overdue"]


@time_machine.travel("2027-03-10 21:30Z")
def test_a_dose_inside_its_window_is_still_scheduled(as_persona, personas):
    given_then_overdue(personas.patient)
    html = as_persona("the_patient").get(month_url(personas.patient)).text
    assert "Overdue" not in cell(html, "2027-03-10")


@time_machine.travel(OVERDUE_NOW)
def test_doses_of_a_cancelled_course_are_never_overdue(as_persona, personas):
    course = given_then_overdue(personas.patient)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.CANCELLED)
    html = as_persona("nurse_on_team").get(month_url(personas.patient)).text
    assert "data-overdue" not in cell(html, "2027-03-10")
    assert "Scheduled" in cell(html, "2027-03-10")

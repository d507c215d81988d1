"""The shift page: overdue and due doses of my patients, on the ward's clock."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from regimens.courses import cancel_course
from tests.factories import (
    NORMAL_OBSERVATIONS,
    PatientFactory,
    make_course,
    record_given,
    record_normal_check,
)
from tracker.ward.recording import record_check, record_dose

# The default course starts 2027-03-10 08:00 in New York (13:00 UTC), every 8 h:
# dose 1 at 13:00Z, dose 2 at 21:00Z, dose 3 at 05:00Z and dose 4 at 13:00Z on 11 March.
# At 18:00Z dose 1 is overdue (its 1 h window closed at 14:00Z).
NOW = "2027-03-10 18:00Z"
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
NORMAL = NORMAL_OBSERVATIONS


def dose(course, number):
    return course.doses.get(dose_in_course=number)


def card(html, dose):
    """The HTML of one dose's card on the shift page."""
    match = re.search(rf'<li [^>]*id="dose-{dose.pk}">(.*?)</li>', html, re.S)
    assert match, f"no card for dose {dose.pk}"
    return match.group(1)


def numbers(doses):
    return [(d.course_id, d.dose_in_course) for d in doses]


def listed(response):
    """The doses on the page: the overdue page's, then the due page's."""
    return [*response.context["overdue"], *response.context["due"]]


# Access.


@pytest.mark.parametrize("name", STAFF)
def test_staff_see_the_shift_page(as_persona, name):
    response = as_persona(name).get("/ward/")
    assert response.status_code == 200
    assert response.context["hours"] == 12


@pytest.mark.parametrize("name", ["the_patient", "other_patient"])
def test_patients_are_refused_the_shift_page(as_persona, name):
    assert as_persona(name).get("/ward/").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/ward/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/ward/"


# What is listed.


def test_overdue_and_due_doses_are_listed_in_their_sections(as_persona, course):
    response = as_persona("nurse_on_team").get("/ward/")
    assert numbers(response.context["overdue"]) == [(course.pk, 1)]
    assert numbers(response.context["due"]) == [(course.pk, 2), (course.pk, 3)]
    overdue, due = re.split(r'id="due-heading"', response.text)
    overdue = overdue.split('id="overdue-heading"')[1]
    assert f'id="dose-{dose(course, 1).pk}"' in overdue
    assert f'id="dose-{dose(course, 2).pk}"' in due
    assert "Overdue by 5 h 00 min" in card(response.text, dose(course, 1))


def test_only_my_patients_doses_are_listed(as_persona, personas, course):
    stranger = make_course(PatientFactory(), by=personas.clinician_off_team)
    mine = as_persona("nurse_on_team").get("/ward/")
    assert {d.course_id for d in listed(mine)} == {course.pk}
    assert f'id="dose-{dose(stranger, 1).pk}"' not in mine.text

    theirs = as_persona("nurse_off_team").get("/ward/")
    assert listed(theirs) == []
    assert personas.patient.mrn not in theirs.text


# Times: on the ward's clock, with the patient's own where it reads otherwise.

PATIENTS_TIME = '<small class="text-body-secondary">{} patient\'s time</small>'


def dose_times(html):
    return re.findall(r'<time class="dose-time"[^>]*>(.*?)</time>', html, re.S)


def in_zone(personas, zone):
    personas.nurse_on_team.time_zone = zone
    personas.nurse_on_team.save()


@pytest.fixture
def london_course(personas):
    """A London patient's course from 08:00 GMT: dose 2 at 16:00Z, dose 3 at 00:00Z on 11 March."""
    london = PatientFactory(time_zone="Europe/London", care_team=[personas.nurse_on_team])
    return make_course(london, start="2027-03-10 08:00")


def test_a_london_nurse_sees_a_new_york_dose_on_the_ward_clock_with_the_patients_time(
    as_persona, personas, course
):
    in_zone(personas, "Europe/London")
    html = as_persona("nurse_on_team").get("/ward/").text
    assert dose_times(card(html, dose(course, 1))) == [
        "Wed 10 Mar, 13:00 GMT " + PATIENTS_TIME.format("08:00 EST")
    ]


def test_a_london_patients_dose_shows_one_time_on_a_london_ward(
    as_persona, personas, london_course
):
    in_zone(personas, "Europe/London")
    html = card(as_persona("nurse_on_team").get("/ward/").text, dose(london_course, 3))
    assert dose_times(html) == ["Thu 11 Mar, 00:00 GMT"]
    assert "patient's time" not in html


def test_doses_are_listed_by_instant_and_read_in_order_on_one_clock(
    as_persona, personas, course, london_course
):
    in_zone(personas, "Europe/London")
    html = as_persona("nurse_on_team").get("/ward/").text
    due = html.split('id="due-heading"')[1].split('id="recent-heading"')[0]
    # On each patient's own clock these read 16:00 EST, 00:00 GMT, 00:00 EST.
    assert [time.split(" <small")[0] for time in dose_times(due)] == [
        "Wed 10 Mar, 21:00 GMT",
        "Thu 11 Mar, 00:00 GMT",
        "Thu 11 Mar, 05:00 GMT",
    ]


def test_a_nurse_in_new_york_reads_the_list_on_her_own_clock(
    as_persona, personas, course, london_course
):
    in_zone(personas, "America/New_York")
    html = as_persona("nurse_on_team").get("/ward/").text
    assert dose_times(card(html, dose(course, 2))) == ["Wed 10 Mar, 16:00 EST"]
    # Midnight in London is still the evening before in New York.
    assert dose_times(card(html, dose(london_course, 3))) == [
        "Wed 10 Mar, 19:00 EST " + PATIENTS_TIME.format("Thu 00:00 GMT")
    ]


@override_settings(CLINIC_TIME_ZONE="Asia/Tokyo")
def test_a_nurse_with_no_zone_of_her_own_reads_the_clinics_clock(as_persona, personas, course):
    assert personas.nurse_on_team.time_zone == ""
    html = as_persona("nurse_on_team").get("/ward/").text
    assert dose_times(card(html, dose(course, 2))) == [
        "Thu 11 Mar, 06:00 JST " + PATIENTS_TIME.format("Wed 16:00 EST")
    ]


def test_recent_records_and_checks_are_on_the_ward_clock(as_persona, personas, course):
    in_zone(personas, "Europe/London")
    nurse = personas.nurse_on_team
    record_check(dose(course, 2), by=nurse, decision="give", **NORMAL)
    record_given(dose(course, 1), nurse)
    html = as_persona("nurse_on_team").get("/ward/").text
    # The check was taken now, at 18:00 UTC; dose 1 was given and charted at 13:00 UTC.
    assert "Checked 18:00 GMT " + PATIENTS_TIME.format("13:00 EST") in card(html, dose(course, 2))
    recent = html.split('id="recent-heading"')[1]
    assert "Wed 10 Mar, 13:00 GMT " + PATIENTS_TIME.format("08:00 EST") + " · " in recent
    assert "recorded 13:00 GMT " + PATIENTS_TIME.format("08:00 EST") in recent


def test_each_dose_has_a_record_button_back_to_the_shift(as_persona, course):
    html = as_persona("nurse_on_team").get("/ward/").text
    for number in (1, 2):
        pk = dose(course, number).pk
        assert f'href="/doses/{pk}/record/?from=shift"' in card(html, dose(course, number))


def test_iv_doses_get_a_pre_dose_check_link_and_sc_doses_do_not(as_persona, personas, course):
    # SC at 09:00 New York is 14:00 UTC; its 4 h window closes at 18:00 UTC.
    other = PatientFactory(care_team=[personas.nurse_on_team])
    sc = make_course(other, slug="sc-5on2off", start="2027-03-10 09:00")
    response = as_persona("nurse_on_team").get("/ward/")
    iv_card = card(response.text, dose(course, 2))
    sc_card = card(response.text, dose(sc, 1))
    assert f'href="/doses/{dose(course, 2).pk}/check/?from=shift"' in iv_card
    assert f'href="/doses/{dose(sc, 1).pk}/record/?from=shift"' in sc_card
    assert "/check/" not in sc_card


def test_the_admin_sees_doses_without_record_buttons(as_persona, course):
    response = as_persona("admin").get("/ward/")
    assert response.context["can_record"] is False
    assert numbers(response.context["due"]) == [(course.pk, 2), (course.pk, 3)]
    assert "/record/" not in card(response.text, dose(course, 2))


@pytest.mark.parametrize(
    "query, hours, due",
    [
        ("?hours=8", 8, [2]),
        ("?hours=12", 12, [2, 3]),
        ("?hours=24", 24, [2, 3, 4]),
        ("", 12, [2, 3]),
        ("?hours=abc", 12, [2, 3]),
        ("?hours=5", 12, [2, 3]),
        ("?hours=", 12, [2, 3]),
        ("?hours=-12", 12, [2, 3]),
    ],
)
def test_the_window_ahead_is_8_12_or_24_hours(as_persona, course, query, hours, due):
    # At 18:00Z: dose 2 (21:00Z) is within 8 h, dose 3 (05:00Z) within 12 h, dose 4 within 24 h.
    response = as_persona("nurse_on_team").get(f"/ward/{query}")
    assert response.status_code == 200
    assert response.context["hours"] == hours
    assert [d.dose_in_course for d in response.context["due"]] == due
    assert f"Due in the next {hours} hours" in response.text
    assert numbers(response.context["overdue"]) == [(course.pk, 1)]


def test_a_recorded_dose_leaves_due_and_appears_under_recent(as_persona, personas, course):
    nurse = personas.nurse_on_team
    record_dose(dose(course, 2), by=nurse, outcome="held", hold_reason="hypotension")
    response = as_persona("nurse_on_team").get("/ward/")
    assert numbers(response.context["due"]) == [(course.pk, 3)]
    assert [r.dose for r in response.context["recent"]] == [dose(course, 2)]
    recent = response.text.split('id="recent-heading"')[1]
    assert "Dose 2 (cycle 1, dose 2)" in recent
    assert "Systolic BP below 90 mmHg" in recent
    assert f'id="dose-{dose(course, 2).pk}"' not in response.text


def test_a_dose_of_a_cancelled_course_is_not_listed(as_persona, personas, course):
    # Cancelling leaves dose 1 (past) scheduled; only the course status keeps it off the list.
    cancel_course(course, by=personas.clinician_on_team, reason="entered by mistake")
    assert dose(course, 1).status == "scheduled"
    response = as_persona("nurse_on_team").get("/ward/")
    assert listed(response) == []
    assert f'id="dose-{dose(course, 1).pk}"' not in response.text


def test_the_latest_pre_dose_check_is_shown_on_the_card(as_persona, personas, course):
    record_check(
        dose(course, 2),
        by=personas.nurse_on_team,
        decision="ask",
        decision_note="asymptomatic, clinician aware",
        **{**NORMAL, "systolic_bp": 85},
    )
    html = card(as_persona("nurse_on_team").get("/ward/").text, dose(course, 2))
    assert "withhold" in html
    assert "Systolic BP &lt; 90 mmHg" in html
    assert "decision: ask the prescriber" in html


# Queries.


def shift_queries(client, url="/ward/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def add_patient_with_course(personas, slug, start, check=True):
    """Another patient on the nurse's team, in Paris, with a course and a check on dose 2."""
    patient = PatientFactory(care_team=[personas.nurse_on_team], time_zone="Europe/Paris")
    course = make_course(patient, slug=slug, start=start)
    if check:
        record_check(dose(course, 2), by=personas.nurse_on_team, decision="give", **NORMAL)
    return course


def test_the_shift_page_runs_the_same_queries_however_many_courses(as_persona, personas, course):
    client = as_persona("nurse_on_team")
    record_check(dose(course, 2), by=personas.nurse_on_team, decision="give", **NORMAL)
    one, one_count = shift_queries(client, "/ward/?hours=24")
    assert (len(one.context["overdue"]), len(one.context["due"])) == (1, 3)
    add_patient_with_course(personas, "hd-iv-label", "2027-03-10 12:00")
    add_patient_with_course(personas, "hd-iv-q8h-15", "2027-03-10 14:00")
    record_check(dose(course, 3), by=personas.nurse_on_team, decision="give", **NORMAL)
    three, three_count = shift_queries(client, "/ward/?hours=24")
    assert (len(three.context["overdue"]), len(three.context["due"])) == (3, 9)
    assert three.text.count("no hold rule fired") == 4
    assert three_count == one_count


def test_recent_records_do_not_add_a_query_each(as_persona, personas, course):
    client = as_persona("nurse_on_team")
    nurse = personas.nurse_on_team
    # An empty list is only counted, so keep a dose overdue throughout: a Paris patient's
    # doses from 07:00Z, left unrecorded.
    add_patient_with_course(personas, "hd-iv-label", "2027-03-10 08:00", check=False)
    record_given(dose(course, 1), nurse, now=dose(course, 1).planned_at)
    one, one_count = shift_queries(client)
    assert len(one.context["recent"]) == 1
    assert len(one.context["overdue"]) > 0
    for slug, start in (("hd-iv-label", "2027-03-10 09:00"), ("hd-iv-q8h-15", "2027-03-10 09:00")):
        other = add_patient_with_course(personas, slug, start, check=False)
        first = other.doses.get(dose_in_course=1)
        record_given(first, nurse, now=first.planned_at)
    with CaptureQueriesContext(connection) as queries:
        three = client.get("/ward/")
    assert len(three.context["recent"]) == 3
    assert len(queries) == one_count


def test_an_open_alert_shows_beside_the_patients_next_due_dose(as_persona, personas, course):
    from tracker.symptoms.models import CtcaeTerm
    from tracker.symptoms.reporting import record_event

    record_event(
        personas.patient,
        CtcaeTerm.objects.get(version="5.0", term="Hypotension"),
        by=personas.nurse_on_team,
        grade=3,
        onset_at=dose(course, 1).planned_at,
        attribution="probable",
    )
    response = as_persona("nurse_on_team").get("/ward/")
    shown = listed(response)
    assert [len(d.open_alerts) for d in shown] == [1] + [0] * (len(shown) - 1)
    assert "Hypotension, grade 3" in response.text
    assert "Acknowledge" in response.text
    assert "Hypotension, grade 3" not in as_persona("nurse_off_team").get("/ward/").text


def test_alerts_do_not_add_queries_to_the_shift_page(as_persona, personas, course):
    from tracker.thyroid.recording import record_result

    client = as_persona("nurse_on_team")
    client.get("/ward/")
    with CaptureQueriesContext(connection) as none:
        client.get("/ward/")
    for value in ("9.1", "8.2", "7.3"):
        record_result(
            personas.patient,
            by=personas.nurse_on_team,
            test="tsh",
            value=Decimal(value),
            unit="mIU/L",
            collected_at=dose(course, 1).planned_at,
        )
    with CaptureQueriesContext(connection) as three:
        client.get("/ward/")
    assert len(three) == len(none)


def test_an_alert_for_a_patient_with_no_dose_due_is_still_on_the_shift_page(as_persona, personas):
    from tracker.thyroid.recording import record_result

    record_result(
        personas.patient,
        by=personas.nurse_on_team,
        test="tsh",
        value=Decimal("9.9"),
        unit="mIU/L",
        collected_at=datetime.fromisoformat(NOW),
    )
    response = as_persona("nurse_on_team").get("/ward/")
    assert [a.patient for a in response.context["other_alerts"]] == [personas.patient]
    assert "Open alerts for patients with no dose on this page" in response.text
    assert "TSH 9.9 mIU/L is high" in response.text


def test_the_card_swapped_in_after_recording_keeps_the_patients_alerts(
    as_persona, personas, course
):
    from tracker.thyroid.recording import record_result

    record_result(
        personas.patient,
        by=personas.nurse_on_team,
        test="tsh",
        value=Decimal("9.9"),
        unit="mIU/L",
        collected_at=datetime.fromisoformat(NOW),
    )
    first = dose(course, 1)
    response = as_persona("nurse_on_team").post(
        f"/doses/{first.pk}/record/",
        {
            "outcome": "held",
            "hold_reason": "hypotension",
            "from": "shift",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.headers["HX-Retarget"] == f"#dose-{first.pk}"
    assert "TSH 9.9 mIU/L is high" in response.text


# The patient's identity and urgent alerts when recording in place.


def test_each_card_shows_the_mrn_beside_the_name(as_persona, personas, course):
    response = as_persona("nurse_on_team").get("/ward/")
    patient = personas.patient
    assert f"MRN {patient.mrn} · born 15 Jun 1970" in card(response.text, dose(course, 1))


@pytest.fixture
def urgent(personas, course, raise_alert):
    return raise_alert(personas.patient, personas.nurse_on_team, at=dose(course, 1).planned_at)


def given_in_place(personas, **changes):
    return {
        "outcome": "given",
        "given_date": "2027-03-10",
        "given_time": "08:05",
        "amount_miu": "42",
        "given_by": personas.nurse_on_team.pk,
        "from": "shift",
        **changes,
    }


def test_the_form_in_place_shows_the_alerts_and_asks_about_the_urgent_one(
    as_persona, personas, course, urgent
):
    first = dose(course, 1)
    record_normal_check(first, personas.nurse_on_team)
    client = as_persona("nurse_on_team")
    form = client.get(f"/doses/{first.pk}/record/?from=shift", HTTP_HX_REQUEST="true")
    assert "Open alerts for this patient" in form.text
    assert f'name="alert_{urgent.pk}"' in form.text
    assert 'name="next" value="/ward/"' in form.text

    asked = client.post(
        f"/doses/{first.pk}/record/", given_in_place(personas), HTTP_HX_REQUEST="true"
    )
    assert "Acknowledge it or say why you proceed." in asked.text
    assert "HX-Retarget" not in asked.headers
    saved = client.post(
        f"/doses/{first.pk}/record/",
        given_in_place(personas, **{f"alert_{urgent.pk}": "acknowledge"}),
        HTTP_HX_REQUEST="true",
    )
    assert saved.headers["HX-Retarget"] == f"#dose-{first.pk}"
    urgent.refresh_from_db()
    assert not urgent.is_open


def test_alerts_add_no_queries_to_the_form_in_place(as_persona, personas, course, raise_alert):
    first, nurse = dose(course, 1), personas.nurse_on_team
    client = as_persona("nurse_on_team")
    url = f"/doses/{first.pk}/record/?from=shift"
    raise_alert(personas.patient, nurse, at=first.planned_at)
    client.get(url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as one:
        client.get(url, HTTP_HX_REQUEST="true")
    raise_alert(personas.patient, nurse, at=first.planned_at, term="Capillary leak syndrome")
    raise_alert(personas.patient, nurse, at=first.planned_at, grade=3)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert len(response.context["open_alerts"]) == 3
    assert len(three) == len(one)


# The patients' own records of home injections, to verify.


def inject_at_home(patient, day: int):
    """The patient's own record of their home dose on `day` March, at its planned time."""
    from tests.factories import make_home_course
    from tracker.ward.recording import record_own_dose

    course = patient.courses.first() or make_home_course(patient, start="2027-03-01 09:00")
    home_dose = course.doses.get(dose_in_course=day)
    return record_own_dose(
        home_dose,
        by=patient.user,
        outcome="given",
        given_at=home_dose.planned_at,
        injection_site="left_thigh",
        now=home_dose.planned_at,
    )


def test_a_patients_own_record_waits_to_be_verified_however_old(as_persona, personas):
    old = inject_at_home(personas.patient, 1)
    page = as_persona("nurse_on_team").get("/ward/")
    assert list(page.context["to_verify"]) == [old]
    assert "Recorded by patients at home, to verify" in page.text
    assert f"/records/{old.pk}/verify/" in page.text
    assert old not in page.context["recent"]


def test_a_verified_record_leaves_the_list(as_persona, personas):
    from tracker.ward.recording import verify_record

    record = inject_at_home(personas.patient, 1)
    verify_record(record, by=personas.nurse_on_team)
    page = as_persona("nurse_on_team").get("/ward/")
    assert list(page.context["to_verify"]) == []
    assert "to verify" not in page.text


def test_another_teams_patients_records_are_not_listed(as_persona, personas):
    inject_at_home(personas.patient, 1)
    assert list(as_persona("nurse_off_team").get("/ward/").context["to_verify"]) == []


def test_the_admin_sees_records_to_verify_without_a_verify_button(as_persona, personas):
    record = inject_at_home(personas.patient, 1)
    page = as_persona("admin").get("/ward/")
    assert list(page.context["to_verify"]) == [record]
    assert f"/records/{record.pk}/verify/" not in page.text


def test_records_to_verify_do_not_add_a_query_each(as_persona, personas):
    client = as_persona("nurse_on_team")
    inject_at_home(personas.patient, 1)
    _, one_count = shift_queries(client)
    for day in (2, 3, 4):
        inject_at_home(personas.patient, day)
    four, four_count = shift_queries(client)
    assert len(four.context["to_verify"]) == 4
    assert four_count == one_count


def test_the_most_urgent_alerts_are_shown_with_a_link_to_the_rest(
    as_persona, personas, raise_alert, monkeypatch
):
    monkeypatch.setattr("tracker.clinic.views.SHIFT_ALERTS", 2)
    at = datetime.fromisoformat(NOW)
    high = raise_alert(personas.patient, personas.nurse_on_team, grade=3, at=at)
    urgent = raise_alert(personas.patient, personas.nurse_on_team, grade=4, at=at)
    for _ in range(3):
        raise_alert(personas.patient, personas.nurse_on_team, grade=3, at=at)
    response = as_persona("nurse_on_team").get("/ward/")
    assert response.context["other_alerts"][0] == urgent
    assert high not in response.context["other_alerts"]
    assert response.context["other_alert_count"] == 5
    assert '<a href="/alerts/">3 more open alerts</a>' in response.text


def test_a_few_alerts_need_no_link_to_the_rest(as_persona, personas, raise_alert):
    raise_alert(personas.patient, personas.nurse_on_team, at=datetime.fromisoformat(NOW))
    response = as_persona("nurse_on_team").get("/ward/")
    assert len(response.context["other_alerts"]) == 1
    assert "more open alert" not in response.text


def test_records_to_verify_show_a_page_at_a_time_oldest_first(as_persona, personas, monkeypatch):
    monkeypatch.setattr("tracker.clinic.views.TO_VERIFY_PER_PAGE", 2)
    records = [inject_at_home(personas.patient, day) for day in (1, 2, 3)]
    client = as_persona("nurse_on_team")
    first = client.get("/ward/", {"hours": 8})
    assert list(first.context["to_verify"]) == records[:2]
    assert 'href="?hours=8&amp;verify_page=2"' in first.text
    assert list(client.get("/ward/", {"verify_page": 2}).context["to_verify"]) == records[2:]
    assert list(client.get("/ward/", {"verify_page": 7}).context["to_verify"]) == records[2:]
    assert list(client.get("/ward/", {"verify_page": "x"}).context["to_verify"]) == records[:2]


# A page at a time: a big team's lists are read and shown 20 doses at a time.


@pytest.fixture
def overdue_25(personas, course):
    """25 overdue doses: 14 of a course begun on 4 March (the last at 21:00Z on 8 March), 10 of one begun on 7 March, and
    dose 1 of the default course (13:00Z today), none recorded."""
    return [
        make_course(PatientFactory(care_team=[personas.nurse_on_team]), start=start)
        for start in ("2027-03-04 08:00", "2027-03-07 08:00")
    ]


def planned(doses):
    return [d.planned_at for d in doses]


def test_25_overdue_doses_show_20_with_the_count_and_a_link_to_the_other_5(as_persona, overdue_25):
    client = as_persona("nurse_on_team")
    first = client.get("/ward/")
    page = first.context["overdue"]
    assert (len(page), page.paginator.count) == (20, 25)
    heading = first.text.split('id="overdue-heading"')[1].split("</h2>")[0]
    assert "25 doses" in heading
    assert "Showing 1–20" in first.text
    assert 'href="?overdue_page=2"' in first.text
    second = client.get("/ward/", {"overdue_page": 2})
    rest = second.context["overdue"]
    assert len(rest) == 5
    assert "Showing 21–25" in second.text
    both = [*page, *rest]
    assert len({d.pk for d in both}) == 25
    # The longest overdue first, across the pages.
    assert planned(both) == sorted(planned(both))


def test_the_due_list_is_a_page_at_a_time_soonest_first_then_by_family_name(
    as_persona, personas, monkeypatch
):
    monkeypatch.setattr("tracker.clinic.views.SHIFT_DOSES_PER_PAGE", 2)
    for family_name in ("Zeller", "Abbott"):
        patient = PatientFactory(care_team=[personas.nurse_on_team], family_name=family_name)
        make_course(patient)
    client = as_persona("nurse_on_team")
    first = client.get("/ward/").context["due"]
    # Dose 2 of each, at 21:00Z, then dose 3 of each, at 05:00Z: four in all.
    assert first.paginator.count == 4
    assert [d.course.patient.family_name for d in first] == ["Abbott", "Zeller"]
    second = client.get("/ward/", {"due_page": 2}).context["due"]
    assert [d.course.patient.family_name for d in second] == ["Abbott", "Zeller"]
    assert planned(first) < planned(second)


@pytest.mark.parametrize("garbage", ["x", "2x", "", "1.5"])
def test_a_garbage_page_number_gives_the_first_page(as_persona, overdue_25, garbage):
    client = as_persona("nurse_on_team")
    first = list(client.get("/ward/").context["overdue"])
    response = client.get("/ward/", {"overdue_page": garbage, "due_page": garbage})
    assert response.status_code == 200
    assert list(response.context["overdue"]) == first


def test_a_page_past_the_end_gives_the_last(as_persona, overdue_25):
    response = as_persona("nurse_on_team").get("/ward/", {"overdue_page": 9})
    assert response.status_code == 200
    assert len(response.context["overdue"]) == 5


def test_the_hours_choice_is_kept_in_the_page_links(as_persona, overdue_25):
    client = as_persona("nurse_on_team")
    response = client.get("/ward/", {"hours": 24})
    assert 'href="?hours=24&amp;overdue_page=2"' in response.text
    second = client.get("/ward/", {"hours": 24, "overdue_page": 2})
    assert second.context["hours"] == 24
    assert 'href="?hours=24&amp;overdue_page=1"' in second.text


def test_each_list_keeps_the_others_page(as_persona, personas, overdue_25, monkeypatch):
    monkeypatch.setattr("tracker.clinic.views.SHIFT_DOSES_PER_PAGE", 2)
    response = as_persona("nurse_on_team").get("/ward/", {"overdue_page": 3, "due_page": 2})
    assert 'href="?overdue_page=3&amp;due_page=1"' in response.text
    assert 'href="?due_page=2&amp;overdue_page=4"' in response.text


def test_a_patient_whose_doses_are_on_another_page_has_their_alerts_on_this_one(
    as_persona, personas, overdue_25, raise_alert, now
):
    # The course begun on 4 March has its 14 doses overdue, the oldest: all on page 1.
    patient = overdue_25[0].patient
    alert = raise_alert(patient, personas.nurse_on_team, at=now)
    client = as_persona("nurse_on_team")
    first = client.get("/ward/")
    assert alert not in first.context["other_alerts"]
    beside = [d for d in first.context["overdue"] if d.open_alerts]
    assert [(d.course.patient, d.open_alerts) for d in beside] == [(patient, [alert])]
    second = client.get("/ward/", {"overdue_page": 2})
    assert alert in second.context["other_alerts"]
    assert "Hypotension" in second.text


def test_records_of_the_last_12_hours_show_a_page_at_a_time_newest_first(
    as_persona, personas, monkeypatch
):
    monkeypatch.setattr("tracker.clinic.views.RECENT_PER_PAGE", 1)
    nurse = personas.nurse_on_team
    records = []
    for start in ("2027-03-10 07:00", "2027-03-10 08:00"):
        course = make_course(PatientFactory(care_team=[nurse]), start=start)
        first = dose(course, 1)
        records.append(record_given(first, nurse, now=first.planned_at))
    client = as_persona("nurse_on_team")
    page = client.get("/ward/").context["recent"]
    assert page.paginator.count == 2
    assert [r.dose for r in page] == [records[1].dose]
    later = client.get("/ward/", {"recent_page": 2}).context["recent"]
    assert [r.dose for r in later] == [records[0].dose]

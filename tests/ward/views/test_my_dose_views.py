"""The patient's own pages for a home injection, and the nurse's "Verify"."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, make_home_course, record_given
from tracker.alerts.models import Alert
from tracker.ward.models import DoseRecord
from tracker.ward.recording import record_own_dose

# Dose 1 of the home course: Wed 3 Feb 2027 09:00 EST (14:00 UTC); overdue at 13:00,
# its recording window ends at 01:00 the next night.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-02-03 14:20Z")]
DOSE_1_AT = datetime(2027, 2, 3, 14, 0, tzinfo=UTC)
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
STAFF_IN_SCOPE = ["nurse_on_team", "clinician_on_team", "admin"]


@pytest.fixture
def course(personas):
    return make_home_course(personas.patient, start="2027-02-03 09:00")


@pytest.fixture
def dose(course):
    return course.doses.get(dose_in_course=1)


def record_url(dose, when=""):
    return f"/me/doses/{dose.pk}/record/" + (f"?when={when}" if when else "")


def missed_url(dose):
    return f"/me/doses/{dose.pk}/missed/"


def links(html):
    return {
        text.strip(): href
        for href, text in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)<', html)
    }


# Who may open them.


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
@pytest.mark.parametrize("page", [record_url, missed_url])
def test_out_of_scope_the_pages_do_not_exist(as_persona, dose, name, page):
    assert as_persona(name).get(page(dose)).status_code == 404
    assert as_persona(name).post(page(dose), {"action": "now"}).status_code == 404


@pytest.mark.parametrize("name", STAFF_IN_SCOPE)
@pytest.mark.parametrize("page", [record_url, missed_url])
def test_staff_who_see_the_dose_are_refused(as_persona, dose, name, page):
    response = as_persona(name).get(page(dose))
    assert response.status_code == 403
    assert "Only the patient records their own injections here." in response.text
    assert as_persona(name).post(page(dose), {"action": "now"}).status_code == 403
    assert not DoseRecord.objects.exists()


@pytest.mark.parametrize("page", [record_url, missed_url])
def test_anonymous_visitors_are_sent_to_login(client, dose, page):
    response = client.get(page(dose))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_a_ward_iv_dose_is_refused_with_a_clear_message(as_persona, personas):
    iv = make_course(personas.patient, start="2027-02-03 08:00").doses.first()
    response = as_persona("the_patient").get(record_url(iv))
    assert response.status_code == 403
    assert "Your nurse gives and records this dose on the ward" in response.text
    response = as_persona("the_patient").post(missed_url(iv))
    assert response.status_code == 403
    assert not DoseRecord.objects.exists()


# Recording it: at most three taps from the home page.


def test_from_the_home_page_it_takes_two_taps_to_record_the_dose(as_persona, personas, dose):
    client = as_persona("the_patient")
    home = client.get("/me/")
    # Tap 1: "Record this dose".
    page = client.get(links(home.text)["Record this dose"])
    assert page.status_code == 200
    assert "<legend" in page.text and "Where did you inject?" in page.text
    checked = re.search(
        r'<input type="radio" name="injection_site" value="(\w+)"[^>]*checked', page.text
    )
    assert checked.group(1) == "abdomen_upper_left"
    assert re.search(
        r"Abdomen, upper left</span>\s*<span class=\"body-site-suggested\">\(suggested\)",
        page.text,
    )
    assert "Save: injected now" in page.text
    # Tap 2: "Save: injected now", with the suggested site as the browser sends it.
    response = client.post(record_url(dose), {"action": "now", "injection_site": checked.group(1)})
    assert response.status_code == 302 and response.url == "/me/"
    record = DoseRecord.objects.get(dose=dose)
    assert (record.source, record.injection_site, record.given_at) == (
        "patient",
        "abdomen_upper_left",
        datetime(2027, 2, 3, 14, 20, tzinfo=UTC),
    )
    assert record.recorded_by == record.given_by == personas.the_patient
    follow = client.get("/me/")
    assert "dose 1 injected at 09:20, abdomen, upper left" in follow.text


def test_all_eight_sites_are_offered_and_another_may_be_chosen(as_persona, dose):
    client = as_persona("the_patient")
    page = client.get(record_url(dose))
    assert len(re.findall(r'name="injection_site"', page.text)) == 8
    client.post(record_url(dose), {"action": "now", "injection_site": "right_thigh"})
    assert DoseRecord.objects.get(dose=dose).injection_site == "right_thigh"


def test_the_page_explains_the_last_site_and_suggests_another(as_persona, personas, course):
    first, second = course.doses.order_by("dose_in_course")[:2]
    record_own_dose(
        first,
        by=personas.the_patient,
        outcome="given",
        given_at=DOSE_1_AT,
        injection_site="left_thigh",
    )
    page = as_persona("the_patient").get(record_url(second))
    assert "Use a different site from last time (last: Left thigh)" in page.text
    assert page.context["suggested"] == "right_thigh"


def test_without_a_site_nothing_is_written(as_persona, dose):
    response = as_persona("the_patient").post(record_url(dose), {"action": "now"})
    assert response.status_code == 200
    assert "Choose where you injected." in response.text
    assert not DoseRecord.objects.exists()


def test_the_nurse_recorded_it_first(as_persona, personas, dose):
    record_given(dose, personas.nurse_on_team, now=DOSE_1_AT + timedelta(minutes=5))
    response = as_persona("the_patient").post(
        record_url(dose), {"action": "now", "injection_site": "left_thigh"}
    )
    assert response.status_code == 200
    assert "already recorded as given" in response.text or "already recorded" in response.text
    assert DoseRecord.objects.count() == 1


# Earlier, on the patient's clock.


def test_i_injected_it_earlier_takes_a_time_on_the_patients_clock(as_persona, dose):
    client = as_persona("the_patient")
    page = client.get(record_url(dose, "earlier"))
    assert "Day you injected it" in page.text and "Time you injected it" in page.text
    client.post(
        record_url(dose),
        {
            "action": "earlier",
            "injection_site": "left_thigh",
            "given_date": "2027-02-03",
            "given_time": "08:40",
        },
    )
    assert DoseRecord.objects.get(dose=dose).given_at == datetime(2027, 2, 3, 13, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    "day, clock, says",
    [
        ("2027-02-02", "18:00", "too long before"),
        ("2027-02-03", "11:00", "in the future"),
    ],
)
def test_it_refuses_a_time_out_of_range(as_persona, dose, day, clock, says):
    response = as_persona("the_patient").post(
        record_url(dose),
        {
            "action": "earlier",
            "injection_site": "left_thigh",
            "given_date": day,
            "given_time": clock,
        },
    )
    assert response.status_code == 200
    assert says in response.text
    assert not DoseRecord.objects.exists()


@pytest.mark.now("2027-11-07 15:00Z")
def test_it_refuses_a_time_the_clocks_pass_twice(as_persona, personas):
    # New York's clocks go back at 02:00 on Sunday 7 November 2027.
    dose = make_home_course(personas.patient, start="2027-11-06 09:00").doses.get(dose_in_course=2)
    response = as_persona("the_patient").post(
        record_url(dose),
        {
            "action": "earlier",
            "injection_site": "left_thigh",
            "given_date": "2027-11-07",
            "given_time": "01:30",
        },
    )
    assert "happens twice" in response.text
    assert not DoseRecord.objects.exists()


@pytest.mark.now("2027-03-14 15:00Z")
def test_it_refuses_a_time_that_never_happens(as_persona, personas):
    # New York's clocks go forward at 02:00 on Sunday 14 March 2027.
    dose = make_home_course(personas.patient, start="2027-03-13 09:00").doses.get(dose_in_course=2)
    response = as_persona("the_patient").post(
        record_url(dose),
        {
            "action": "earlier",
            "injection_site": "left_thigh",
            "given_date": "2027-03-14",
            "given_time": "02:30",
        },
    )
    assert "does not exist" in response.text
    assert not DoseRecord.objects.exists()


# Not taken.


def test_not_taken_with_a_reason_shows_what_to_do_next(as_persona, dose):
    client = as_persona("the_patient")
    page = client.get(record_url(dose, "not_taken"))
    assert "Missed / forgot" in page.text and "Felt too unwell" in page.text
    response = client.post(record_url(dose), {"action": "not_taken", "not_given_reason": "unwell"})
    assert response.status_code == 302 and response.url == missed_url(dose)
    record = DoseRecord.objects.get(dose=dose)
    assert (record.outcome, record.not_given_reason, record.source) == (
        "not_given",
        "unwell",
        "patient",
    )
    assert "Do not take a double dose" in client.get(missed_url(dose)).text


# The missed prompt's "I missed it".


@pytest.mark.now("2027-02-04 07:00Z")
def test_i_missed_it_records_it_tells_the_team_and_says_no_double_dose(as_persona, personas, dose):
    client = as_persona("the_patient")
    response = client.post(missed_url(dose))
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Do not take a double dose. Take your next dose at its usual time." in page.text
    assert 'href="tel:' in page.text
    record = DoseRecord.objects.get(dose=dose)
    assert (record.outcome, record.not_given_reason) == ("not_given", "missed")
    assert Alert.objects.filter(dose=dose, trigger="dose_overdue").count() == 1
    # Pressing it again writes nothing more.
    client.post(missed_url(dose))
    assert DoseRecord.objects.count() == 1
    assert Alert.objects.filter(dose=dose).count() == 1


@pytest.mark.now("2027-02-04 07:00Z")
def test_the_ward_phone_is_the_patients_wards(as_persona, personas, dose):
    from tests.factories import make_ward

    personas.patient.ward = make_ward(phone="+1 212 555 0100")
    personas.patient.save()
    client = as_persona("the_patient")
    client.post(missed_url(dose))
    assert "+1 212 555 0100" in client.get(missed_url(dose)).text


@pytest.mark.now("2027-02-08 12:00Z")
def test_i_took_it_but_forgot_accepts_a_time_up_to_now_with_a_reason(as_persona, course):
    # Dose 5, Sunday 09:00 EST; the next is on Wednesday, so Sunday evening is dose 5's.
    dose = course.doses.get(dose_in_course=5)
    client = as_persona("the_patient")
    data = {
        "action": "earlier",
        "injection_site": "left_thigh",
        "given_date": "2027-02-07",
        "given_time": "22:30",
    }
    # 22:30 is 13.5 h after 09:00: past the window, so the patient says why.
    response = client.post(record_url(dose), data)
    assert "say why below" in response.text
    assert "Why you injected it at a different time" in response.text
    assert not DoseRecord.objects.exists()
    client.post(record_url(dose), {**data, "different_time_reason": "Got home late"})
    assert DoseRecord.objects.get(dose=dose).different_time_reason == "Got home late"


def test_the_record_page_runs_a_fixed_number_of_queries(as_persona, personas, course):
    client = as_persona("the_patient")
    doses = list(course.doses.order_by("dose_in_course"))
    with CaptureQueriesContext(connection) as few:
        client.get(record_url(doses[0]))
    for dose in doses[:12]:
        record_own_dose(
            dose,
            by=personas.the_patient,
            outcome="given",
            given_at=dose.planned_at,
            injection_site="left_thigh",
            now=dose.planned_at,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(record_url(doses[12]))
    assert len(many) == len(few)


# The nurse verifies.


@pytest.fixture
def patients_record(personas, dose):
    return record_own_dose(
        dose,
        by=personas.the_patient,
        outcome="given",
        given_at=DOSE_1_AT,
        injection_site="left_thigh",
    )


def verify_url(record):
    return f"/records/{record.pk}/verify/"


@pytest.mark.parametrize(
    "name, status",
    [
        ("the_patient", 403),
        ("other_patient", 404),
        ("nurse_on_team", 302),
        ("nurse_off_team", 404),
        ("clinician_on_team", 302),
        ("clinician_off_team", 404),
        ("admin", 403),
    ],
)
def test_only_the_care_team_verifies(as_persona, patients_record, name, status):
    response = as_persona(name).post(verify_url(patients_record))
    assert response.status_code == status
    patients_record.refresh_from_db()
    assert (patients_record.verified_at is not None) == (status == 302)


def test_anonymous_visitors_cannot_verify(client, patients_record):
    assert client.post(verify_url(patients_record)).status_code == 302
    patients_record.refresh_from_db()
    assert patients_record.verified_at is None


def test_verify_is_post_only(as_persona, patients_record):
    assert as_persona("nurse_on_team").get(verify_url(patients_record)).status_code == 405


def test_the_dose_page_shows_the_patients_record_and_verify(
    as_persona, personas, dose, patients_record
):
    client = as_persona("nurse_on_team")
    page = client.get(f"/doses/{dose.pk}/")
    assert "Recorded by the patient" in page.text
    assert "not verified yet" in page.text
    assert verify_url(patients_record) in page.text
    response = client.post(verify_url(patients_record), {"next": f"/doses/{dose.pk}/"})
    assert response.url == f"/doses/{dose.pk}/"
    page = client.get(response.url)
    assert "verified" in page.text and verify_url(patients_record) not in page.text
    assert f"by {personas.nurse_on_team}" in page.text


def test_the_shift_page_marks_the_patients_record(as_persona, patients_record):
    page = as_persona("nurse_on_team").get("/ward/")
    assert "Recorded by the patient" in page.text


def test_a_dose_already_recorded_says_who_recorded_it_in_plain_words(as_persona, personas, dose):
    record_given(dose, personas.nurse_on_team, now=DOSE_1_AT + timedelta(minutes=5))
    page = as_persona("the_patient").get(record_url(dose))
    assert "Your nurse already recorded this dose at 09:05." in page.text
    assert "Save: injected now" not in page.text


def test_the_shift_page_verifies_the_patients_record(as_persona, patients_record):
    client = as_persona("nurse_on_team")
    assert verify_url(patients_record) in client.get("/ward/").text
    response = client.post(verify_url(patients_record), {"next": "/ward/"})
    assert response.url == "/ward/"
    patients_record.refresh_from_db()
    assert patients_record.verified_by is not None


def test_the_earliest_time_is_shown_on_the_patients_clock(as_persona, personas, dose):
    page = as_persona("the_patient").get(record_url(dose, "earlier"))
    # 12 hours before 09:00 EST, however the server's clock is set.
    assert "Tue 2 Feb, 21:00" in page.text


@pytest.mark.now("2027-02-04 07:00Z")
def test_the_missed_page_runs_a_fixed_number_of_queries(
    as_persona, dose, django_assert_max_num_queries
):
    client = as_persona("the_patient")
    with django_assert_max_num_queries(12):
        client.get(missed_url(dose))
    client.post(missed_url(dose))
    with django_assert_max_num_queries(12):
        client.get(missed_url(dose))


# The nurse corrects: the same "entered in error" rules as any record.


def test_a_nurse_withdraws_the_patients_record_as_entered_in_error(as_persona, patients_record):
    response = as_persona("nurse_on_team").post(
        f"/records/{patients_record.pk}/correct/",
        {"action": "withdraw", "reason": "she injected yesterday's dose, not this one"},
    )
    assert response.status_code == 302
    patients_record.refresh_from_db()
    assert patients_record.state == DoseRecord.State.ENTERED_IN_ERROR
    assert patients_record.source == DoseRecord.Source.PATIENT
    assert not DoseRecord.objects.active().exists()
    assert patients_record.dose.status == "scheduled"
    # The dose is the patient's to record again.
    assert (
        "Save: injected now"
        in as_persona("the_patient").get(record_url(patients_record.dose)).text
    )


def test_a_nurse_replaces_the_patients_record_and_one_record_stays_active(
    as_persona, personas, dose, patients_record
):
    data = {
        "action": "replace",
        "reason": "injected at 09:10, she says",
        "outcome": "given",
        "given_date": "2027-02-03",
        "given_time": "09:10",
        "amount_miu": str(dose.prescribed_iu / 1_000_000),
        "given_by": personas.nurse_on_team.pk,
    }
    response = as_persona("nurse_on_team").post(f"/records/{patients_record.pk}/correct/", data)
    assert response.status_code == 302
    patients_record.refresh_from_db()
    assert patients_record.state == DoseRecord.State.ENTERED_IN_ERROR
    new = DoseRecord.objects.active().get(dose=dose)
    assert new.replaces == patients_record
    assert new.given_at == datetime(2027, 2, 3, 14, 10, tzinfo=UTC)
    assert new.recorded_by == personas.nurse_on_team


def test_the_patient_may_not_correct_their_own_record(as_persona, patients_record):
    response = as_persona("the_patient").post(
        f"/records/{patients_record.pk}/correct/", {"action": "withdraw", "reason": "oops"}
    )
    assert response.status_code == 403
    patients_record.refresh_from_db()
    assert patients_record.state == DoseRecord.State.ACTIVE

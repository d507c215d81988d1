"""The move / delay page: a preview with old and new times, then a confirm step."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db.models import F

from regimens.models import Course, Dose
from tests.factories import record_given
from tracker.ward.recording import record_dose

pytestmark = pytest.mark.django_db

# The label course from 2027-03-10 08:00 in New York (13:00 UTC), every 8 hours.
BEFORE_START = "2027-03-01 12:00Z"
AFTER_DOSE_2 = "2027-03-10 22:00Z"  # 17:00 in New York: dose 1 given, dose 2 held
EDITORS = ["clinician_on_team", "admin"]
MOVE = {"start_date": "2027-03-12", "start_time": "08:00", "reason": "bed not free"}
# The walkthrough's delay: the next dose to 16:00 the next day.
DELAY = {"start_date": "2027-03-11", "start_time": "16:00", "reason": "capillary leak"}


@pytest.fixture
def started(personas, course):
    nurse = personas.nurse_on_team
    record_given(course.doses.get(dose_in_course=1), nurse)
    second = course.doses.get(dose_in_course=2)
    record_dose(second, by=nurse, now=second.planned_at, outcome="held", hold_reason="hypotension")
    return course


def url(course):
    return f"/courses/{course.pk}/move/"


def unchanged(course):
    return not course.doses.exclude(planned_at=F("original_planned_at")).exists() and not (
        course.doses.filter(status=Dose.Status.CANCELLED).exists()
    )


def preview_then_confirm(client, course, data):
    preview = client.post(url(course), {**data, "preview": "1"})
    assert preview.status_code == 200
    assert unchanged(course)
    fingerprint = preview.context["preview"].fingerprint
    return preview, client.post(
        url(course), {**data, "confirm": "1", "previewed": fingerprint}, follow=True
    )


# Moving a course that has not started.


@pytest.mark.parametrize("name", EDITORS)
@time_machine.travel(BEFORE_START, tick=False)
def test_editors_preview_a_move_then_confirm_it(as_persona, personas, course, name):
    client = as_persona(name)
    page = client.get(url(course))
    assert "Move the start of" in page.text
    assert page.context["form"]["start_date"].value() == date(2027, 3, 10)
    preview, done = preview_then_confirm(client, course, MOVE)
    rows = preview.context["rows"]
    assert len(rows) == 28
    assert "<td>Wed 10 Mar, 08:00 EST</td>" in preview.text  # now
    assert "<td>Fri 12 Mar, 08:00 EST</td>" in preview.text  # after
    assert done.redirect_chain == [(f"/courses/{course.pk}/", 302)]
    assert "Course moved: 28 doses have new times." in done.text
    course.refresh_from_db()
    assert course.start_date == date(2027, 3, 12)
    assert course.history.first().history_user == getattr(personas, name)


@time_machine.travel(BEFORE_START, tick=False)
def test_confirm_without_a_preview_only_previews(as_persona, course):
    response = as_persona("clinician_on_team").post(url(course), {**MOVE, "confirm": "1"})
    assert response.status_code == 200
    assert response.context["preview"] is not None
    assert unchanged(course)


# Delaying the doses still to come of a course that has started.


@pytest.mark.parametrize("name", EDITORS)
@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_a_started_course_offers_a_delay_with_a_preview(as_persona, personas, started, name):
    client = as_persona(name)
    page = client.get(url(started))
    assert "Dose 1 is already recorded as given, so the start of the course cannot move." in (
        page.text
    )
    assert "Delay the remaining doses of" in page.text
    # The next dose's own time is offered to start from.
    assert page.context["form"]["start_date"].value() == date(2027, 3, 11)
    preview, done = preview_then_confirm(client, started, DELAY)
    rows = {row["change"].number: row for row in preview.context["rows"]}
    assert sorted(rows) == list(range(3, 15))
    assert rows[14]["change"].cancelled
    assert "<td>Thu 11 Mar, 00:00 EST</td>" in preview.text  # dose 3 now
    assert "<td>Thu 11 Mar, 16:00 EST</td>" in preview.text  # dose 3 after
    assert "<strong>Cancelled</strong>" in preview.text
    assert "Doses delayed: 11 doses have new times; 1 cancelled." in done.text
    third = started.doses.get(dose_in_course=3)
    assert third.planned_at == datetime(2027, 3, 11, 21, 0, tzinfo=UTC)
    assert third.history.first().history_user == getattr(personas, name)


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_after_a_delay_the_discharge_and_discontinue_pages_still_work(as_persona, started):
    client = as_persona("clinician_on_team")
    preview_then_confirm(client, started, DELAY)
    discontinued = client.post(
        f"/courses/{started.pk}/discontinue/",
        {"code": "intolerance", "note": "", "discharged_on": "2027-03-10"},
    )
    assert discontinued.status_code == 302
    started.refresh_from_db()
    assert (started.status, started.discharged_on) == (
        Course.Status.DISCONTINUED,
        date(2027, 3, 10),
    )


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_after_a_delay_the_discharge_is_recorded_on_the_real_date(as_persona, started):
    client = as_persona("clinician_on_team")
    preview_then_confirm(client, started, DELAY)
    response = client.post(
        f"/courses/{started.pk}/discharge/",
        {"discharged_on": "2027-03-10", "kind": "end_of_course"},
    )
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == Course.Status.COMPLETED


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_a_move_posted_to_a_started_course_is_refused(as_persona, started):
    client = as_persona("clinician_on_team")
    response = client.post(url(started), {**DELAY, "start_date": "2027-03-01", "preview": "1"})
    assert response.status_code == 200
    assert "in the past" in response.text
    assert unchanged(started)


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_a_stale_preview_is_not_applied(as_persona, started):
    response = as_persona("clinician_on_team").post(
        url(started), {**DELAY, "confirm": "1", "previewed": "0123456789abcdef"}
    )
    assert response.status_code == 200
    assert "The course changed since the preview was shown." in response.text
    assert unchanged(started)


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_the_course_page_of_a_started_course_offers_a_delay(as_persona, started):
    html = as_persona("clinician_on_team").get(f"/courses/{started.pk}/").text
    assert f'href="/courses/{started.pk}/move/">Delay doses</a>' in html


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_the_course_page_reads_the_first_dose_from_the_dose_row(as_persona, started):
    # A start moved before the rule existed: the page says where dose 1 really was.
    Course.objects.filter(pk=started.pk).update(start_date=date(2027, 3, 11))
    html = as_persona("clinician_on_team").get(f"/courses/{started.pk}/").text
    assert "Wed 10 Mar 2027 at 08:00 (America/New_York)" in html


# Access.


@pytest.mark.parametrize("name, status", [("nurse_on_team", 403), ("the_patient", 403)])
@pytest.mark.parametrize("data", [MOVE, {**MOVE, "confirm": "1"}])
def test_the_nurse_and_the_patient_may_not_move_or_delay(as_persona, course, name, status, data):
    with time_machine.travel(BEFORE_START, tick=False):
        client = as_persona(name)
        assert client.get(url(course)).status_code == status
        assert client.post(url(course), data).status_code == status
    assert unchanged(course)


@pytest.mark.parametrize("name", ["other_patient", "nurse_off_team", "clinician_off_team"])
def test_moving_out_of_scope_is_404(as_persona, course, name):
    with time_machine.travel(BEFORE_START, tick=False):
        client = as_persona(name)
        assert client.get(url(course)).status_code == 404
        assert client.post(url(course), {**MOVE, "confirm": "1"}).status_code == 404
    assert unchanged(course)


def test_moving_sends_anonymous_visitors_to_login(client, course):
    for response in (client.get(url(course)), client.post(url(course), MOVE)):
        assert response.status_code == 302
        assert response.url == f"/login/?next={url(course)}"
    assert unchanged(course)


@time_machine.travel(AFTER_DOSE_2, tick=False)
def test_the_delay_preview_runs_a_fixed_number_of_queries(
    as_persona, started, django_assert_max_num_queries
):
    client = as_persona("clinician_on_team")
    # Three of them are the patient header's retreatment flag, on every patient page, and
    # the menu's count of open urgent and high alerts and the second factor's device, on
    # every staff page.
    with django_assert_max_num_queries(8):
        response = client.post(url(started), {**DELAY, "preview": "1"})
    assert len(response.context["rows"]) == 12

"""A course's page, and ending it: discontinue, discharge, cancel, and the retreatment gap."""

from datetime import date

import pytest
import time_machine
from django.utils.html import escape

from regimens.courses import cancel_course, discontinue_course
from regimens.models import Course, Dose, RegimenTemplate
from tests.factories import record_given

pytestmark = pytest.mark.django_db

# The default course starts 2027-03-10 08:00 in New York (13:00 UTC), a dose every 8 h:
# dose 1 at 13:00Z and dose 2 at 21:00Z on 10 March, dose 3 at 05:00Z on 11 March.
DURING = "2027-03-11 12:00Z"  # doses 1-3 are past, 25 of 28 are still to come
EDITORS = ["clinician_on_team", "admin"]
IN_SCOPE_NOT_EDITORS = ["nurse_on_team", "the_patient"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


def statuses(course):
    doses = course.doses.all()
    return {
        s: doses.filter(status=s).count() for s in Dose.Status.values if doses.filter(status=s)
    }


def assert_still_planned(course):
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert course.discharged_on is None
    assert course.status_reason == ""
    assert statuses(course) == {"scheduled": 28}


DISCONTINUE = {"code": "intolerance", "note": "grade 4 hypotension", "discharged_on": ""}


# Access to discontinue and discharge.

ACTIONS = [
    pytest.param("discontinue", DISCONTINUE, id="discontinue"),
    pytest.param(
        "discharge",
        {"discharged_on": "2027-03-11", "note": "", "kind": "end_of_course"},
        id="discharge",
    ),
]


@pytest.mark.parametrize("action, data", ACTIONS)
@pytest.mark.parametrize("name", IN_SCOPE_NOT_EDITORS)
def test_the_nurse_and_the_patient_may_not_end_a_course(as_persona, course, name, action, data):
    with time_machine.travel(DURING, tick=False):
        client = as_persona(name)
        assert client.get(f"/courses/{course.pk}/{action}/").status_code == 403
        assert client.post(f"/courses/{course.pk}/{action}/", data).status_code == 403
    assert_still_planned(course)


@pytest.mark.parametrize("action, data", ACTIONS)
@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_ending_a_course_out_of_scope_is_404(as_persona, course, name, action, data):
    with time_machine.travel(DURING, tick=False):
        client = as_persona(name)
        assert client.get(f"/courses/{course.pk}/{action}/").status_code == 404
        assert client.post(f"/courses/{course.pk}/{action}/", data).status_code == 404
    assert_still_planned(course)


@pytest.mark.parametrize("action, data", ACTIONS)
def test_ending_a_course_sends_anonymous_visitors_to_login(client, course, action, data):
    for response in (
        client.get(f"/courses/{course.pk}/{action}/"),
        client.post(f"/courses/{course.pk}/{action}/", data),
    ):
        assert response.status_code == 302
        assert response.url == f"/login/?next=/courses/{course.pk}/{action}/"
    assert_still_planned(course)


@pytest.mark.parametrize("name", EDITORS)
def test_editors_discontinue_a_course(as_persona, personas, course, name):
    with time_machine.travel(DURING, tick=False):
        client = as_persona(name)
        assert client.get(f"/courses/{course.pk}/discontinue/").status_code == 200
        response = client.post(f"/courses/{course.pk}/discontinue/", DISCONTINUE, follow=True)
    assert response.redirect_chain == [(f"/courses/{course.pk}/", 302)]
    assert "Course discontinued: 25 future doses cancelled." in response.text
    course.refresh_from_db()
    assert course.status == Course.Status.DISCONTINUED
    assert course.discontinue_reason == "intolerance"
    assert course.status_reason == (
        "Discontinued: Toxicity: not tolerated, at the clinician's judgement. grade 4 hypotension"
    )
    assert course.discharged_on is None
    # The past doses wait for a nurse to say what happened to them.
    assert statuses(course) == {"scheduled": 3, "cancelled": 25}
    assert course.history.first().history_user == getattr(personas, name)


@pytest.mark.parametrize("name", EDITORS)
def test_editors_record_a_discharge(as_persona, personas, course, name):
    with time_machine.travel(DURING, tick=False):
        for number in (1, 2, 3):
            record_given(course.doses.get(dose_in_course=number), personas.nurse_on_team)
        client = as_persona(name)
        assert client.get(f"/courses/{course.pk}/discharge/").status_code == 200
        response = client.post(
            f"/courses/{course.pk}/discharge/",
            {"discharged_on": "2027-03-11", "note": "home with family", "kind": "end_of_course"},
            follow=True,
        )
    assert response.redirect_chain == [(f"/courses/{course.pk}/", 302)]
    assert "Discharge recorded; 25 doses not reached were cancelled." in response.text
    course.refresh_from_db()
    assert course.status == Course.Status.COMPLETED
    assert course.discharged_on == date(2027, 3, 11)
    assert course.status_reason == "Discharged on 11 Mar 2027. home with family"
    assert statuses(course) == {"given": 3, "cancelled": 25}
    assert "next high-dose course from Thu 29 Apr 2027" in response.text


# The course page.


@pytest.mark.parametrize(
    "end, banner",
    [
        pytest.param(
            lambda course, by: discontinue_course(
                course, by=by, code="intolerance", note="rigors"
            ),
            "Discontinued: Toxicity: not tolerated, at the clinician's judgement. rigors",
            id="discontinued",
        ),
        pytest.param(
            lambda course, by: cancel_course(course, by=by, reason="entered twice"),
            "Cancelled: entered twice",
            id="cancelled",
        ),
    ],
)
def test_the_banner_of_an_ended_course_names_its_status_once(
    as_persona, personas, course, end, banner
):
    with time_machine.travel("2027-03-01 12:00Z", tick=False):
        end(course, personas.clinician_on_team)
        html = as_persona("clinician_on_team").get(f"/courses/{course.pk}/").text
    assert f'<div class="alert alert-warning">{escape(banner)}</div>' in html
    assert "Discontinued: Discontinued" not in html


@time_machine.travel(DURING, tick=False)
def test_the_course_page_shows_counts_and_the_next_dose(as_persona, personas, course):
    record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
    response = as_persona("nurse_on_team").get(f"/courses/{course.pk}/")
    counts = response.context["counts"]
    assert [(c.cycle, c.given, c.held, c.remaining, c.cap) for c in counts.cycles] == [
        (1, 1, 0, 13, 14),
        (2, 0, 0, 14, 14),
    ]
    assert (counts.course.given, counts.course.remaining, counts.course.cap) == (1, 27, 28)
    assert response.context["next_dose"].dose_in_course == 2
    assert f'<a href="/doses/{response.context["next_dose"].pk}/">Dose 2 of 14 in cycle 1</a>' in (
        response.text
    )
    assert '<table class="table table-sm w-auto course-counts">' in response.text
    # Given, partial, held, not given, remaining, cap.
    course_row = "<td>1</td><td>0</td><td>0</td><td>0</td><td>27</td><td>28</td>"
    assert f'<th scope="row">Course</th>{course_row}' in response.text


LOCAL_TIME_BUG = (
    "App bug: templates/regimens/course_detail.html:24 and :47 (and course_form.html:37) format "
    "the dose's local datetime with |date, which converts it back to the active zone (UTC), so "
    "'times in America/New_York' are shown in UTC."
)


@time_machine.travel(DURING, tick=False)
def test_the_course_page_shows_dose_times_on_the_courses_clock(as_persona, course):
    html = as_persona("the_patient").get(f"/courses/{course.pk}/").text
    assert "times in America/New_York" in html
    assert "Dose 1 of 14 in cycle 1</a>, Wed 10 Mar, 08:00 EST" in html
    assert "<td>Wed 10 Mar, 08:00 EST</td>" in html
    assert "<td>Sun 14 Mar, 09:00 EDT</td>" in html
    assert " UTC</td>" not in html


@time_machine.travel("2027-03-01 12:00Z", tick=False)
def test_the_course_preview_shows_dose_times_on_the_courses_clock(as_persona, personas):
    data = new_course(start_date="2027-03-10", preview="1", confirm=None)
    response = as_persona("clinician_on_team").post(
        f"/patients/{personas.patient.pk}/courses/new/",
        {k: v for k, v in data.items() if v is not None},
    )
    assert len(response.context["preview"]["rows"]) == 28
    assert "<td>Wed 10 Mar 2027, 08:00 EST</td>" in response.text
    assert " UTC</td>" not in response.text


@time_machine.travel(DURING, tick=False)
def test_a_course_with_a_record_offers_discontinue_not_cancel(as_persona, personas, course):
    record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
    response = as_persona("clinician_on_team").get(f"/courses/{course.pk}/")
    assert response.context["can_cancel"] is False
    assert f'href="/courses/{course.pk}/discontinue/"' in response.text
    assert f'href="/courses/{course.pk}/cancel/"' not in response.text


@time_machine.travel(DURING, tick=False)
def test_the_nurse_sees_no_course_buttons(as_persona, course):
    response = as_persona("nurse_on_team").get(f"/courses/{course.pk}/")
    assert response.context["can_edit"] is False
    assert response.context["can_discharge"] is False
    assert f'href="/courses/{course.pk}/discharge/"' not in response.text
    assert f'href="/courses/{course.pk}/cancel/"' not in response.text


# Refusals when ending a course.


@pytest.mark.parametrize(
    "data, field, message",
    [
        pytest.param(
            {"code": "other", "note": "  "},
            "note",
            "Say why the course is discontinued.",
            id="other",
        ),
        pytest.param({"code": ""}, "code", "This field is required.", id="no-code"),
        pytest.param({"code": "boredom"}, "code", "Select a valid choice", id="bad-code"),
        pytest.param(
            {"code": "death", "discharged_on": "someday"},
            "discharged_on",
            "Enter a valid date.",
            id="bad-date",
        ),
    ],
)
def test_a_bad_discontinue_form_changes_nothing(as_persona, course, data, field, message):
    with time_machine.travel(DURING, tick=False):
        response = as_persona("clinician_on_team").post(f"/courses/{course.pk}/discontinue/", data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.text
    assert_still_planned(course)


@pytest.mark.parametrize(
    "discharged_on, message",
    [
        ("2027-03-12", "The discharge date is in the future."),
        ("2027-03-09", "The discharge date is before the course started."),
    ],
)
def test_discontinuing_with_an_impossible_discharge_date_changes_nothing(
    as_persona, course, discharged_on, message
):
    with time_machine.travel(DURING, tick=False):
        response = as_persona("clinician_on_team").post(
            f"/courses/{course.pk}/discontinue/", {**DISCONTINUE, "discharged_on": discharged_on}
        )
    assert response.status_code == 200
    assert response.context["form"].errors["discharged_on"] == [message]
    assert message in response.text
    assert_still_planned(course)


def test_discontinuing_twice_is_refused(as_persona, course):
    with time_machine.travel(DURING, tick=False):
        client = as_persona("clinician_on_team")
        assert client.post(f"/courses/{course.pk}/discontinue/", DISCONTINUE).status_code == 302
        response = client.post(f"/courses/{course.pk}/discontinue/", {"code": "death", "note": ""})
    assert response.status_code == 200
    assert "This course is discontinued." in response.text
    course.refresh_from_db()
    assert course.discontinue_reason == "intolerance"


@pytest.mark.parametrize(
    "discharged_on, message",
    [
        ("2027-03-12", "The discharge date is in the future."),
        ("2027-03-01", "The discharge date is before the course started."),
    ],
)
def test_an_impossible_discharge_date_changes_nothing(as_persona, course, discharged_on, message):
    with time_machine.travel(DURING, tick=False):
        response = as_persona("admin").post(
            f"/courses/{course.pk}/discharge/",
            {"discharged_on": discharged_on, "kind": "end_of_course"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["discharged_on"] == [message]
    assert message in response.text
    assert_still_planned(course)


@pytest.mark.parametrize("discharged_on", ["", "11/03/2027x"])
def test_a_discharge_needs_a_valid_date(as_persona, course, discharged_on):
    with time_machine.travel(DURING, tick=False):
        response = as_persona("clinician_on_team").post(
            f"/courses/{course.pk}/discharge/", {"discharged_on": discharged_on}
        )
    assert response.status_code == 200
    assert "discharged_on" in response.context["form"].errors
    assert_still_planned(course)


def test_a_discharge_is_refused_while_past_doses_have_no_record(as_persona, personas, course):
    with time_machine.travel(DURING, tick=False):
        record_given(
            course.doses.get(dose_in_course=2),
            personas.nurse_on_team,
            different_time_reason="dose 1 not charted yet",
        )
        response = as_persona("clinician_on_team").post(
            f"/courses/{course.pk}/discharge/",
            {"discharged_on": "2027-03-11", "kind": "end_of_course"},
        )
    assert response.status_code == 200
    message = "Record doses 1, 3 first (given, held or not given), then record the discharge."
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.text
    course.refresh_from_db()
    assert (course.status, course.discharged_on) == (Course.Status.OPEN, None)
    assert statuses(course) == {"scheduled": 27, "given": 1}


def test_a_course_with_a_recorded_dose_cannot_be_cancelled(as_persona, personas, course):
    with time_machine.travel(DURING, tick=False):
        record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
        response = as_persona("clinician_on_team").post(
            f"/courses/{course.pk}/cancel/", {"reason": "entered by mistake"}
        )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Doses of this course have been recorded, so it cannot be cancelled. "
        "Discontinue it instead."
    ]
    assert "Discontinue it instead." in response.text
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert statuses(course) == {"scheduled": 27, "given": 1}


# The retreatment gap: 49 days from the discharge after a high-dose IV course.


def new_course(**changes):
    data = {
        "template": RegimenTemplate.objects.get(slug="hd-iv-label").pk,
        "start_date": "2027-04-20",
        "start_time": "08:00",
        "time_zone": "America/New_York",
        "cycles": "2",
        "treatment_days": "",
        "weight_kg": "70.0",
        "weight_basis": "actual",
        "weight_measured_on": "2027-02-01",
        "height_cm": "170.0",
        "override_reason": "",
        "confirm": "1",
    }
    data.update(changes)
    return data


@pytest.fixture
def discharged(personas, course):
    """The first course, stopped after dose 3 and discharged on 12 March: next from 30 April."""
    with time_machine.travel("2027-03-12 18:00Z", tick=False):
        for dose in course.doses.filter(dose_in_course__lte=7):
            record_given(dose, personas.nurse_on_team)
        discontinue_course(
            course,
            by=personas.clinician_on_team,
            code="intolerance",
            discharged_on=date(2027, 3, 12),
        )
    assert course.earliest_next_course() == date(2027, 4, 30)
    return course


TOO_SOON = (
    "Too soon after the course that started on 10 Mar 2027: discharged 12 Mar 2027, so the "
    "next course may start on 30 Apr 2027 at the earliest (49 days). "
    "To start anyway, give the clinical reason."
)


def create(client, personas, **changes):
    return client.post(f"/patients/{personas.patient.pk}/courses/new/", new_course(**changes))


@time_machine.travel("2027-04-01 12:00Z", tick=False)
def test_a_course_within_the_gap_is_refused_on_the_override_field(
    as_persona, personas, discharged
):
    response = create(as_persona("clinician_on_team"), personas)
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"] == [TOO_SOON]
    assert "next course may start on 30 Apr 2027 at the earliest" in response.text
    assert Course.objects.count() == 1


@time_machine.travel("2027-04-01 12:00Z", tick=False)
def test_a_course_on_the_first_day_after_the_gap_needs_no_override(
    as_persona, personas, discharged
):
    response = create(as_persona("clinician_on_team"), personas, start_date="2027-04-30")
    assert response.status_code == 302
    new = Course.objects.exclude(pk=discharged.pk).get()
    assert new.retreatment_override == ""
    assert response.url == f"/courses/{new.pk}/"


@time_machine.travel("2027-04-01 12:00Z", tick=False)
def test_a_clinician_overrides_the_gap_with_a_reason(as_persona, personas, discharged):
    reason = "  rapid response; tumour board agreed  "
    response = create(as_persona("clinician_on_team"), personas, override_reason=reason)
    assert response.status_code == 302
    new = Course.objects.exclude(pk=discharged.pk).get()
    assert new.retreatment_override == "rapid response; tumour board agreed"
    assert new.doses.count() == 28
    assert "retreatment gap overridden" in new.history.first().history_change_reason
    page = as_persona("clinician_on_team").get(response.url)
    assert "Retreatment gap overridden" in page.text


@time_machine.travel("2027-04-01 12:00Z", tick=False)
def test_only_a_clinician_can_override_the_gap(as_persona, personas, discharged):
    response = create(as_persona("admin"), personas, override_reason="urgent")
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"] == [
        "Only a clinician can override the retreatment gap."
    ]
    assert Course.objects.count() == 1


@time_machine.travel("2027-04-01 12:00Z", tick=False)
def test_an_override_without_confirm_only_previews(as_persona, personas, discharged):
    data = {"override_reason": "urgent", "confirm": None}
    response = as_persona("clinician_on_team").post(
        f"/patients/{personas.patient.pk}/courses/new/",
        {k: v for k, v in new_course(**data).items() if v is not None},
    )
    assert response.status_code == 200
    assert len(response.context["preview"]["rows"]) == 28
    assert Course.objects.count() == 1


@time_machine.travel("2027-03-11 12:00Z", tick=False)
def test_a_second_course_while_the_first_has_no_discharge_is_refused(as_persona, personas, course):
    response = create(as_persona("clinician_on_team"), personas, start_date="2027-05-10")
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"] == [
        "The course that started on 10 Mar 2027 has no discharge date. Record the discharge "
        "first; the next course counts from it. To start anyway, give the clinical reason."
    ]
    assert Course.objects.count() == 1


@time_machine.travel("2027-02-20 12:00Z", tick=False)
def test_a_course_just_before_a_planned_high_dose_course_is_refused(as_persona, personas, course):
    response = create(as_persona("clinician_on_team"), personas, start_date="2027-03-01")
    assert response.status_code == 200
    assert "is still open" in str(response.context["form"].errors["start_date"])
    assert Course.objects.count() == 1


@time_machine.travel("2027-03-01 12:00Z", tick=False)
def test_a_start_at_the_end_of_the_calendar_is_refused_not_a_500(as_persona, personas):
    response = create(as_persona("clinician_on_team"), personas, start_date="9999-12-31")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Course.objects.exists()


def test_a_discharge_before_the_next_cycle_must_say_which_it_is(as_persona, personas, course):
    with time_machine.travel(DURING, tick=False):
        for dose in course.doses.filter(dose_in_course__lte=3):
            record_given(dose, personas.nurse_on_team)
        client = as_persona("clinician_on_team")
        page = client.get(f"/courses/{course.pk}/discharge/")
        response = client.post(f"/courses/{course.pk}/discharge/", {"discharged_on": "2027-03-11"})
    assert "Cycle 2 has not started yet" in page.text
    assert "Between cycles: cycle 2 stays planned" in page.text
    assert "Cycle 2 is still to come" in str(response.context["form"].errors["kind"])
    course.refresh_from_db()
    assert course.discharged_on is None

"""Marking a thyroid result entered in error: who may, what is refused, and what it leaves."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.alerts.models import Alert
from tracker.thyroid.models import ThyroidResult
from tracker.thyroid.recording import mark_entered_in_error, record_result

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal
ACTIVE, ERROR = ThyroidResult.State.ACTIVE, ThyroidResult.State.ENTERED_IN_ERROR

RECORDERS = ["nurse_on_team", "clinician_on_team"]
NOT_RECORDERS = ["the_patient", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


def add(personas, *, hours_ago=2, **fields):
    fields = {"test": "tsh", "value": D("9.9"), "unit": "mIU/L", **fields}
    return record_result(
        personas.patient,
        by=personas.nurse_on_team,
        collected_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )


@pytest.fixture
def result(personas):
    return add(personas)


def error_url(result):
    return f"/thyroid-results/{result.pk}/entered-in-error/"


def results_url(patient):
    return f"/patients/{patient.pk}/thyroid/"


def assert_unmarked(result):
    stored = ThyroidResult.objects.get(pk=result.pk)
    assert (stored.state, stored.error_reason) == (ACTIVE, "")
    assert stored.history.count() == 1


# Who may mark a result.


@pytest.mark.parametrize("name", RECORDERS)
def test_the_care_team_marks_a_result_entered_in_error(as_persona, personas, result, name):
    client = as_persona(name)
    page = client.get(error_url(result))
    assert page.status_code == 200
    assert 'for="id_reason"' in page.text and 'name="reason"' in page.text
    assert "Mark entered in error</button>" in page.text
    response = client.post(error_url(result), {"reason": "Another patient's sample"})
    assert response.status_code == 302
    assert response.url == results_url(personas.patient)
    stored = ThyroidResult.objects.get()
    assert (stored.state, stored.error_reason) == (ERROR, "Another patient's sample")
    latest = stored.history.first()
    assert latest.history_user == getattr(personas, name)
    assert latest.history_change_reason == "Entered in error: Another patient's sample"


@pytest.mark.parametrize("name", NOT_RECORDERS)
def test_the_patient_and_the_admin_may_not_mark_results(as_persona, result, name):
    client = as_persona(name)
    assert client.get(error_url(result)).status_code == 403
    assert client.post(error_url(result), {"reason": "wrong"}).status_code == 403
    assert_unmarked(result)


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_marking_out_of_scope_is_404(as_persona, result, name):
    client = as_persona(name)
    assert client.get(error_url(result)).status_code == 404
    assert client.post(error_url(result), {"reason": "wrong"}).status_code == 404
    assert_unmarked(result)


def test_marking_sends_anonymous_visitors_to_login(client, result):
    response = client.post(error_url(result), {"reason": "wrong"})
    assert response.status_code == 302
    assert response.url == f"/login/?next={error_url(result)}"
    assert_unmarked(result)


def test_an_unknown_result_is_404(as_persona):
    assert (
        as_persona("nurse_on_team").get("/thyroid-results/999999/entered-in-error/").status_code
        == 404
    )


# What is refused.


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Say why it is wrong."),
        ("   ", "Say why it is wrong."),
        ("x" * 201, "Keep the reason to 200 characters or fewer."),
    ],
)
def test_a_blank_or_over_long_reason_is_shown_on_the_form(as_persona, result, reason, message):
    response = as_persona("nurse_on_team").post(error_url(result), {"reason": reason})
    assert response.status_code == 200
    assert message in response.text
    assert_unmarked(result)


def test_a_result_already_in_error_says_so_and_nothing_is_written(as_persona, personas, result):
    mark_entered_in_error(result, by=personas.clinician_on_team, reason="wrong tube")
    client = as_persona("nurse_on_team")
    page = client.get(error_url(result))
    assert "This result is already marked entered in error. Nothing was changed." in page.text
    assert "<form" not in page.text.split('id="main"')[1]
    response = client.post(error_url(result), {"reason": "again"})
    assert response.status_code == 200
    assert "already marked entered in error" in response.text
    stored = ThyroidResult.objects.get()
    assert stored.error_reason == "wrong tube"
    assert stored.history.count() == 2


def test_a_second_nurse_marking_at_the_same_time_is_told_it_is_done(
    as_persona, personas, result, monkeypatch
):
    """The page was read before the first nurse saved: the operation refuses on the locked row."""
    from tracker.thyroid import views

    original = views.get_result_for_correction

    def read_then_marked_elsewhere(user, pk):
        stale = original(user, pk)
        mark_entered_in_error(
            ThyroidResult.objects.get(pk=pk), by=personas.clinician_on_team, reason="wrong tube"
        )
        return stale

    monkeypatch.setattr(views, "get_result_for_correction", read_then_marked_elsewhere)
    response = as_persona("nurse_on_team").post(error_url(result), {"reason": "again"})
    assert response.status_code == 200
    assert "This result is already marked entered in error. Nothing was changed." in response.text
    assert ThyroidResult.objects.get().error_reason == "wrong tube"


# What it leaves: the row, struck; not the interpretation, the chart or the TSH checks.


@pytest.mark.parametrize(
    "name, linked", [*((n, True) for n in RECORDERS), ("admin", False), ("the_patient", False)]
)
def test_only_the_care_team_gets_the_link_from_the_results_table(
    as_persona, personas, result, name, linked
):
    text = as_persona(name).get(results_url(personas.patient)).text
    assert (f'href="{error_url(result)}"' in text) is linked


def test_the_result_is_struck_with_its_reason_and_no_longer_linked(as_persona, personas, result):
    client = as_persona("nurse_on_team")
    response = client.post(error_url(result), {"reason": "Haemolysed"}, follow=True)
    text = re.sub(r"\s+", " ", response.text)
    assert "TSH 9.9 mIU/L collected 12 Mar 2027 is marked entered in error." in text
    assert '<span class="record-entered-in-error"><strong>9.9</strong> mIU/L' in text
    assert "Entered in error: Haemolysed" in text
    assert f'href="{error_url(result)}"' not in text


def test_the_result_leaves_the_interpretation_and_the_chart(as_persona, personas):
    add(personas, test="ft4", value=D("1.2"), unit="ng/dL")
    wrong = add(personas, value=D("9.9"))
    client = as_persona("nurse_on_team")
    before = client.get(results_url(personas.patient))
    assert before.context["reading"].tsh == wrong
    assert set(before.context["chart"]) == {"tsh", "ft4"}

    client.post(error_url(wrong), {"reason": "Another patient's sample"})
    after = client.get(results_url(personas.patient))
    assert after.context["reading"].tsh is None
    assert "Free T4 without a TSH" in after.context["reading"].text
    assert set(after.context["chart"]) == {"ft4"}
    assert len(after.context["results"]) == 2


def test_the_tsh_check_it_met_is_overdue_again(as_persona, personas, course, result):
    client = as_persona("nurse_on_team")
    check, *after_the_course = client.get(results_url(personas.patient)).context["due"]
    assert check.met_on is not None
    assert all(later.met_on is None for later in after_the_course)
    assert client.get("/thyroid/due/").context["overdue"] == []

    client.post(error_url(result), {"reason": "Wrong patient's tube"})
    check, *_ = client.get(results_url(personas.patient)).context["due"]
    assert check.met_on is None
    assert [patient for patient, _ in client.get("/thyroid/due/").context["overdue"]] == [
        personas.patient
    ]


def test_its_alert_stays_open_and_the_message_says_so(as_persona, personas, result):
    (alert,) = Alert.objects.all()
    response = as_persona("clinician_on_team").post(
        error_url(result), {"reason": "Wrong patient's tube"}, follow=True
    )
    assert "Its alert stays open for the care team to acknowledge." in response.text
    assert Alert.objects.get() == alert
    assert alert.is_open


# Queries.


def test_the_confirm_page_takes_the_same_queries_with_one_or_many_results(as_persona, personas):
    client = as_persona("nurse_on_team")
    first = add(personas)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(error_url(first)).status_code == 200
        return len(queries)

    one = count()
    for hours in range(3, 9):
        add(personas, hours_ago=hours)
    assert count() == one


def test_the_results_page_takes_the_same_queries_with_results_in_error(as_persona, personas):
    client = as_persona("nurse_on_team")
    mark_entered_in_error(add(personas), by=personas.nurse_on_team, reason="wrong tube")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(results_url(personas.patient))
        assert response.status_code == 200
        return len(queries)

    one = count()
    for hours in range(3, 9):
        result = add(personas, hours_ago=hours)
        if hours % 2:
            mark_entered_in_error(result, by=personas.nurse_on_team, reason="wrong tube")
    assert count() == one

"""History pages: each row says what changed, old → new; clinical records offer no revert."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regimens.models import Course, Dose
from tests.admin.test_changelists import MODELS
from tests.factories import (
    PatientFactory,
    make_course,
    make_user,
    record_given,
    record_normal_check,
    sign_in_with_second_factor,
)
from tracker.accounts.roles import Role
from tracker.ward.models import DoseRecord, HoldRule
from tracker.ward.recording import mark_entered_in_error, record_dose

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 14:00Z")]


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client


@pytest.fixture
def nurse():
    return make_user(Role.NURSE, first_name="Ada", last_name="Okafor")


@pytest.fixture
def dose(nurse):
    course = make_course(PatientFactory(care_team=[nurse]))
    return course.doses.get(dose_in_course=1)


def history_url(obj, *args) -> str:
    opts = obj._meta
    name = "simple_history" if args else "history"
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk, *args])


def rows(response) -> list:
    return list(response.context["page_obj"].object_list)


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return response, len(queries)


def test_recording_a_dose_shows_status_scheduled_to_given(admin_client, dose, nurse):
    record_normal_check(dose, nurse)
    record_dose(
        dose,
        by=nurse,
        outcome="given",
        given_at=dose.planned_at,
        amount_iu=dose.course.dose_iu,
        given_by=nurse,
        now=dose.planned_at,
    )
    response = admin_client.get(history_url(dose))

    assert response.status_code == 200
    assert "status: scheduled → given" in response.text
    newest, created = rows(response)
    assert newest.history_delta_changes == [
        {"field": "status", "old": "scheduled", "new": "given"}
    ]
    assert created.history_delta_changes == []  # nothing before it to compare with


def test_a_related_object_change_shows_both_objects_by_name(admin_client, dose, nurse):
    course = dose.course
    other = make_user(Role.CLINICIAN, first_name="Ben", last_name="Hale")
    before = str(course.created_by)
    course.created_by, course._change_reason = other, "Entered under the wrong name"
    course.save()

    response = admin_client.get(history_url(course))

    assert f"created by: {before} → Ben Hale" in response.text
    assert "Entered under the wrong name" in response.text


def test_a_care_team_change_shows_who_joined(admin_client, nurse):
    patient = PatientFactory(care_team=[nurse])
    patient.care_team.add(make_user(Role.CLINICIAN, first_name="Ben", last_name="Hale"))

    response = admin_client.get(history_url(patient))

    assert "care team: Ada Okafor → Ada Okafor, Ben Hale" in response.text


def change_course(course, users, times: int):
    for n in range(times):
        course.created_by = users[n % len(users)]
        course.cycles = 1 + n % 2
        course._change_reason = f"Change {n}"
        course.save()


def change_care_team(patient, users, times: int):
    """Put a nurse on the team and take them off again, in turn (an even number leaves them off)."""
    for n in range(times):
        (patient.care_team.remove if n % 2 else patient.care_team.add)(users[n // 2 % len(users)])


@pytest.mark.parametrize("changes", [change_course, change_care_team], ids=["course", "patient"])
def test_a_history_page_runs_as_many_queries_for_30_rows_as_for_3(admin_client, dose, changes):
    users = [make_user(Role.NURSE) for _ in range(4)]
    obj = dose.course if changes is change_course else dose.course.patient
    changes(obj, users, 2)
    path = history_url(obj)
    admin_client.get(path)
    few, few_count = count_queries(admin_client, path)
    changes(obj, users, 27)
    many, many_count = count_queries(admin_client, path)

    assert len(rows(many)) == len(rows(few)) + 27
    assert all(row.history_delta_changes for row in rows(many)[:-1])
    assert many_count == few_count


def test_the_oldest_row_on_a_page_is_compared_with_the_next_page(admin_client, dose, nurse):
    for n in range(105):
        dose.planned_at += timedelta(minutes=1)
        dose._change_reason = f"Moved {n}"
        dose.save()

    response = admin_client.get(history_url(dose))

    page = rows(response)
    assert len(page) == 100
    assert response.context["page_obj"].has_next()
    assert all(row.history_delta_changes for row in page)
    assert [c["field"] for c in page[-1].history_delta_changes] == ["planned at"]


def test_a_dose_record_offers_no_revert_and_refuses_one(admin_client, dose, nurse):
    record = record_given(dose, nurse)
    version = record.history.earliest("history_date")
    path = history_url(record, version.history_id)

    page = admin_client.get(path)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert "Revert" not in page.text
    assert 'name="outcome"' not in page.text  # shown, not a form to resubmit

    refused = admin_client.post(path, {"outcome": "held", "hold_reason": "hypotension"})
    assert refused.status_code == 403
    record.refresh_from_db()
    assert (record.outcome, record.history.count()) == ("given", 1)


@pytest.mark.parametrize("model", [Dose, Course])
def test_a_dose_or_course_cannot_be_reverted_even_by_a_superuser(admin_client, dose, nurse, model):
    record_given(dose, nurse)
    obj = dose if model is Dose else dose.course
    first = obj.history.earliest("history_date")
    listing = admin_client.get(history_url(obj))
    assert "Choose a date from the list below to revert" not in listing.text

    assert "Revert" not in admin_client.get(history_url(obj, first.history_id)).text
    assert admin_client.post(history_url(obj, first.history_id), {}).status_code == 403
    dose.refresh_from_db()
    assert dose.status == "given"


def test_reference_data_can_be_reverted_with_a_reason(admin_client):
    rule = HoldRule.objects.get(measure="heart_rate")
    rule._change_reason = "As shipped"
    rule.save()
    shipped = rule.history.get()
    rule.is_active, rule._change_reason = True, "Trial"
    rule.save()
    form = {
        "measure": rule.measure,
        "comparison": rule.comparison,
        "threshold": rule.threshold,
        "hold_reason": rule.hold_reason,
        "source": rule.source,
        "order": rule.order,
    }
    path = history_url(rule, shipped.history_id)
    assert "Revert" in admin_client.get(path).text

    assert admin_client.post(path, form).status_code == 200  # no reason: refused
    assert admin_client.post(path, {**form, "change_reason": "Trial over"}).status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    assert rule.history.first().history_change_reason == "Trial over"


def test_the_admin_role_sees_the_changes_too(client, personas, dose, nurse):
    record_given(dose, nurse)
    sign_in_with_second_factor(client, personas.admin)
    response = client.get(history_url(DoseRecord.objects.get()))
    assert response.status_code == 200
    assert client.get(history_url(dose)).text.count("status: scheduled → given") == 1


REFERENCE_DATA = {
    "RegimenTemplate",
    "HoldRule",
    "ChartRule",
    "CtcaeTerm",
    "ProSymptom",
    "SelfCareAdvice",
    "FollowUpCheck",
    "EscalationStep",
    "AlertRule",
}
WITH_HISTORY = [
    pytest.param(model, build, id=model.__name__)
    for model, build, _ in MODELS
    if hasattr(model, "history")
]


@pytest.mark.parametrize(("model", "build"), WITH_HISTORY)
def test_a_past_version_opens_and_only_reference_data_offers_a_revert(admin_client, model, build):
    row = build(1)[0]
    version = row.history.get()

    response = admin_client.get(history_url(row, version.history_id))

    assert response.status_code == 200
    assert ('name="_save"' in response.text) == (model.__name__ in REFERENCE_DATA)


def test_a_field_filled_for_the_first_time_shows_empty_not_a_deleted_user(
    admin_client, dose, nurse
):
    record = record_given(dose, nurse)
    nora = make_user(Role.NURSE, first_name="Nora", last_name="Lindqvist")
    mark_entered_in_error(record, by=nora, reason="Charted against the wrong patient")

    response = admin_client.get(history_url(record))

    assert "marked in error by: — → Nora Lindqvist" in response.text
    assert "Deleted user" not in response.text

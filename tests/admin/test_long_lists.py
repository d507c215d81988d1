"""The changelists of tables that grow without bound cost one page, however long the table.

tests/admin/test_changelists.py checks every changelist's queries for 10 rows and 200;
here the long lists are checked from a single row, for their ordering, its index and
their counting, and the search by MRN.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.filters import AllValuesFieldListFilter
from django.contrib.admin.utils import reverse_field_path
from django.contrib.admin.views.main import ChangeList
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from regimens.models import Course, Dose
from tests.admin.test_changelists import (
    build_alerts,
    build_checks,
    build_clinical_events,
    build_dose_records,
    build_doses,
    build_events,
    build_fluid_entries,
    build_infusions,
    build_lab_results,
    build_notifications,
    build_overrides,
    build_rate_changes,
    build_record_accesses,
    build_reminders,
    build_report_messages,
    build_reports,
    build_results,
    build_rule_firings,
    build_vital_signs,
    build_weight_entries,
    url,
)
from tests.factories import PatientFactory, make_user
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.lib.admin import LightRows, LongListAdmin
from tracker.lib.pagination import EstimatedCountPaginator
from tracker.patients.models import Patient
from tracker.symptoms.models import SymptomReport

pytestmark = pytest.mark.django_db

LONG_LISTS = [
    build_doses,
    build_dose_records,
    build_checks,
    build_overrides,
    build_reports,
    build_events,
    build_report_messages,
    build_results,
    build_infusions,
    build_rate_changes,
    build_clinical_events,
    build_fluid_entries,
    build_weight_entries,
    build_vital_signs,
    build_lab_results,
    build_rule_firings,
    build_alerts,
    build_notifications,
    build_reminders,
    build_record_accesses,
]
HOSTILE = ["a\x00b", "\x00", "9" * 30, "%", "_", "'", "x" * 3000]


def model_built_by(build):
    return build.__annotations__["return"].__args__[0]


def long_list_param(build):
    return pytest.param(build, id=model_built_by(build).__name__)


PARAMS = [long_list_param(build) for build in LONG_LISTS]


def changelist(model) -> tuple[ChangeList, object]:
    request = RequestFactory().get(url(model))
    request.user = User(is_superuser=True, is_active=True, is_staff=True)
    return admin.site._registry[model].get_changelist_instance(request), request


def index_fields(model) -> list[list[str]]:
    """Each index's fields, with the id spelled as the ordering spells it."""
    return [list(index.fields) for index in model._meta.indexes]


def reversed_ordering(ordering: list[str]) -> list[str]:
    return [name.removeprefix("-") if name.startswith("-") else f"-{name}" for name in ordering]


def test_every_long_list_is_listed_here():
    long = {model for model, ma in admin.site._registry.items() if isinstance(ma, LongListAdmin)}
    assert long == {model_built_by(build) for build in LONG_LISTS}


@pytest.mark.parametrize("build", PARAMS)
def test_a_long_list_has_no_date_hierarchy_and_never_counts_the_whole_table(build):
    model_admin = admin.site._registry[model_built_by(build)]
    assert model_admin.date_hierarchy is None
    assert model_admin.show_full_result_count is False
    assert model_admin.paginator is EstimatedCountPaginator


@pytest.mark.parametrize("build", PARAMS)
def test_a_long_list_is_ordered_by_an_index_that_ends_in_the_id(build):
    model = model_built_by(build)
    cl, request = changelist(model)
    # The admin's ordering, and the queryset's (the same) after it, which the SQL drops.
    ordering = list(dict.fromkeys(cl.get_ordering(request, cl.root_queryset)))
    # What the database is asked: the id once, last, so that pages never overlap.
    assert ordering[-1] == "-id"
    assert "-pk" not in ordering
    order_by = str(cl.queryset.query).split("ORDER BY")[1]
    assert order_by.count('."id"') == 1
    if model is Dose:
        # The due-doses sweep's index (planned_at, status) leads with the same time.
        assert ["planned_at", "status"] in index_fields(model)
        return
    fields = index_fields(model)
    assert ordering in fields or reversed_ordering(ordering) in fields


@pytest.mark.parametrize("build", PARAMS)
def test_no_filter_of_a_long_list_reads_every_value_in_its_table(build):
    model = model_built_by(build)
    cl, _request = changelist(model)
    for spec in cl.filter_specs:
        if type(spec) is AllValuesFieldListFilter:
            assert reverse_field_path(model, spec.field_path)[0] is not model, spec.field_path


@pytest.mark.parametrize("build", PARAMS)
def test_a_long_list_runs_as_many_queries_for_15_rows_as_for_1(admin_client, build):
    model = model_built_by(build)
    build(1)
    admin_client.get(url(model))  # content types, sessions: cached from here on
    with CaptureQueriesContext(connection) as one:
        first = admin_client.get(url(model))
    build(14)
    with CaptureQueriesContext(connection) as fifteen:
        then = admin_client.get(url(model))

    assert first.status_code == then.status_code == 200
    assert len(then.context["cl"].result_list) >= 15
    assert len(fifteen) == len(one), [q["sql"] for q in fifteen.captured_queries]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("build", PARAMS)
def test_the_database_reads_a_long_lists_page_from_its_index_without_sorting(build):
    model = model_built_by(build)
    build(2)
    cl, _request = changelist(model)
    assert_read_without_sorting(cl.queryset[:100])


def assert_read_without_sorting(queryset):
    with connection.cursor() as cursor:
        # A tiny test table is cheaper to read whole; ask for the plan a long one gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = queryset.explain()
    # A sort node of its own, not an incremental sort of the rows of one time by id.
    assert not re.search(r"(?<!Incremental )Sort  \(cost", plan), plan


@pytest.fixture
def numbered_patients():
    """MRNs that hold one another: a search for a part of one would list them all."""
    return {mrn: PatientFactory(mrn=mrn) for mrn in ["MRN-1", "MRN-10", "MRN-11", "MRN-110"]}


def test_searching_the_patients_by_mrn_finds_that_patient_only(admin_client, numbered_patients):
    for typed in ["MRN-1", "mrn-1", " MRN-1 "]:
        response = admin_client.get(url(Patient), {"q": typed})
        assert list(response.context["cl"].result_list) == [numbered_patients["MRN-1"]]


def test_searching_a_patients_rows_by_mrn_finds_that_patients_rows_only(admin_client):
    reports = build_reports(3)
    patient = reports[1].patient
    other = reports[2].patient
    other.mrn = f"{patient.mrn}0"  # holds the first's MRN
    other.save()

    response = admin_client.get(url(SymptomReport), {"q": patient.mrn})
    assert list(response.context["cl"].result_list) == [reports[1]]


def test_searching_by_name_still_finds_part_of_a_name_once(admin_client):
    reports = build_reports(3)
    patient = reports[0].patient
    response = admin_client.get(url(SymptomReport), {"q": patient.family_name[:-1]})
    found = list(response.context["cl"].result_list)
    assert reports[0] in found
    assert len(found) == len(set(found))


def test_a_user_is_found_by_their_patients_whole_mrn(admin_client, numbered_patients):
    login = make_user(Role.PATIENT, username="logs-in")
    numbered_patients["MRN-1"].user = login
    numbered_patients["MRN-1"].save()
    make_user(Role.PATIENT, username="other")

    response = admin_client.get(url(User), {"q": "mrn-1"})
    assert list(response.context["cl"].result_list) == [login]


@pytest.mark.parametrize("typed", HOSTILE)
@pytest.mark.parametrize("model", [Patient, SymptomReport])
def test_a_search_answers_any_input_without_an_error(admin_client, model, typed):
    build_reports(1)
    response = admin_client.get(url(model), {"q": typed})
    assert response.status_code == 200


def test_every_admin_of_the_project_draws_50_light_rows_a_page():
    ours = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_config.name.startswith(("tracker", "regimens"))
    ]
    assert ours and all(isinstance(model_admin, LightRows) for model_admin in ours)
    assert {model_admin.list_per_page for model_admin in ours} == {50}


@pytest.mark.parametrize("build", PARAMS)
def test_a_long_lists_row_checkbox_is_the_one_django_draws(build):
    rows = build(1)
    row = rows[0] if isinstance(rows, list) else rows
    model_admin = admin.site._registry[model_built_by(build)]
    assert model_admin.action_checkbox(row) == admin.ModelAdmin.action_checkbox(model_admin, row)


def test_a_row_checkbox_escapes_the_rows_name():
    class Row:
        pk = 7

        def __str__(self):
            return '<b>"Smith"</b>'

    model_admin = admin.site._registry[SymptomReport]
    drawn = model_admin.action_checkbox(Row())
    assert drawn == admin.ModelAdmin.action_checkbox(model_admin, Row())
    assert "&lt;b&gt;&quot;Smith&quot;" in drawn
    assert "<b>" not in drawn


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_whole_mrn_is_found_through_the_mrn_index(numbered_patients):
    with connection.cursor() as cursor:
        # A tiny test table is cheaper to read whole; ask for the plan a long one gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Patient.objects.filter(mrn__iexact="mrn-1").explain()
    assert "patient_mrn_upper_idx" in plan, plan


def test_a_whole_mrn_searches_by_the_mrn_alone(admin_client, numbered_patients):
    reports = build_reports(2)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url(SymptomReport), {"q": reports[0].patient.mrn.lower()})
    assert list(response.context["cl"].result_list) == [reports[0]]
    searched = [q["sql"] for q in queries.captured_queries if "symptoms_symptomreport" in q["sql"]]
    by_name = re.compile(r'"family_name"(::text\))? LIKE')
    assert searched and not any(by_name.search(sql) for sql in searched), searched


def test_a_term_that_is_no_mrn_still_searches_the_names(admin_client):
    reports = build_reports(2)
    patient = reports[1].patient
    response = admin_client.get(url(SymptomReport), {"q": patient.family_name})
    assert reports[1] in list(response.context["cl"].result_list)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("model", [Course, Patient, User])
def test_a_list_of_one_or_two_rows_a_patient_is_read_from_its_index_without_sorting(model):
    cl, _request = changelist(model)
    assert_read_without_sorting(cl.queryset[:50])

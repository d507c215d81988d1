"""The load test's parts that need no locust: the write check, the table, the forms.

The run itself (`manage.py benchmark --load`) needs locust and gunicorn on
PostgreSQL, so it is measured, not tested; only importing the locustfile is, when
locust is installed.
"""

import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from bench.pages import form_fields, select_options
from tests.factories import record_given, record_normal_check
from tracker.accounts.roles import Role
from tracker.loadtest import (
    _share,
    check_writes,
    compare,
    percentile,
    section,
    stats_table,
    steady_state,
)
from tracker.symptoms.models import ProSymptom
from tracker.symptoms.reporting import report_symptom
from tracker.ward.models import DoseRecord
from tracker.ward.recording import mark_entered_in_error

# Dose 1 of the default course is planned at 13:00 UTC on 10 March 2027.
NOW = "2027-03-10 13:30Z"
SINCE = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)

COUNT_USERS = """
import json
from bench.locustfile import Clinician, Nurse, Patient
print(json.dumps({u.role: u.fixed_count for u in (Nurse, Patient, Clinician)}))
"""
STATS_CSV = """\
Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
GET,nurse: shift page,120,0,110,140.5,60,900,20000,2.0,0.0,110,130,150,170,300,450,600,880,900,900,900
POST,sign in: password,50,1,3600,3700,2000,6000,0,0.8333,0.0167,3600,3800,4000,4200,4600,5000,5800,6000,6000,6000,6000
POST,nurse: record dose,80,2,37,45,20,1200,0,1.3333,0.0333,37,40,48,49,82,90,1000,1200,1200,1200,1200
,Aggregated,250,3,90,800,20,6000,9600,4.1667,0.05,90,150,200,240,1200,3600,4600,5700,6000,6000,6000
"""


def plan_for(doses=(), patients=(), alerts=()):
    return {
        "nurse": [{"doses": [{"id": d} for d in doses]}],
        "patient": [{"patient": p} for p in patients],
        "clinician": [{"alerts": list(alerts)}],
    }


def by_check(checks):
    return {check.what.split(" (")[0]: check for check in checks}


def test_it_sorts_each_key_into_exactly_one_duplicated_missing_or_unreported():
    check = compare("doses", Counter({1: 1, 2: 1, 3: 2, 4: 1}), Counter({1: 1, 2: 3, 3: 2, 5: 1}))
    assert check.saved == 5
    assert check.exactly_one == 3  # key 1 once, key 3 saved twice and made twice
    assert check.duplicated == [2]
    assert check.missing == [4]
    assert check.unreported == [5]
    assert not check.ok


def test_a_record_for_a_write_whose_answer_never_came_is_in_flight_not_a_fault():
    saved, made = Counter({7: 1}), Counter({6: 1, 7: 2, 8: 1})
    check = compare("doses", saved, made, unanswered=Counter({6: 1, 7: 1}))
    assert check.in_flight == [6, 7]
    assert check.exactly_one == 1
    assert check.unreported == [8]  # sent by no one


def test_a_clean_run_is_ok():
    check = compare("doses", Counter({1: 1, 2: 1}), Counter({1: 1, 2: 1}))
    assert check.ok and check.exactly_one == 2


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_it_finds_a_duplicate_and_a_missing_dose_record_in_the_database(course, personas):
    nurse = personas.nurse_on_team
    first, second, third = course.doses.order_by("dose_in_course")[:3]
    # The first dose has two records (one since marked in error): one more than saved.
    mark_entered_in_error(record_given(first, nurse), by=nurse, reason="Wrong patient")
    record_given(first, nurse)
    writes = [{"kind": "dose", "key": first.pk}, {"kind": "dose", "key": second.pk}]
    doses = by_check(check_writes(writes, plan_for([first.pk, second.pk, third.pk]), SINCE))
    assert DoseRecord.objects.filter(dose=first).count() == 2
    assert doses["dose records"].duplicated == [first.pk]
    assert doses["dose records"].missing == [second.pk]
    assert doses["dose records"].unreported == []
    assert doses["dose records"].exactly_one == 0


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_it_counts_symptom_reports_made_since_the_start_against_those_saved(personas):
    patient = personas.patient
    nausea = ProSymptom.objects.get(slug="nausea")
    for _ in range(2):
        report_symptom(
            patient, nausea, by=personas.the_patient, answers={"frequency": 2, "severity": 1}
        )
    once = [{"kind": "report", "key": patient.pk, "report": 1}]
    reports = by_check(check_writes(once, plan_for(patients=[patient.pk]), SINCE))
    assert reports["symptom reports"].duplicated == [patient.pk]
    twice = once * 2
    reports = by_check(check_writes(twice, plan_for(patients=[patient.pk]), SINCE))
    assert reports["symptom reports"].ok and reports["symptom reports"].exactly_one == 2


def test_the_table_has_a_row_per_request_the_totals_and_the_totals_without_sign_in():
    table = stats_table(STATS_CSV).splitlines()
    assert table[0] == "| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |"
    assert table[2:] == [
        "| nurse: record dose | 80 | 2 | 1.3 | 37 | 90 | 1,200 |",
        "| nurse: shift page | 120 | 0 | 2.0 | 110 | 450 | 880 |",
        "| sign in: password | 50 | 1 | 0.8 | 3,600 | 5,000 | 6,000 |",
        "| **all** | 250 | 3 | 4.2 | 90 | 3,600 | 5,700 |",
        "| all but sign-in | 200 | 2 | 3.3 | | | |",
    ]


@pytest.mark.parametrize(
    ("users", "nurses", "patients", "clinicians"),
    [(3, 1, 1, 1), (4, 2, 1, 1), (5, 2, 2, 1), (50, 20, 20, 10)],
)
def test_every_kind_of_user_has_at_least_one(users, nurses, patients, clinicians):
    share = _share(users)
    assert share == {Role.NURSE: nurses, Role.PATIENT: patients, Role.CLINICIAN: clinicians}


@pytest.mark.parametrize("users", [-1, 0, 1, 2])
def test_fewer_users_than_one_of_each_kind_is_refused(users):
    with pytest.raises(ValueError, match="at least 3 users"):
        _share(users)


@pytest.mark.parametrize(
    "options",
    [
        {"users": 2},
        {"users": 1001},
        {"seconds": 5},
        {"seconds": 3601},
        {"patients": 99},
        {"patients": 100_001},
    ],
)
def test_the_command_refuses_a_load_it_cannot_run_before_making_anything(options):
    with pytest.raises(CommandError, match="Give --"):
        call_command("benchmark", load=True, **options)


def _run(users):
    return SimpleNamespace(
        users=users,
        seconds=60,
        workers=5,
        patients=1000,
        started=SINCE,
        load_before=(1.0, 1.0, 1.0),
        load_after=(2.0, 2.0, 2.0),
        commit="abc1234",
        stats_csv=STATS_CSV,
        failures_csv="",
        timings=[],
        checks=[],
        doubles="no double submits",
        planned={"nurse": [{}], "patient": [{}], "clinician": [{}]},
    )


def test_a_run_of_another_size_keeps_its_own_section_beside_the_fifty_users():
    assert section(_run(50)).splitlines()[0] == "## load test on postgresql"
    assert section(_run(3)).splitlines()[0] == "## load test on postgresql, 3 users"


def test_it_says_how_many_users_of_each_kind_ran():
    assert "3 users (1 nurse, 1 patient, 1 clinician) for 60 s" in section(_run(3))


def test_a_percentile_is_the_nearest_rank():
    times = [float(ms) for ms in range(1, 101)]
    assert percentile(times, 0.5) == 50
    assert percentile(times, 0.95) == 95
    assert percentile(times, 0.99) == 99
    assert percentile([7.0], 0.99) == 7


def test_the_steady_state_starts_when_the_last_user_has_signed_in():
    timings = [
        ["sign in: password", 100.0, 2000, False],  # signed in at 102 s
        ["sign in: password", 100.5, 3500, False],  # the last, at 104 s
        ["nurse: shift page", 101.0, 3000, False],  # waited behind the sign-ins: left out
        ["nurse: shift page", 104.0, 100, False],
        ["nurse: shift page", 106.0, 300, True],
        ["patient: home", 114.0, 50, False],
    ]
    lasted, table = steady_state(timings)
    assert lasted == 10
    assert table.splitlines()[2:] == [
        "| nurse: shift page | 2 | 1 | 0.2 | 100 | 300 | 300 |",
        "| patient: home | 1 | 0 | 0.1 | 50 | 50 | 50 |",
        "| **all but sign-in** | 3 | 1 | 0.3 | 100 | 300 | 300 |",
    ]


def test_a_run_with_no_sign_in_or_no_later_request_has_no_steady_state():
    assert steady_state([]) == (0.0, "")
    assert steady_state([["sign in: page", 1.0, 10, False]]) == (0.0, "")


@pytest.mark.django_db
@pytest.mark.now(NOW)
def test_the_record_form_as_the_page_fills_it_records_the_dose(as_persona, personas, course):
    dose = course.doses.get(dose_in_course=1)
    record_normal_check(dose, personas.nurse_on_team)
    client = as_persona("nurse_on_team")
    page = client.get(f"/doses/{dose.pk}/record/").text
    data = form_fields(page, "given_time")
    assert data["given_by"] == str(personas.nurse_on_team.pk)
    assert data["given_time"] and data["amount_miu"]
    data.update(outcome="given", notes="load 1 dose")
    response = client.post(f"/doses/{dose.pk}/record/", data)
    assert response.status_code == 302
    assert DoseRecord.objects.get(dose=dose).notes == "load 1 dose"


def test_it_reads_selects_textareas_and_checked_boxes_of_the_form_asked_for():
    page = """
    <form action="/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="t"></form>
    <form method="post">
      <input type="text" name="given_time" value="08:30">
      <input type="radio" name="outcome" value="given"><input type="radio" name="outcome" value="held" checked>
      <input type="checkbox" name="different_time">
      <select name="site"><option value="">--</option><option value="arm" selected>Arm</option>
        <option value="leg">Leg</option></select>
      <textarea name="notes">as usual</textarea>
      <button type="submit" name="save">Save</button>
    </form>"""
    assert form_fields(page, "given_time") == {
        "given_time": "08:30",
        "outcome": "held",
        "site": "arm",
        "notes": "as usual",
    }
    assert form_fields(page, "nothing") == {}
    assert select_options(page, "site") == ["arm", "leg"]


@pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="needs the bench extra")
def test_the_locustfile_makes_as_many_users_of_each_kind_as_the_plan_has(tmp_path):
    plan = {"run": "t", "password": "p", "nurse": [{}] * 3, "patient": [{}] * 2, "clinician": [{}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    env = {
        **os.environ,
        "LOAD_PLAN": str(tmp_path / "plan.json"),
        "LOAD_WRITES": str(tmp_path / "writes.jsonl"),
        "LOAD_TIMINGS": str(tmp_path / "timings.jsonl"),
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    # In its own process: locust patches the standard library for gevent as it loads.
    counts = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", COUNT_USERS], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(counts.stdout) == {"nurse": 3, "patient": 2, "clinician": 1}

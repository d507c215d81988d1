"""The ``calendar`` management command: a template's dose calendar as text, JSON or iCalendar."""

import io
import itertools
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from icalendar import Calendar

from regimens.models import RegimenTemplate

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
LABEL = ["hd-iv-label", "--start", "2027-03-10 08:00", "--tz", "America/New_York"]


def run(*args) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_json(*args) -> list[dict]:
    return json.loads(run(*args, "--format", "json"))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_high_dose_label_course_acceptance():
    doses = run_json(*LABEL, "--weight", "80")
    assert len(doses) == 28
    assert [sum(d["cycle"] == c for d in doses) for c in (1, 2)] == [14, 14]
    assert [d["dose_in_course"] for d in doses] == list(range(1, 29))
    second = next(d for d in doses if d["cycle"] == 2 and d["dose_in_cycle"] == 1)
    assert second["start"] == "2027-03-24T08:00:00-04:00"
    assert second["day"] == 15
    for cycle in (1, 2):
        instants = [utc(d["start_utc"]) for d in doses if d["cycle"] == cycle]
        # Cycle 1 crosses the 2027-03-14 spring-forward; the gap is still 8 elapsed hours.
        assert {b - a for a, b in itertools.pairwise(instants)} == {timedelta(hours=8)}
    assert all(d["start_utc"].endswith("Z") for d in doses)
    assert {(d["amount"], d["unit"]) for d in doses} == {("48.00", "MIU")}
    assert doses[0]["start"] == "2027-03-10T08:00:00-05:00"
    assert doses[0]["start_utc"] == "2027-03-10T13:00:00Z"


def test_json_rows_have_every_field():
    row = run_json(*LABEL, "--weight", "80")[0]
    assert set(row) >= {
        "cycle",
        "dose_in_cycle",
        "dose_in_course",
        "day",
        "start",
        "start_utc",
        "amount",
        "unit",
        "note",
    }


def test_five_on_two_off_from_a_wednesday_skips_monday_and_tuesday():
    doses = run_json(
        "sc-5on2off", "--start", "2027-03-10 09:00", "--tz", "Europe/London", "--cycles", "2"
    )
    assert len(doses) == 40
    assert [sum(d["cycle"] == c for d in doses) for c in (1, 2)] == [20, 20]
    weekdays = {datetime.fromisoformat(d["start"]).strftime("%a") for d in doses}
    assert weekdays == {"Wed", "Thu", "Fri", "Sat", "Sun"}
    assert all(datetime.fromisoformat(d["start"]).strftime("%H:%M") == "09:00" for d in doses)
    # A 5-week cycle: cycle 2 starts 35 days after cycle 1.
    assert next(d for d in doses if d["cycle"] == 2)["start"].startswith("2027-04-14T09:00")
    assert {(d["amount"], d["unit"]) for d in doses} == {("18.00", "MIU"), ("9.00", "MIU")}


def test_the_subcutaneous_template_lowers_the_dose_after_week_1():
    doses = run_json("sc-5on2off", "--start", "2027-03-08 09:00", "--tz", "Europe/London")
    amounts = [Decimal(d["amount"]) for d in doses]
    # 20 doses, 5 a week: 18 × 5 in week 1, then 18, 18, 9, 9, 9 (63 MIU) in weeks 2-4.
    assert amounts[:5] == [Decimal(18)] * 5
    assert [sum(amounts[i : i + 5]) for i in (5, 10, 15)] == [Decimal(63)] * 3


def test_the_text_shows_each_stepped_amount_and_both_vial_counts():
    text = run("sc-5on2off", "--start", "2027-03-08 09:00", "--tz", "Europe/London")
    assert "stepped: 18 MIU from cycle day 1; from cycle day 10: 9 MIU" in text
    assert "9.00 MIU" in text.splitlines()[3 + 7]  # week 2, day 3
    # 5 × 18 + 3 × (18 + 18 + 9 + 9 + 9) = 279 MIU; 18 and 9 MIU doses a day apart share.
    assert "cycle 1: 20 vials one set per dose, " in text
    assert "pooled within 48 h (20 doses)" in text


def test_the_text_shows_vials_one_set_per_dose_and_pooled_for_each_cycle():
    text = run(*LABEL, "--weight", "80")
    assert "Vials (each counted as 1.1 mL, 19.8 MIU usable; docs/dosing.md):" in text
    assert "cycle 1: 42 vials one set per dose, 34 pooled within 48 h (14 doses)" in text
    assert "cycle 2: 42 vials one set per dose, 34 pooled within 48 h (14 doses)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--weight", "25"],
            "--weight: Weight 25 kg is outside the plausible adult range 30–250 kg",
        ),
        (["--weight", "300"], "--weight: Weight 300 kg is outside the plausible adult range"),
        (["--weight", "80", "--height", "80"], "--height: Height 80 cm is outside the plausible"),
    ],
)
def test_it_refuses_a_weight_or_height_outside_the_plausible_adult_range(args, message):
    with pytest.raises(CommandError, match=message):
        run(*LABEL, *args)


def test_low_dose_template_uses_days_and_body_surface_area():
    doses = run_json(
        "sc-low-dose",
        "--start",
        "2027-03-10 09:00",
        "--tz",
        "Europe/London",
        "--days",
        "10",
        "--weight",
        "80",
        "--height",
        "180",
    )
    assert len(doses) == 10
    # Mosteller: sqrt(180 * 80 / 3600) = 2.00 m², so 2.00 MIU.
    assert doses[0]["amount"] == "2.00"


def test_cycles_defaults_to_the_template_and_can_be_lowered():
    assert len(run_json(*LABEL, "--weight", "80", "--cycles", "1")) == 14
    assert len(run_json("sc-5on2off", "--start", "2027-03-10 09:00", "--tz", "UTC")) == 20


def test_ics_output_is_a_valid_calendar():
    text = run(*LABEL, "--weight", "80", "--format", "ics")
    cal = Calendar.from_ical(text)
    # Written by the app's own iCalendar writer (regimens/ics.py).
    assert str(cal["PRODID"]) == "-//IL-2 tracker//EN"
    events = cal.walk("VEVENT")
    assert len(events) == 28
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 28
    assert uids[0] == "hd-iv-label-20270310T0800-America-New-York-1@il2-tracker"
    first = events[2]
    assert str(first["SUMMARY"]) == "IL-2: Cycle 1 · dose 3 of 14"
    assert first["DTSTART"].params["TZID"] == "America/New_York"
    assert first.decoded("DURATION") == timedelta(minutes=15)
    assert first.decoded("DTSTART").isoformat() == "2027-03-11T00:00:00-05:00"
    assert "48.00 MIU" in str(first["DESCRIPTION"])


def test_ics_uids_are_the_same_for_the_same_plan():
    def uids():
        cal = Calendar.from_ical(run(*LABEL, "--weight", "80", "--format", "ics"))
        return [str(e["UID"]) for e in cal.walk("VEVENT")]

    assert uids() == uids()


def test_text_output_names_the_zone_dose_and_dst_note():
    text = run("sc-5on2off", "--start", "2027-03-14 02:30", "--tz", "America/New_York")
    header = text.splitlines()[0]
    assert "sc-5on2off" in header
    assert "America/New_York" in header
    assert "18.00 MIU" in header
    assert "02:30 does not exist on 2027-03-14 in America/New_York; given at 03:30" in text
    assert "Sun 2027-03-14 03:30 EDT" in text
    assert "Mon 2027-03-15 02:30 EDT" in text


def test_text_is_the_default_format():
    text = run(*LABEL, "--weight", "80")
    assert "Wed 2027-03-24 08:00 EDT" in text
    assert len(text.splitlines()) == 3 + 28 + 1 + 2  # and the vials of each cycle


# Planning dates before the patient is weighed: the amount is the rule, not a number.


def test_without_a_weight_json_lists_every_dose_with_the_rule_as_its_amount():
    doses = run_json(*LABEL)
    assert len(doses) == 28
    assert doses[0]["start"] == "2027-03-10T08:00:00-05:00"
    assert {(d["amount"], d["unit"]) for d in doses} == {("600000", "IU/kg")}


def test_without_a_weight_the_text_names_the_rule():
    text = run(*LABEL)
    header = text.splitlines()[0]
    assert "dose 600,000 IU/kg (no weight given)" in header
    assert len(text.splitlines()) == 3 + 28
    assert "Wed 2027-03-24 08:00 EDT" in text


def test_without_a_weight_the_ics_describes_the_rule():
    events = Calendar.from_ical(run(*LABEL, "--format", "ics")).walk("VEVENT")
    assert len(events) == 28
    assert "Dose: 600,000 IU/kg (no weight given)." in str(events[0]["DESCRIPTION"])


def test_without_height_and_weight_a_body_surface_dose_is_the_rule():
    doses = run_json("sc-low-dose", "--start", "2027-03-10 09:00", "--tz", "UTC", "--days", "10")
    assert len(doses) == 10
    assert {(d["amount"], d["unit"]) for d in doses} == {("1", "MIU/m²")}


def test_reads_templates_and_writes_nothing(django_assert_max_num_queries):
    before = list(RegimenTemplate.objects.values())
    with django_assert_max_num_queries(1):
        run(*LABEL, "--weight", "80", "--format", "json")
    assert list(RegimenTemplate.objects.values()) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-template", "--start", "2027-03-10 08:00", "--tz", "UTC"], "No regimen template"),
        ([*LABEL[:3], "--tz", "Mars/Olympus", "--weight", "80"], "not a known IANA time zone"),
        ([*LABEL, "--weight", "80", "--cycles", "0"], "at least 1"),
        ([*LABEL, "--weight", "80", "--cycles", "3"], "--cycles: This regimen has at most 2 cycles."),
        ([*LABEL, "--height", "180"], "Weight is needed"),
        ([*LABEL, "--weight", "-80"], "Weight must be greater than zero"),
        ([*LABEL, "--weight", "eighty"], "not a number"),
        (["sc-low-dose", "--start", "2027-03-10 09:00", "--tz", "UTC", "--weight", "80"], "Height is needed"),
        ([*LABEL, "--weight", "80", "--days", "10"], "--days: This regimen has a fixed length."),
        (["sc-low-dose", "--start", "2027-03-10 09:00", "--tz", "UTC", "--weight", "80", "--height", "180", "--days", "0"], "--days: Days of treatment must be at least 1."),
        # A calendar date that Pacific/Apia skipped: the planner refuses it.
        (["sc-low-dose", "--start", "2011-12-29 09:00", "--tz", "Pacific/Apia", "--weight", "80", "--height", "180"], "plan this cycle by hand"),
    ],
)  # fmt: skip
def test_bad_arguments_fail_with_status_2_and_one_line(args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hd-iv-label", "--tz", "UTC", "--weight", "80"], "required: --start"),
        (["hd-iv-label", "--start", "2027-03-10 08:00", "--weight", "80"], "required: --tz"),
        (["hd-iv-label", "--start", "10/03/2027 08:00", "--tz", "UTC"], "--start: a local date and time"),
        (["hd-iv-label", "--start", "2027-03-10", "--tz", "UTC"], "--start: a local date and time"),
        ([*LABEL, "--weight", "80", "--cycles", "two"], "--cycles: invalid int value"),
        ([*LABEL, "--weight", "80", "--format", "xml"], "--format: invalid choice"),
    ],
)  # fmt: skip
def test_malformed_arguments_are_refused_by_the_parser(args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert message in str(caught.value)


@pytest.fixture(scope="module")
def migrated_env(tmp_path_factory):
    database = tmp_path_factory.mktemp("calendar-command") / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the test passes fixed arguments
        [sys.executable, "manage.py", "calendar", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_command_line_exit_status_and_output(migrated_env):
    good = manage(migrated_env, *LABEL, "--weight", "80", "--format", "json")
    assert good.returncode == 0, good.stderr
    assert len(json.loads(good.stdout)) == 28

    bad = manage(migrated_env, *LABEL, "--cycles", "3", "--weight", "80")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "CommandError: --cycles: This regimen has at most 2 cycles."
    ]

    unknown = manage(migrated_env, "nope", "--start", "2027-03-10 08:00", "--tz", "UTC")
    assert unknown.returncode == 2
    assert len(unknown.stderr.strip().splitlines()) == 1

    malformed = manage(migrated_env, *LABEL, "--cycles", "two")
    assert malformed.returncode == 2
    assert "argument --cycles: invalid int value: 'two'" in malformed.stderr

"""Replaying case vignettes: each shipped one gives the output it records, a bad one says
what is wrong where, and the command leaves the real database alone."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tracker.alerts.models import Alert
from tracker.observations import replay
from tracker.observations.models import VitalSigns
from tracker.patients.models import Patient

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "docs" / "scenarios").glob("*.json"))


def run(path, *options) -> dict:
    out = StringIO()
    call_command("replay_scenario", str(path), "--in-transaction", *options, stdout=out)
    return json.loads(out.getvalue())


def test_there_are_vignettes_for_every_active_rule():
    assert len(SCENARIOS) >= 10
    held_for = set()
    for path in SCENARIOS:
        for dose in json.loads(path.read_text())["expected"]["doses"]:
            held_for.update(rule["rule"] for rule in dose["met"])
    from tracker.observations.shipped import CHART_RULES

    active = {rule["slug"] for rule in CHART_RULES if rule["is_active"]}
    assert active <= held_for


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_each_shipped_vignette_replays_to_its_expected_output(shipped_data, path):
    expected = json.loads(path.read_text(encoding="utf-8"))["expected"]

    assert run(path) == expected
    # Rolled back: nothing of the replay stays in the database.
    assert not Patient.objects.filter(mrn="REPLAY-0001").exists()
    assert not Alert.objects.exists()


def vignette(tmp_path, entries=(), **changes) -> Path:
    data = {
        "patient": {"zone": "America/New_York", "weight_kg": "80.0", "height_cm": "178.0"},
        "course": {"regimen": "hd-iv-label", "start": "2027-04-05T08:00", "cycles": 1},
        "entries": list(entries),
        "until": "2027-04-05T08:00",
        **changes,
    }
    path = tmp_path / "vignette.json"
    path.write_text(json.dumps(data))
    return path


LOW_BP = {
    "type": "vitals",
    "at": "2027-04-05T07:30",
    "systolic_bp": 85,
    "diastolic_bp": 50,
}


def test_a_dose_is_read_with_what_was_charted_by_its_time(shipped_data, tmp_path):
    charted_in_time = run(vignette(tmp_path, [{**LOW_BP, "charted_at": "2027-04-05T07:45"}]))
    charted_late = run(
        vignette(
            tmp_path,
            [{**LOW_BP, "charted_at": "2027-04-05T08:30"}],
            until="2027-04-05T09:00",
        )
    )

    dose = charted_in_time["doses"][0]
    assert dose["decision"] == replay.HOLD
    assert [rule["rule"] for rule in dose["met"]] == ["hypotension"]
    assert dose["met"][0]["why"] == "systolic BP 85 mmHg, 30 min ago"
    late = charted_late["doses"][0]
    assert late["decision"] == replay.NO_DATA
    assert "hypotension" in [rule["rule"] for rule in late["no_data"]]
    # The alert comes when the entry is charted, after the dose.
    assert [alert["at"] for alert in charted_late["alerts"]] == ["2027-04-05T08:30-04:00"]


def test_times_with_an_offset_are_read_as_given(shipped_data, tmp_path):
    found = run(vignette(tmp_path, [{**LOW_BP, "at": "2027-04-05T11:30Z"}]))

    assert found["doses"][0]["planned_at"] == "2027-04-05T08:00-04:00"
    assert found["doses"][0]["met"][0]["why"] == "systolic BP 85 mmHg, 30 min ago"


def test_the_replay_charts_through_the_real_operations(shipped_data, tmp_path):
    path = vignette(tmp_path, [LOW_BP])
    scenario = replay.load_scenario(path)

    from django.db import transaction

    with transaction.atomic():
        replay.replay(scenario)
        vitals = VitalSigns.objects.get()
        assert vitals.course.patient.mrn == "REPLAY-0001"
        assert vitals.recorded_at.isoformat() == "2027-04-05T11:30:00+00:00"
        assert vitals.history.get().history_change_reason == "Vital signs charted"
        transaction.set_rollback(True)


BAD = [
    ({"entries": [{"type": "pulse", "at": "2027-04-05T07:00"}]},
     "entries[0]: type must be one of vitals, fluid"),
    ({"entries": [{**LOW_BP, "systolic_bp": "85"}]}, "entries[0].systolic_bp: give a whole number"),
    ({"entries": [{**LOW_BP, "at": "5 April 07:30"}]}, "entries[0].at: give a date and time"),
    ({"entries": [{**LOW_BP, "pulse": 80}]}, "entries[0].pulse: unknown field"),
    ({"entries": [LOW_BP, {**LOW_BP, "at": "2027-04-05T07:00"}]},
     "entries[1]: is charted before the entry above it"),
    ({"entries": [{**LOW_BP, "at": "2027-04-05T09:00"}]}, "entries[0]: is charted after until"),
    ({"entries": [{"type": "infusion_stop", "at": "2027-04-05T07:00", "ref": "norad"}]},
     'entries[0].ref: no infusion "norad" was started above'),
    ({"entries": [{"type": "fluid", "at": "2027-04-05T07:00", "kind": "urine", "ml": 40}]},
     "entries[0].since: urine, and only urine, is charted with the start of its period"),
    ({"entries": [{"type": "lab", "at": "2027-04-05T07:00", "test": "creatinine"}]},
     "entries[0].value: is missing"),
    ({"patient": {"zone": "Mars/Olympus", "weight_kg": "80", "height_cm": "178"}},
     'patient.zone: "Mars/Olympus" is not an IANA time zone'),
    ({"course": {"regimen": "hd-iv-weekly", "start": "2027-04-05T08:00"}},
     'course.regimen: no regimen "hd-iv-weekly"'),
    ({"until": "2027-04-04T08:00"}, "until: is before the course's start"),
    # Refused by the app's own operations, in its words.
    ({"entries": [{**LOW_BP, "diastolic_bp": 95}]},
     "entries[0].diastolic_bp: The diastolic BP must be lower than the systolic."),
    ({"entries": [{**LOW_BP, "charted_at": "2027-04-06T08:00"}], "until": "2027-04-06T08:00"},
     "entries[0].at: The time is more than 24 hours ago. Check the date."),
    ({"entries": [{"type": "lab", "at": "2027-04-05T07:00", "test": "creatinine",
                   "value": "4.6", "unit": "mmol/L"}]},
     "entries[0]: mmol/L is not a unit for Creatinine"),
    ({"entries": [{"type": "lab", "at": "2027-04-05T07:00", "test": "creatinine",
                   "value": "406", "unit": "mg/dL"}]},
     "entries[0].value: 406 mg/dL is not a possible Creatinine result. Did you mean µmol/L?"),
    ({"patient": {"zone": "UTC", "weight_kg": "80", "height_cm": "17.8"}},
     "patient: height_cm:"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_vignette_says_what_is_wrong_where_and_writes_nothing(
    shipped_data, tmp_path, changes, message
):
    path = vignette(tmp_path, **changes)

    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value).startswith(f"{path}: {message}")
    assert caught.value.returncode == 2
    assert not Patient.objects.exists()
    assert not VitalSigns.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not valid JSON: Expecting property name enclosed in double quotes"),
        ("[]", "the file must hold one JSON object"),
        (None, "cannot be read: No such file or directory"),
    ],
)
def test_a_file_that_is_not_a_vignette_is_refused(tmp_path, text, message):
    path = tmp_path / "vignette.json"
    if text is not None:
        path.write_text(text)

    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert caught.value.returncode == 2


def test_the_command_replays_in_a_throwaway_database_and_leaves_the_real_one(tmp_path):
    real = tmp_path / "real.sqlite3"
    with sqlite3.connect(real) as database:
        database.execute("create table ward_note (text varchar(20))")
        database.execute("insert into ward_note values ('left as it was')")
    database.close()
    before = hashlib.sha256(real.read_bytes()).hexdigest()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{real}",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DEBUG": "false",
        "SECRET_KEY": "replay-test-key-" + "x" * 40,
        "WARD_PHONE": "+44 20 7946 0999",
    }
    path = REPO / "docs" / "scenarios" / "arrhythmia.json"

    done = subprocess.run(  # noqa: S603 - the test passes fixed arguments
        [sys.executable, "manage.py", "replay_scenario", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    bad = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "replay_scenario", str(vignette(tmp_path, until="x"))],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(path.read_text())["expected"]
    assert hashlib.sha256(real.read_bytes()).hexdigest() == before
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        f"CommandError: {tmp_path / 'vignette.json'}: until: give a date and time, "
        '"YYYY-MM-DDTHH:MM" on the patient\'s clock'
    ]

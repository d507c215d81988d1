"""manage.py export_fhir: the bundle on standard output or in a file, and one-line refusals."""

import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connections
from fhir.resources.R4B.bundle import Bundle

from tracker import demo
from tracker.management.commands.export_fhir import Command

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    with time_machine.travel("2027-03-11 15:00Z", tick=False):
        demo.seed()


def export(*args) -> str:
    out = StringIO()
    call_command("export_fhir", *args, stdout=out)
    return out.getvalue()


def test_the_demo_patient_exports_as_a_valid_bundle(seeded):
    output = export("DEMO-0001")
    bundle = Bundle.model_validate(json.loads(output))
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds.count("Patient") == 1
    assert kinds.count("MedicationAdministration") == 3
    # Indented by 2, and the staff notes are in: this is an operator's tool.
    assert output.startswith('{\n  "resourceType": "Bundle",')
    assert "Pre-dose check: Systolic BP < 90 mmHg" in output


def test_the_export_is_the_same_each_time(seeded):
    assert export("DEMO-0001") == export("DEMO-0001")


def test_the_output_option_writes_the_same_json_to_a_file(seeded, tmp_path):
    target = tmp_path / "demo.json"
    message = export("DEMO-0001", "--output", str(target))
    assert target.read_text(encoding="utf-8") == export("DEMO-0001")
    assert message.startswith("Wrote the FHIR bundle for DEMO-0001 (")
    assert message.rstrip().endswith(f"to {target}.")


def test_an_unknown_mrn_is_refused_in_one_line(seeded):
    with pytest.raises(CommandError) as refusal:
        export("NOPE-0001")
    assert str(refusal.value) == "No patient with MRN 'NOPE-0001'."
    assert refusal.value.returncode == 1


def test_an_unknown_mrn_exits_1_without_a_traceback(seeded, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends, which would end the test's own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_status:
        Command().run_from_argv(["manage.py", "export_fhir", "NOPE-0001"])
    assert exit_status.value.code == 1
    captured = capsys.readouterr()
    assert captured.err == "CommandError: No patient with MRN 'NOPE-0001'.\n"
    assert captured.out == ""


def test_an_output_that_cannot_be_written_is_refused_in_one_line(seeded, tmp_path):
    with pytest.raises(CommandError) as refusal:
        export("DEMO-0001", "--output", str(tmp_path))
    assert str(refusal.value) == f"Cannot write {tmp_path}: Is a directory."
    assert list(tmp_path.iterdir()) == []

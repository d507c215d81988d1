import pytest
from django.core.management import CommandError, call_command

from tracker import demo
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_team_and_patients(capsys):
    call_command("seed_demo", "--force")
    roles = {user.username: user.role for user in User.objects.all()}
    assert roles["clinician"] == Role.CLINICIAN
    assert roles["nurse"] == Role.NURSE
    assert roles["admin"] == Role.ADMIN
    assert Patient.objects.filter(user__isnull=False).count() == 2
    assert f"password {demo.DEMO_PASSWORD}" in capsys.readouterr().out
    assert User.objects.get(username="patient1").check_password(demo.DEMO_PASSWORD)


def test_seed_demo_twice_creates_nothing_new(capsys):
    call_command("seed_demo", "--force")
    counts = (User.objects.count(), Patient.objects.count(), Patient.history.count())
    call_command("seed_demo", "--force")
    assert (User.objects.count(), Patient.objects.count(), Patient.history.count()) == counts
    assert "Demo data: 0 new records." in capsys.readouterr().out


def test_seed_demo_puts_a_nurse_on_one_patient_only():
    call_command("seed_demo", "--force")
    nurse = User.objects.get(username="nurse")
    assert [p.mrn for p in Patient.objects.visible_to(nurse)] == ["DEMO-0001"]


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo")
    assert not User.objects.exists()

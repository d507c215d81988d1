import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from regimens.models import Course, Dose
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

    def counts():
        return [m.objects.count() for m in (User, Patient, Course, Dose)] + [
            Patient.history.count()
        ]

    before = counts()
    call_command("seed_demo", "--force")
    assert counts() == before
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


def test_seed_demo_on_a_flushed_database_says_how_to_start_again():
    # What `flush` leaves: no role groups (nor anything else migrations made).
    Group.objects.all().delete()
    with pytest.raises(CommandError, match="no role groups") as refused:
        call_command("seed_demo", "--force")
    assert "python manage.py migrate" in str(refused.value)
    assert not User.objects.exists()


def test_seed_demo_puts_each_demo_patient_on_a_course():
    call_command("seed_demo", "--force")
    slugs = dict(Course.objects.values_list("patient__mrn", "template__slug"))
    assert slugs == {"DEMO-0001": "hd-iv-label", "DEMO-0002": "sc-5on2off"}
    assert Dose.objects.filter(course__patient__mrn="DEMO-0001").count() == 28


def test_seed_demo_puts_both_patients_on_a_ward_with_the_nurse_on_call():
    from tracker.alerts.models import OnCallShift

    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")

    clinician, nurse = User.objects.get(username="clinician"), User.objects.get(username="nurse")
    [ward] = {patient.ward for patient in Patient.objects.all()}
    assert (ward.name, ward.consultant) == ("Ward 7 (Oncology)", clinician)
    [shift] = OnCallShift.objects.all()
    assert shift.person == nurse and shift.ward == ward
    assert nurse.email == "nurse@example.org"
    assert User.objects.get(username="patient1").email == ""


def test_seed_demo_turns_on_reminders_for_the_patient_who_injects_at_home():
    from tracker.reminders.models import ReminderSettings

    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")
    settings = ReminderSettings.objects.select_related("patient__user").get()
    assert settings.patient.mrn == "DEMO-0002"
    assert settings.dose_reminders and settings.thyroid_reminders
    assert settings.patient.user.email == "patient2@example.org"
    assert settings.history.count() == 1


def test_seed_demo_has_the_patient_at_home_record_injections_and_read_a_reply():
    from tracker.observations.models import VitalSigns
    from tracker.symptoms.models import ReportMessage
    from tracker.ward.models import DoseRecord

    call_command("seed_demo", "--force")
    own = DoseRecord.objects.filter(dose__course__patient__mrn="DEMO-0002").order_by(
        "dose__planned_at"
    )
    assert own and all(record.by_the_patient for record in own)
    sites = [record.injection_site for record in own]
    assert all(a != b for a, b in itertools.pairwise(sites))
    assert own[0].verified_by.username == "nurse2"
    assert VitalSigns.objects.filter(patient__mrn="DEMO-0002").get().is_patient_reported
    assert ReportMessage.objects.get().author.username == "nurse2"

"""`manage.py seed_scale`: made-up patients at scale, by bulk inserts that keep the rules."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from regimens.models import Course, Dose
from tests.factories import PatientFactory
from tracker import scale
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.patients.models import Patient
from tracker.symptoms.models import SymptomReport
from tracker.ward.models import DoseRecord

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-12 12:00Z")]

PATIENTS = 30


def seed(patients=PATIENTS, **options) -> dict[str, int]:
    """Run the command; return the row counts it printed, by table."""
    out = io.StringIO()
    call_command("seed_scale", patients=patients, stdout=out, **options)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Seeded ")
    return {table: int(rows.replace(",", "")) for table, rows in map(str.split, lines[1:])}


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def test_the_rows_it_reports_are_the_rows_the_database_holds():
    counts = seed()

    assert {table: rows_in(table) for table in counts} == counts
    assert counts["patients_patient"] == PATIENTS
    assert counts["regimens_dose"] > 20 * PATIENTS
    assert counts["ward_doserecord"] > 10 * PATIENTS


def test_every_seeded_row_has_its_history_row():
    seed()

    for model in scale.SEEDED_MODELS:
        history = get_history_manager_for_model(model)
        made = history.filter(history_type="+").values_list(model._meta.pk.attname, flat=True)
        assert sorted(made) == sorted(model.objects.values_list("pk", flat=True)), model


def test_a_recorded_dose_was_scheduled_first_and_changed_by_its_record():
    seed()
    record = DoseRecord.objects.select_related("dose").first()

    rows = list(record.dose.history.order_by("history_date", "history_id"))

    assert [(row.history_type, row.status) for row in rows] == [
        ("+", Dose.Status.SCHEDULED),
        ("~", record.outcome),
    ]
    assert rows[1].history_date == record.recorded_at
    assert rows[1].history_user_id == record.recorded_by_id


def test_doses_are_the_courses_own_and_only_past_doses_are_recorded():
    seed()
    now = timezone.now()

    for course in Course.objects.prefetch_related("doses"):
        numbers = [dose.dose_in_course for dose in course.doses.all()]
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    recorded = Dose.objects.filter(status__in=Dose.RECORDED)
    assert not recorded.filter(planned_at__gt=now).exists()
    assert recorded.count() == DoseRecord.objects.count()
    assert (
        not DoseRecord.objects.exclude(dose__status=Dose.Status.SCHEDULED)
        .filter(recorded_at__gt=now)
        .exists()
    )
    assert not DoseRecord.objects.filter(dose__status=Dose.Status.SCHEDULED).exists()


def test_high_dose_doses_given_or_held_follow_a_pre_dose_check():
    seed()

    iv = DoseRecord.objects.filter(dose__course__template__route="iv")
    assert iv.exists()
    assert not iv.exclude(outcome="not_given").filter(pre_dose_check__isnull=True).exists()
    for record in iv.filter(pre_dose_check__isnull=False).select_related("pre_dose_check")[:200]:
        assert record.pre_dose_check.dose_id == record.dose_id
        assert record.pre_dose_check.taken_at < record.dose.planned_at
    assert iv.filter(outcome="held").exists()


def test_finished_courses_have_every_past_dose_recorded_and_a_discharge():
    seed()

    finished = Course.objects.exclude(status=Course.Status.OPEN)
    assert finished.exists()
    assert not finished.filter(discharged_on__isnull=True).exists()
    assert not Dose.objects.filter(course__in=finished, status=Dose.Status.SCHEDULED).exists()
    assert (
        not Dose.objects.filter(status=Dose.Status.CANCELLED)
        .exclude(course__status=Course.Status.DISCONTINUED)
        .exists()
    )


def test_most_old_alerts_are_acknowledged():
    seed()

    old = Alert.objects.filter(created_at__lt=timezone.now() - timedelta(days=1))
    assert old.count() > 10
    assert old.filter(acknowledged_at__isnull=False).count() > 0.8 * old.count()


def test_each_patient_has_one_nurse_and_one_clinician_on_their_team():
    seed()

    for patient in Patient.objects.prefetch_related("care_team__groups"):
        roles = sorted(member.role for member in patient.care_team.all())
        assert roles == sorted([Role.NURSE, Role.CLINICIAN])
    assert User.objects.filter(groups__name=Role.NURSE).count() == 1
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_teams_hold_about_100_patients_a_nurse_and_200_a_clinician():
    team = scale.Team(ward=None, nurses=list(range(10)), clinicians=list(range(5)))

    nurses = Counter(team.nurse_for(i, 1000) for i in range(1000))
    clinicians = Counter(team.clinician_for(i, 1000) for i in range(1000))

    assert set(nurses.values()) == {100}
    assert set(clinicians.values()) == {200}


def snapshot() -> dict[str, list]:
    """The seeded data without database ids, which differ from run to run."""
    return {
        "patients": list(Patient.objects.order_by("mrn").values_list("mrn", "family_name")),
        "doses": list(
            Dose.objects.order_by("uid").values_list(
                "uid", "course__patient__mrn", "dose_in_course", "planned_at", "status"
            )
        ),
        "records": list(
            DoseRecord.objects.order_by("dose__uid").values_list(
                "dose__uid", "outcome", "given_at", "recorded_by__username"
            )
        ),
        "reports": list(
            SymptomReport.objects.order_by("patient__mrn", "onset_at").values_list(
                "patient__mrn", "symptom__slug", "onset_at", "severity"
            )
        ),
        "alerts": list(
            Alert.objects.order_by("patient__mrn", "created_at", "text").values_list(
                "patient__mrn", "trigger", "text", "acknowledged_at"
            )
        ),
    }


def seeded_then_undone(seed_number: int) -> dict[str, list]:
    with transaction.atomic():
        seed(seed=seed_number)
        taken = snapshot()
        transaction.set_rollback(True)
    return taken


def test_the_same_seed_gives_the_same_data():
    first = seeded_then_undone(7)

    assert seeded_then_undone(7) == first
    assert seeded_then_undone(8) != first


def test_it_refuses_a_database_that_already_has_patients():
    PatientFactory()
    users = User.objects.count()

    with pytest.raises(CommandError, match=r"already holds 1 patients.*--force"):
        seed()

    assert Patient.objects.count() == 1
    assert User.objects.count() == users
    assert not Course.objects.exists()


def test_it_adds_patients_beside_others_when_forced():
    PatientFactory()

    counts = seed(force=True)

    assert counts["patients_patient"] == PATIENTS
    assert Patient.objects.count() == PATIENTS + 1


def test_the_pages_querysets_find_the_seeded_rows():
    seed()
    patient = Patient.objects.order_by("mrn").first()
    nurse = patient.care_team.get(groups__name=Role.NURSE)

    doses = Dose.objects.for_patient(patient)
    assert doses.count() == Dose.objects.filter(course__patient=patient).count() > 0
    assert set(Patient.objects.visible_to(nurse)) == set(Patient.objects.all())
    assert DoseRecord.objects.for_patient(patient).active().exists()
    assert Dose.objects.visible_to(nurse).count() == Dose.objects.count()
    assert SymptomReport.objects.visible_to(patient.user).count() == (
        SymptomReport.objects.filter(patient=patient).count()
    )
    assert Alert.objects.visible_to(nurse).count() == Alert.objects.count()

"""Courses stopped for the unspecified label toxicity before the criteria were coded."""

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from regimens.courses import discontinue_course
from regimens.models import Course
from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.patients.models import RetreatmentContraindication as Flag


def migrate(app_label, name):
    executor = MigrationExecutor(connection)
    executor.migrate([(app_label, name)])


# SQLite runs migrations only outside a transaction, so this test commits its rows.
@pytest.mark.django_db(transaction=True)
def test_courses_stopped_for_label_toxicity_flag_their_patients(
    shipped_data, back_to_the_latest_schema
):
    clinician = make_user(Role.CLINICIAN)
    old, other = PatientFactory(), PatientFactory()
    stopped = make_course(old, by=clinician)
    progressed = make_course(other, by=clinician)
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        discontinue_course(stopped, by=clinician, code="intolerance")
        discontinue_course(progressed, by=clinician, code="progression")
    migrate("patients", "0004_retreatment_contraindication")
    # As the old code left it: one code for every label criterion.
    Course.objects.filter(pk=stopped.pk).update(discontinue_reason="toxicity")
    migrate("patients", "0005_flag_courses_stopped_for_label_toxicity")

    [flag] = Flag.objects.all()
    # Ids: the patient table of that old schema lacks today's columns.
    assert (flag.patient_id, flag.course_id, flag.set_by_id) == (old.pk, stopped.pk, clinician.pk)
    assert flag.criterion == Flag.Criterion.NOT_RECORDED
    assert flag.get_criterion_display() == (
        "Label criterion to stop permanently (criterion not recorded)"
    )
    assert flag.status == Flag.Status.ACTIVE
    assert flag.history.count() == 1
    assert list(Flag.objects.for_patient(old).active()) == [flag]

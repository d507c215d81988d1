"""Two nurses recording the same dose at once: exactly one record wins.

On PostgreSQL the dose row lock makes the second nurse wait and then see the first
record.  The unique constraint on active records is the last line of defence; its
path is tested on both databases by handing record_dose a stale copy of the dose.
"""

import functools
import threading
from unittest import mock

import pytest
from django.db import connection, transaction

from regimens.models import Course, Dose
from tests.factories import (
    PatientFactory,
    make_course,
    make_user,
    record_given,
    record_normal_check,
)
from tracker.accounts.roles import Role
from tracker.ward.models import DoseRecord
from tracker.ward.recording import RecordRefused, record_dose

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks and one writer at a time",
)
# Committed data, so the threads' own connections can see it.
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nurses(db):
    return (
        make_user(Role.NURSE, first_name="Ada", last_name="Avery"),
        make_user(Role.NURSE, first_name="Bea", last_name="Brook"),
    )


def give(dose, nurse):
    return record_dose(
        dose,
        by=nurse,
        outcome="given",
        given_at=dose.planned_at,
        amount_iu=dose.course.dose_iu,
        given_by=nurse,
        now=dose.planned_at,
    )


class Nurse(threading.Thread):
    """Runs `work` in its own thread, so on its own database connection."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.result, self.error = work, None, None

    def run(self):
        try:
            self.result = self.work()
        except Exception as error:
            self.error = error
        finally:
            connection.close()

    def join_or_fail(self):
        self.join(timeout=30)
        assert not self.is_alive(), "a recording thread hung"


def backend_pid():
    """The PostgreSQL backend serving this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def is_waiting_for_lock(pid, held_by):
    """Whether backend `pid` waits for a lock that backend `held_by` holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wait_event_type, %s = ANY(pg_blocking_pids(pid))"
            " FROM pg_stat_activity WHERE pid = %s",
            [held_by, pid],
        )
        return cursor.fetchone() == ("Lock", True)


def wait_until_blocked(nurse, pid, held_by):
    """Wait until the nurse's backend waits for the other's lock; False if it finished first."""
    while nurse.is_alive():
        if is_waiting_for_lock(pid, held_by):
            return True
        nurse.join(timeout=0.01)
    return False


def race(start, dose, nurse):
    start.wait()
    return give(dose, nurse)


def outcome_of(nurses):
    wins = [n for n in nurses if n.error is None]
    losses = [n for n in nurses if isinstance(n.error, RecordRefused)]
    unexpected = [n.error for n in nurses if n.error and not isinstance(n.error, RecordRefused)]
    assert unexpected == []
    return wins, losses


def assert_one_given_record(dose, by):
    active = list(DoseRecord.objects.filter(dose=dose).active())
    assert [record.recorded_by for record in active] == [by]
    assert DoseRecord.objects.filter(dose=dose).count() == 1
    dose.refresh_from_db()
    assert dose.status == Dose.Status.GIVEN


@on_postgresql
@transactional
def test_the_second_nurse_waits_for_the_first_and_is_told_it_is_recorded(shipped_data, nurses):
    first, second = nurses
    dose = make_course(PatientFactory()).doses.order_by("dose_in_course").first()
    record_normal_check(dose, first)
    first_holds_the_lock, second_is_connected, release = (threading.Event() for _ in range(3))
    pids = {}

    def first_nurse():
        pids["first"] = backend_pid()
        with transaction.atomic():
            record = give(dose, first)
            first_holds_the_lock.set()
            # Still in the transaction: the dose row stays locked until the test lets go.
            assert release.wait(timeout=30)
        return record

    def second_nurse():
        assert first_holds_the_lock.wait(timeout=30)
        pids["second"] = backend_pid()
        second_is_connected.set()
        return give(dose, second)

    a, b = Nurse(first_nurse), Nurse(second_nurse)
    for nurse in (a, b):
        nurse.start()
    try:
        assert second_is_connected.wait(timeout=30)
        # The second call blocks on the row lock the first transaction holds, and has
        # not finished while that transaction is open.
        assert wait_until_blocked(b, pids["second"], held_by=pids["first"])
        assert a.is_alive() and b.is_alive()
    finally:
        release.set()
    for nurse in (a, b):
        nurse.join_or_fail()

    wins, losses = outcome_of([a, b])
    assert wins == [a] and losses == [b]
    assert "already recorded as given by Ada Avery" in b.error.message
    assert_one_given_record(dose, first)


@on_postgresql
@transactional
def test_it_lets_only_one_of_two_simultaneous_records_win(shipped_data, nurses):
    doses = list(make_course(PatientFactory()).doses.order_by("dose_in_course")[:5])
    for dose in doses:
        record_normal_check(dose, nurses[0])
        start = threading.Barrier(2)
        racers = [Nurse(functools.partial(race, start, dose, nurse)) for nurse in nurses]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join_or_fail()

        wins, losses = outcome_of(racers)
        assert len(wins) == 1 and len(losses) == 1
        winner = wins[0].result.recorded_by
        assert f"already recorded as given by {winner.get_full_name()}" in losses[0].error.message
        assert_one_given_record(dose, winner)


@pytest.mark.django_db
def test_a_record_made_after_a_stale_read_is_refused_by_the_unique_constraint(nurses):
    first, second = nurses
    dose = make_course(PatientFactory()).doses.order_by("dose_in_course").first()
    # What the second nurse's transaction read before the first nurse's record landed.
    stale = Dose.objects.select_related("course__patient").get(pk=dose.pk)
    record_given(dose, by=first)
    history = (DoseRecord.history.count(), Dose.history.filter(id=dose.pk).count())

    with (
        mock.patch("tracker.ward.recording._locked", return_value=stale),
        pytest.raises(RecordRefused) as refused,
    ):
        give(dose, second)

    assert "already recorded as given by Ada Avery" in refused.value.message
    assert "correct that record" in refused.value.message
    assert_one_given_record(dose, first)
    assert (DoseRecord.history.count(), Dose.history.filter(id=dose.pk).count()) == history


def patient_injects(start, dose, patient_user):
    from tracker.ward.recording import record_own_dose

    start.wait()
    return record_own_dose(
        dose,
        by=patient_user,
        outcome="given",
        given_at=dose.planned_at,
        injection_site="left_thigh",
        now=dose.planned_at,
    )


@on_postgresql
@transactional
def test_a_patients_and_a_nurses_simultaneous_records_leave_one_active_record(
    shipped_data, nurses
):
    from tests.factories import make_home_course

    patient_user = make_user(Role.PATIENT)
    patient = PatientFactory(user=patient_user, care_team=[nurses[0]])
    doses = list(make_home_course(patient).doses.order_by("dose_in_course")[:5])
    for dose in doses:
        start = threading.Barrier(2)
        racers = [
            Nurse(functools.partial(race, start, dose, nurses[0])),
            Nurse(functools.partial(patient_injects, start, dose, patient_user)),
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join_or_fail()

        wins, losses = outcome_of(racers)
        assert len(wins) == 1 and len(losses) == 1
        active = list(DoseRecord.objects.filter(dose=dose).active())
        assert len(active) == 1 and DoseRecord.objects.filter(dose=dose).count() == 1
        if losses[0] is racers[1]:
            assert losses[0].error.message.startswith("Your nurse already recorded this dose at")
        else:
            assert "already recorded as given" in losses[0].error.message


@on_postgresql
@transactional
def test_recording_waits_for_the_patient_before_it_locks_the_course_or_the_dose(
    shipped_data, nurses
):
    """Recording takes its row locks in the order a change to the whole course does
    (discontinue_course: patient, course, then the doses), so the two never wait on each
    other in a circle: while a clinician holds the patient, the nurse holds nothing."""
    nurse = nurses[0]
    patient = PatientFactory()
    dose = make_course(patient).doses.order_by("dose_in_course").first()
    record_normal_check(dose, nurse)
    clinician_holds_the_patient, release = threading.Event(), threading.Event()
    pids = {}

    def clinician():
        pids["clinician"] = backend_pid()
        with transaction.atomic():
            type(patient).objects.select_for_update().get(pk=patient.pk)
            clinician_holds_the_patient.set()
            assert release.wait(timeout=30)

    def nurse_records():
        assert clinician_holds_the_patient.wait(timeout=30)
        pids["nurse"] = backend_pid()
        return give(dose, nurse)

    a, b = Nurse(clinician), Nurse(nurse_records)
    for thread in (a, b):
        thread.start()
    try:
        assert clinician_holds_the_patient.wait(timeout=30)
        while "nurse" not in pids:
            b.join(timeout=0.01)
        assert wait_until_blocked(b, pids["nurse"], held_by=pids["clinician"])
        # The course and the dose are free for the clinician's next steps.
        with transaction.atomic():
            assert list(Course.objects.select_for_update(nowait=True).filter(pk=dose.course_id))
            assert list(Dose.objects.select_for_update(nowait=True).filter(pk=dose.pk))
    finally:
        release.set()
    for thread in (a, b):
        thread.join_or_fail()
    assert a.error is None and b.error is None
    assert_one_given_record(dose, nurse)

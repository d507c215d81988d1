"""Dose alerts raised from two connections at once: still one alert each.

Two overdue sweeps (two workers, or a sweep retried while the first still runs) read
the same doses; the unique constraint turns the second insert away.  Two nurses
holding two doses of one cycle at once are counted one after the other, under the
course's row lock, so the hold that reaches the count raises the one alert.
"""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from tests.factories import PatientFactory, make_course, make_user, ship_dose_alert_rules
from tracker.accounts.roles import Role
from tracker.alerts.dose_rules import alert_overdue_doses
from tracker.alerts.models import Alert
from tracker.ward.recording import record_dose

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks and one writer at a time",
)
# Committed data, so the threads' own connections can see it.
transactional = pytest.mark.django_db(transaction=True)

pytestmark = [on_postgresql, transactional, pytest.mark.now("2027-03-10 12:00Z")]


class Worker(threading.Thread):
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


def run_together(*works):
    start = threading.Barrier(len(works))

    def after_start(work):
        def run():
            start.wait(timeout=30)
            return work()

        return run

    workers = [Worker(after_start(work)) for work in works]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert not worker.is_alive(), "a worker hung"
    assert [worker.error for worker in workers] == [None] * len(workers)
    return [worker.result for worker in workers]


def test_two_sweeps_at_once_raise_one_alert_per_dose(shipped_data):
    ship_dose_alert_rules()
    clinician = make_user(Role.CLINICIAN)
    for _ in range(4):
        make_course(PatientFactory(), by=clinician)
    # Doses 1–5 of each course are past their window at midnight UTC on the 12th.
    at = datetime(2027, 3, 12, 0, 0, tzinfo=UTC)

    raised = run_together(lambda: alert_overdue_doses(at), lambda: alert_overdue_doses(at))

    assert sum(raised) == 20
    alerts = Alert.objects.filter(trigger=Alert.Trigger.DOSE_OVERDUE)
    assert alerts.count() == alerts.values("dose").distinct().count() == 20


def held(dose, nurse):
    """Record `dose` as held, as a nurse on her own connection would."""
    return lambda: record_dose(
        dose, by=nurse, now=dose.planned_at, outcome="held", hold_reason="hypotension"
    )


def test_two_holds_recorded_at_once_reach_the_count_once(shipped_data):
    # Without the course's lock each would count two held doses, and neither would alert.
    ship_dose_alert_rules()
    nurse = make_user(Role.NURSE)
    for _ in range(5):
        course = make_course(PatientFactory(care_team=[nurse]))
        first, second, third = course.doses.order_by("dose_in_course")[:3]
        held(first, nurse)()

        run_together(held(second, nurse), held(third, nurse))

        [alert] = Alert.objects.filter(trigger=Alert.Trigger.DOSES_HELD, dose__course=course)
        assert alert.dose in (second, third)
        assert "3 doses of cycle 1 held (doses 1, 2 and 3)" in alert.text

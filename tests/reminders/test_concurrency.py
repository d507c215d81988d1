"""Two workers sweeping at the same instant: each reminder is created once and sent once.

The conditional UPDATE that claims a row lets one worker through; the unique
constraints let one row be created.  Threads need their own connections to one
database, so this runs on PostgreSQL.  The stale-read case is in test_sending.py.
"""

import threading
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection

from tests.factories import PatientFactory, choose_reminders, make_home_course, make_user
from tracker.accounts.roles import Role
from tracker.reminders.models import Reminder
from tracker.reminders.sending import send_due_reminders

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has one writer at a time",
    ),
    # Committed data, so the threads' own connections can see it.
    pytest.mark.django_db(transaction=True),
]

PATIENTS = 5


class Worker(threading.Thread):
    def __init__(self, start, now):
        super().__init__(daemon=True)
        self.start_line, self.now, self.sent, self.error = start, now, 0, None

    def run(self):
        try:
            self.start_line.wait(timeout=30)
            self.sent = send_due_reminders(self.now)
        except Exception as error:
            self.error = error
        finally:
            connection.close()


def test_two_workers_at_once_send_each_reminder_once(shipped_data):
    for n in range(PATIENTS):
        user = make_user(Role.PATIENT, email=f"patient{n}@example.org")
        patient = PatientFactory(user=user, time_zone="Europe/London")
        make_home_course(patient)
        choose_reminders(patient)
    now = datetime(2027, 3, 1, 8, 30, tzinfo=UTC)
    start = threading.Barrier(2)
    workers = [Worker(start, now) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [w.error for w in workers] == [None, None]
    assert sum(w.sent for w in workers) == PATIENTS
    assert len(mail.outbox) == PATIENTS
    assert sorted(m.to[0] for m in mail.outbox) == [
        f"patient{n}@example.org" for n in range(PATIENTS)
    ]
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == PATIENTS
    assert Reminder.objects.count() == PATIENTS

"""Exactly once on real workers: 200 urgent alerts at once, with and without a worker
killed by SIGKILL in the middle of sending them.

Production sends each notification from the task queued when its alert commits;
what a dead worker held is picked up by the outbox sweep (`alerts.send_due_notifications`,
run by beat every minute) once the row's claim has expired, and by Redis itself
after its visibility timeout.  The test runs the sweep as beat would, more often.

A worker killed between the mail server's "250" and the database's "sent" sends
that message again on the sweep: the same Message-ID, which mail clients show once.
So the assertions are one `sent` row per (alert, recipient, level) and one distinct
Message-ID per row, not an exact count of SMTP transactions.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert, Notification, OnCallShift
from tracker.alerts.rules import raise_alert
from tracker.alerts.tasks import send_due_notifications
from tracker.lib.mail import message_id
from tracker.patients.models import Ward
from tracker.symptoms.models import AdverseEvent, CtcaeTerm

pytestmark = pytest.mark.workers

ALERTS = 200
PATIENTS = 10
# Short enough for the test: a claim on a row outlives a send by a few times this.
EMAIL_TIMEOUT = "2"


@pytest.fixture
def ward_with_nurse_on_call():
    nurse = make_user(Role.NURSE, username="on-call", email="on-call@example.org")
    clinician = make_user(Role.CLINICIAN, email="clinician@example.org")
    ward = Ward.objects.create(name="Ward 7", time_zone="Europe/London")
    now = timezone.now()
    OnCallShift.objects.create(
        ward=ward,
        person=nurse,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
        created_by=clinician,
    )
    patients = [PatientFactory(ward=ward, care_team=[nurse, clinician]) for _ in range(PATIENTS)]
    return nurse, patients


def raise_urgent_alerts(patients, nurse, count):
    """`count` grade-4 events, each saved with its alert in one transaction, as the app does."""
    term, _ = CtcaeTerm.objects.get_or_create(
        version="5.0", term="Hypotension", defaults={"category": "Vascular"}
    )
    now = timezone.now()
    for n in range(count):
        patient = patients[n % len(patients)]
        with transaction.atomic():
            event = AdverseEvent.objects.create(
                patient=patient,
                term=term,
                ctcae_version="5.0",
                grade=4,
                onset_at=now,
                attribution="possible",
                recorded_by=nurse,
            )
            raise_alert(
                patient=patient,
                trigger=Alert.Trigger.STAFF_GRADE,
                severity=Alert.Severity.URGENT,
                adverse_event=event,
                text=f"Hypotension, grade 4 ({n}).",
            )


def wait_for(condition, timeout, *, every=0.2, meanwhile=None):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        if meanwhile:
            meanwhile()
        time.sleep(every)
    return True


def sent_count():
    return Notification.objects.filter(status=Notification.Status.SENT).count()


def assert_each_sent_once(nurse, mail_sink):
    rows = Notification.objects.all()
    assert rows.count() == ALERTS
    assert {(n.level, n.recipient_id, n.status) for n in rows} == {(1, nurse.pk, "sent")}
    assert len({n.alert_id for n in rows}) == ALERTS
    received = Counter(mail_sink.message_ids())
    assert set(received) == {message_id("notification", n.pk) for n in rows}


def test_it_sends_200_urgent_alerts_once_each_on_two_workers(
    start_workers, mail_sink, ward_with_nurse_on_call
):
    nurse, patients = ward_with_nurse_on_call
    start_workers(2, EMAIL_TIMEOUT=EMAIL_TIMEOUT)

    raise_urgent_alerts(patients, nurse, ALERTS)

    assert wait_for(lambda: sent_count() == ALERTS, timeout=45), f"{sent_count()} of {ALERTS} sent"
    assert_each_sent_once(nurse, mail_sink)
    # No worker was lost: every message went exactly once.
    assert len(mail_sink.messages) == ALERTS


def test_it_loses_and_repeats_nothing_when_a_worker_is_killed_mid_run(
    start_workers, mail_sink, ward_with_nurse_on_call
):
    nurse, patients = ward_with_nurse_on_call
    # A slower mail server keeps the workers inside their tasks, where the kill lands.
    mail_sink.delay = 0.05
    workers = start_workers(2, EMAIL_TIMEOUT=EMAIL_TIMEOUT)

    raise_urgent_alerts(patients, nurse, ALERTS)
    assert wait_for(lambda: len(mail_sink.messages) >= ALERTS // 3, timeout=30)
    workers.kill(0)
    killed_at = sent_count()

    # What beat does every minute, here every two seconds.
    last_sweep = [0.0]

    def sweep_like_beat():
        if time.monotonic() - last_sweep[0] > 2:
            send_due_notifications.delay()
            last_sweep[0] = time.monotonic()

    assert wait_for(lambda: sent_count() == ALERTS, timeout=45, meanwhile=sweep_like_beat), (
        f"{sent_count()} of {ALERTS} sent ({killed_at} when the worker was killed)"
    )
    assert killed_at < ALERTS
    assert_each_sent_once(nurse, mail_sink)
    # At most the one message the killed worker was sending went twice.
    assert len(mail_sink.messages) - ALERTS <= 1

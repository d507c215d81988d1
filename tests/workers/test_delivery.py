"""Exactly once on real workers: 200 urgent alerts at once, with and without a worker
killed by SIGKILL in the middle of sending them.

Production sends each notification from the task queued when its alert commits.
What a dead worker held is sent by the outbox sweep (`alerts.send_due_notifications`,
run by beat every minute): at once if the worker had not claimed the row yet, once
its claim (delivery.LEASE, two minutes) is over if it had.  Redis also hands the
unacknowledged message to another worker after the visibility timeout, which
finds the row sent and does nothing.  The test runs the sweep as beat does, more
often, and runs the one after the lease with its clock moved on rather than wait.

A worker killed between the mail server's "250" and the database's "sent" sends
that message again on the sweep: the same Message-ID, which mail clients show once.
So the assertions are one `sent` row per (alert, recipient, level) and one distinct
Message-ID per row, not an exact count of SMTP transactions.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role
from tracker.alerts import delivery
from tracker.alerts.models import Alert, Notification, OnCallShift
from tracker.alerts.rules import raise_alert
from tracker.alerts.tasks import send_due_notifications
from tracker.lib.mail import message_id
from tracker.patients.models import Ward
from tracker.symptoms.models import AdverseEvent, CtcaeTerm

pytestmark = pytest.mark.workers

ALERTS = 200
PATIENTS = 10


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
    start_workers(2)

    raise_urgent_alerts(patients, nurse, ALERTS)

    assert wait_for(lambda: sent_count() == ALERTS, timeout=45), f"{sent_count()} of {ALERTS} sent"
    assert_each_sent_once(nurse, mail_sink)
    # No worker was lost: every message went exactly once.
    assert len(mail_sink.messages) == ALERTS


def test_it_loses_and_repeats_nothing_when_a_worker_is_killed_mid_run(
    start_workers, mail_sink, ward_with_nurse_on_call, record_property
):
    nurse, patients = ward_with_nurse_on_call
    # A slower mail server keeps the workers inside their tasks, where the kill lands.
    mail_sink.delay = 0.05
    workers = start_workers(2)

    raise_urgent_alerts(patients, nurse, ALERTS)
    assert wait_for(lambda: len(mail_sink.messages) >= ALERTS // 3, timeout=30)
    workers.kill(0)
    killed_at = sent_count()

    # The survivor drains the queue, and the sweep runs as beat runs it (every
    # minute; here every two seconds), until only what the dead worker held is left.
    last_sweep = [0.0]

    def sweep_like_beat():
        if time.monotonic() - last_sweep[0] > 2:
            send_due_notifications.delay()
            last_sweep[0] = time.monotonic()

    assert wait_for(
        lambda: sent_count() + held_by_a_worker() == ALERTS, timeout=40, meanwhile=sweep_like_beat
    ), f"{sent_count()} of {ALERTS} sent ({killed_at} when the worker was killed)"
    held = held_by_a_worker()
    if held:
        # Its claim lasts delivery.LEASE (two minutes): the sweep that runs after it.
        sweep_after_the_lease(mail_sink)

    record_property("sent_when_killed", killed_at)
    record_property("held_by_the_killed_worker", held)
    record_property("messages_received", len(mail_sink.messages))
    assert 0 < killed_at < ALERTS
    assert_each_sent_once(nurse, mail_sink)
    # Only the message the killed worker was sending can have gone twice.
    assert len(mail_sink.messages) - ALERTS <= held


def held_by_a_worker():
    return Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_until__gt=timezone.now()
    ).count()


def sweep_after_the_lease(mail_sink):
    """The sweep as beat runs it once the dead worker's lease is over, in this process."""
    later = timezone.now() + delivery.LEASE + timedelta(seconds=1)
    with (
        time_machine.travel(later, tick=True),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=mail_sink.port,
        ),
    ):
        delivery.send_due()

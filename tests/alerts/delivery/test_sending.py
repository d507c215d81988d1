"""A new alert's first e-mails: to whom, what they say, retries, and sent once only."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.factories import PatientFactory, make_user, make_ward, put_on_call
from tracker.accounts.roles import Role
from tracker.alerts import delivery, tasks
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert, Notification
from tracker.alerts.rules import raise_alert

NOW = datetime(2027, 3, 10, 2, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
Status = Notification.Status


def told(alert, **filters):
    rows = Notification.objects.for_alert(alert).filter(**filters)
    return sorted(rows.values_list("recipient__username", flat=True))


def test_it_e_mails_the_nurse_on_call_at_once(urgent, shift, people):
    alert = urgent()

    [notification] = Notification.objects.for_alert(alert)
    assert (notification.recipient, notification.level, notification.round) == (
        people.on_call,
        1,
        0,
    )
    assert notification.status == Status.SENT
    assert notification.sent_at == NOW and notification.attempts == 1
    [message] = mail.outbox
    assert message.to == ["nora@example.org"]
    assert (
        message.extra_headers["Message-ID"] == f"<notification-{notification.pk}@il2.example.org>"
    )


def test_with_no_one_on_call_it_tells_the_whole_care_team(urgent):
    alert = urgent()

    assert told(alert, level=1) == ["chidi", "ngozi", "nora"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "chidi@example.org",
        "ngozi@example.org",
        "nora@example.org",
    ]


def test_it_never_tells_the_patient(urgent, people, patient):
    patient.care_team.add(people.patient)  # by mistake

    alert = urgent()

    assert "peter" not in told(alert)
    assert all(m.to != ["peter@example.org"] for m in mail.outbox)


def test_someone_on_call_for_another_ward_is_not_told(urgent, people, now):
    put_on_call(people.consultant, make_ward(name="Ward 9"), starts_at=now - timedelta(hours=1))

    assert told(urgent(), level=1) == ["chidi", "ngozi", "nora"]


def test_a_cancelled_shift_is_ignored(urgent, shift, people):
    shift.cancelled_at, shift.cancelled_by = timezone.now(), people.clinician
    shift.cancel_reason = "Off sick"
    shift.save()

    assert told(urgent(), level=1) == ["chidi", "ngozi", "nora"]


def test_a_shift_that_has_ended_or_not_begun_is_ignored(urgent, people, ward, now):
    put_on_call(people.on_call, ward, starts_at=now - timedelta(hours=12))
    put_on_call(people.on_call, ward, starts_at=now + timedelta(minutes=1))

    assert told(urgent(), level=1) == ["chidi", "ngozi", "nora"]


def test_a_patient_without_a_ward_alerts_the_care_team(urgent, people, ward):
    patient = PatientFactory(care_team=[people.nurse])

    assert told(urgent(patient)) == ["ngozi"]


def test_someone_inactive_is_not_told(urgent, people):
    people.clinician.is_active = False
    people.clinician.save()

    assert told(urgent()) == ["ngozi", "nora"]


def test_someone_with_no_e_mail_address_is_recorded_as_failed_at_once(urgent, people):
    people.nurse.email = ""
    people.nurse.save()

    alert = urgent()

    failed = Notification.objects.for_alert(alert).get(recipient=people.nurse)
    assert failed.status == Status.FAILED and failed.attempts == 0
    assert failed.last_error == "no e-mail address" and failed.failed_at == NOW
    assert len(mail.outbox) == 2


def test_a_routine_alert_sends_nothing_at_once(routine):
    alert = routine()

    assert not Notification.objects.for_alert(alert).exists()
    assert mail.outbox == []


# Retries -----------------------------------------------------------------------------


def test_a_failed_send_is_retried_with_back_off_then_given_up(
    urgent, shift, failing_mail, clock, settings
):
    settings.ALERT_SEND_ATTEMPTS = 5
    alert = urgent()  # attempt 1, at once, fails
    notification = Notification.objects.for_alert(alert).get()

    waits = []
    for attempt in range(1, 5):
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (Status.QUEUED, attempt)
        assert notification.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        waits.append(notification.next_attempt_at - timezone.now())
        clock.move_to(notification.next_attempt_at - timedelta(seconds=1))
        delivery.send_due()  # not yet due
        notification.refresh_from_db()
        assert notification.attempts == attempt
        clock.move_to(notification.next_attempt_at)
        tasks.send_due_notifications.delay()

    notification.refresh_from_db()
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert (notification.status, notification.attempts) == (Status.FAILED, 5)
    assert notification.failed_at == timezone.now()
    assert Notification.objects.failed().count() == 1
    assert delivery.send_due() == 0


def test_the_task_never_raises_for_a_send_failure(patient, shift, people, failing_mail):
    alert = raise_alert(patient=None, trigger="drill", drill_recipient=people.nurse, text="Drill")
    notification = Notification.objects.for_alert(alert).get()

    assert tasks.send_notification.delay(notification.pk).get() == Status.QUEUED


def test_a_failure_then_a_success_is_sent(urgent, shift, failing_mail, settings, clock):
    alert = urgent()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.move_to(NOW + timedelta(minutes=1))

    assert delivery.send_due() == 1

    notification = Notification.objects.for_alert(alert).get()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1


# Once only ---------------------------------------------------------------------------


def test_sending_a_sent_notification_again_sends_nothing(urgent, shift):
    notification = Notification.objects.for_alert(urgent()).get()

    assert delivery.send(notification.pk) is None
    assert tasks.send_notification.delay(notification.pk).get() is None
    assert delivery.send_due() == 0
    assert len(mail.outbox) == 1


class SecondWorkerBackend:
    """A mail server slow enough that a second worker tries the same notification meanwhile."""

    second_try = []

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        pk = int(messages[0].extra_headers["Message-ID"].split("-")[1].split("@")[0])
        self.second_try.append(delivery.send(pk))
        mail.outbox.extend(messages)
        return len(messages)


def test_two_workers_sending_one_notification_send_it_once(patient, shift, people, settings):
    alert = raise_alert(patient=None, trigger="drill", drill_recipient=people.nurse, text="Drill")
    notification = Notification.objects.for_alert(alert).get()
    settings.EMAIL_BACKEND = f"{__name__}.SecondWorkerBackend"
    SecondWorkerBackend.second_try.clear()

    assert delivery.send(notification.pk) == Status.SENT

    assert SecondWorkerBackend.second_try == [None]
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_notification_a_dead_worker_held_is_sent_once_its_lease_runs_out(patient, people, clock):
    alert = raise_alert(patient=None, trigger="drill", drill_recipient=people.nurse, text="Drill")
    notification = Notification.objects.for_alert(alert).get()
    # The worker claimed it, then was killed before sending.
    assert delivery._claim(notification.pk)

    assert delivery.send_due() == 0
    clock.move_to(NOW + delivery.LEASE)
    assert delivery.send_due() == 1

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_an_alert_acknowledged_before_its_e_mail_went_cancels_it(
    patient, shift, people, raise_alert
):
    # Raised, but the worker has not run yet (on_commit callbacks not executed).
    alert = raise_alert(patient, people.nurse, grade=4, at=NOW)

    acknowledge_alert(alert, by=people.on_call)
    delivery.send_due()

    notification = Notification.objects.for_alert(alert).get()
    assert notification.status == Status.CANCELLED and notification.sent_at is None
    assert mail.outbox == []


def test_an_alert_acknowledged_after_the_worker_queued_it_is_not_sent(
    patient, shift, people, raise_alert
):
    alert = raise_alert(patient, people.nurse, grade=4, at=NOW)
    Alert.objects.filter(pk=alert.pk).update(acknowledged_by=people.nurse, acknowledged_at=NOW)
    notification = Notification.objects.for_alert(alert).get()

    assert delivery.send(notification.pk) == Status.CANCELLED
    assert mail.outbox == []


# What a message says -----------------------------------------------------------------


def test_a_message_says_only_the_severity_the_mrn_s_last_digits_when_and_a_link(
    urgent, shift, patient
):
    alert = urgent()

    [message] = mail.outbox
    assert message.subject == "[IL-2 tracker] Urgent alert · MRN …4211"
    assert "Raised: 02:00 GMT, 10 Mar 2027" in message.body
    assert f"https://il2.example.org/alerts/{alert.pk}/" in message.body
    assert "Open the link to see and acknowledge it" in message.body
    for secret in (patient.given_name, patient.family_name, patient.mrn, "MRN-00", alert.text):
        assert secret not in message.subject and secret not in message.body
    for word in ("hypotension", "grade", "blood pressure", "aldesleukin"):
        assert word not in message.subject.lower() and word not in message.body.lower()


def test_a_drill_goes_to_its_recipient_only_and_says_it_is_a_drill(
    patient, shift, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = raise_alert(
            patient=None,
            trigger="drill",
            severity="urgent",
            drill_recipient=people.consultant,
            text="Drill",
        )

    assert told(alert) == ["cora"]
    [message] = mail.outbox
    assert message.to == ["cora@example.org"]
    assert "DRILL — no patient, no action needed" in message.subject
    assert "DRILL — no patient, no action needed" in message.body


def test_the_first_notice_lists_each_recipient_once(urgent, people, ward, now):
    put_on_call(people.on_call, ward, starts_at=now - timedelta(hours=2), hours=3)
    put_on_call(people.on_call, ward, starts_at=now - timedelta(hours=1))
    other = make_user(Role.NURSE, email="second@example.org", username="second")

    put_on_call(other, ward, starts_at=now - timedelta(hours=1))

    assert told(urgent()) == ["nora", "second"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_send_it_once(people):
    # Each thread has its own database connection, as two workers would.
    alert = Alert.objects.create(trigger="drill", drill_recipient=people.nurse, text="Drill")
    notification = Notification.objects.create(alert=alert, recipient=people.nurse, level=1)
    start, outcomes = threading.Barrier(2), []

    def worker():
        try:
            start.wait()
            outcomes.append(delivery.send(notification.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str) == [None, Status.SENT]
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)


def test_a_broker_that_is_down_leaves_the_alert_saved_and_its_e_mail_for_the_sweep(
    urgent, shift, people, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_notification, "delay", broker_down)
    alert = urgent()

    [notification] = Notification.objects.for_alert(alert)
    assert notification.status == Status.QUEUED and mail.outbox == []
    assert "Connection refused" in caplog.text
    monkeypatch.undo()
    assert delivery.send_due(NOW) == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT

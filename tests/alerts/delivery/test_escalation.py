"""An alert nobody acknowledges goes to the next level, and again, until someone does."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role
from tracker.alerts import delivery, tasks
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import EscalationStep, Notification
from tracker.alerts.rules import raise_alert

NOW = datetime(2027, 3, 10, 2, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
MINUTES = timedelta(minutes=1)


def told(alert, **filters):
    rows = Notification.objects.for_alert(alert).filter(**filters)
    return sorted(rows.values_list("recipient__username", flat=True))


def at(clock, minutes, django_capture_on_commit_callbacks):
    """Run the escalation and the sweep as beat would, `minutes` after the alert."""
    clock.move_to(NOW + minutes * MINUTES)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.escalate.delay()
    tasks.send_due_notifications.delay()


def test_an_urgent_alert_goes_on_call_then_team_at_15_min_and_stops_when_acknowledged(
    urgent, shift, people, clock, django_capture_on_commit_callbacks
):
    alert = urgent()
    assert told(alert) == ["nora"]
    assert [m.to for m in mail.outbox] == [["nora@example.org"]]

    at(clock, 14, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    at(clock, 15, django_capture_on_commit_callbacks)
    assert told(alert, level=2, status="sent") == ["chidi", "ngozi", "nora"]
    assert sorted(m.to[0] for m in mail.outbox[1:]) == [
        "chidi@example.org",
        "ngozi@example.org",
        "nora@example.org",
    ]
    assert all("Escalated: not acknowledged after 15 min" in m.body for m in mail.outbox[1:])
    assert all(", escalated · MRN …4211" in m.subject for m in mail.outbox[1:])

    clock.move_to(NOW + 16 * MINUTES)
    acknowledge_alert(alert, by=people.nurse)
    for minutes in (30, 45, 120, 600):
        at(clock, minutes, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 4
    assert Notification.objects.for_alert(alert).count() == 4


def test_unacknowledged_it_reaches_the_consultant_at_30_min_and_again_every_15(
    urgent, shift, clock, django_capture_on_commit_callbacks
):
    alert = urgent()

    for minutes in (29, 30, 44, 45, 60):
        at(clock, minutes, django_capture_on_commit_callbacks)

    consultant = Notification.objects.for_alert(alert).filter(level=3)
    assert list(consultant.values_list("recipient__username", "round", "status")) == [
        ("cora", 0, "sent"),
        ("cora", 1, "sent"),
        ("cora", 2, "sent"),
    ]
    assert "not acknowledged after 1 h" in mail.outbox[-1].body


def test_the_repeats_stop_after_twelve(urgent, clock, django_capture_on_commit_callbacks):
    alert = urgent()

    at(clock, 30 + 15 * 14, django_capture_on_commit_callbacks)
    at(clock, 30 + 15 * 40, django_capture_on_commit_callbacks)

    rounds = Notification.objects.for_alert(alert).filter(level=3).values_list("round", flat=True)
    assert list(rounds) == [delivery.MAX_REPEATS]


def test_after_a_pause_only_the_latest_repeat_is_sent(
    urgent, clock, django_capture_on_commit_callbacks
):
    alert = urgent()

    at(clock, 75, django_capture_on_commit_callbacks)

    rounds = Notification.objects.for_alert(alert).filter(level=3).values_list("round", flat=True)
    assert list(rounds) == [3]


def test_with_no_consultant_named_the_care_team_s_clinicians_are_told(
    urgent, ward, clock, django_capture_on_commit_callbacks
):
    ward.consultant = None
    ward.save()
    alert = urgent()

    at(clock, 30, django_capture_on_commit_callbacks)

    assert told(alert, level=3) == ["chidi"]


def test_a_high_alert_escalates_on_its_own_times(
    urgent, shift, clock, django_capture_on_commit_callbacks
):
    alert = urgent(grade=4)
    alert.severity = "high"
    alert.save()

    at(clock, 59, django_capture_on_commit_callbacks)
    assert not Notification.objects.for_alert(alert).filter(level=2).exists()
    at(clock, 60, django_capture_on_commit_callbacks)
    assert told(alert, level=2) == ["chidi", "ngozi", "nora"]
    at(clock, 120, django_capture_on_commit_callbacks)
    assert told(alert, level=3) == ["cora"]


def test_the_escalation_times_are_data(urgent, shift, clock, django_capture_on_commit_callbacks):
    EscalationStep.objects.filter(severity="urgent", level=2).update(after=5 * MINUTES)
    alert = urgent()

    at(clock, 5, django_capture_on_commit_callbacks)

    assert told(alert, level=2) == ["chidi", "ngozi", "nora"]
    assert "not acknowledged after 5 min" in mail.outbox[-1].body


def test_escalating_twice_at_one_instant_makes_no_duplicates(urgent, clock):
    alert = urgent()
    clock.move_to(NOW + 15 * MINUTES)

    assert delivery.escalate() == 3
    assert delivery.escalate() == 0

    assert Notification.objects.for_alert(alert).filter(level=2).count() == 3


def test_a_second_escalation_racing_the_first_is_stopped_by_the_constraint(urgent, people):
    alert = urgent()
    row = {"alert": alert, "recipient": people.nurse, "level": 2, "round": 0}
    Notification.objects.create(**row)

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(**row)
    # What escalate() does: the second insert is skipped, not an error.
    Notification.objects.bulk_create([Notification(**row)], ignore_conflicts=True)
    assert Notification.objects.filter(**row).count() == 1


def test_a_drill_never_escalates(people, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert = raise_alert(
            patient=None,
            trigger="drill",
            severity="urgent",
            drill_recipient=people.nurse,
            text="Drill",
        )

    for minutes in (15, 30, 45, 600):
        at(clock, minutes, django_capture_on_commit_callbacks)

    assert told(alert) == ["ngozi"]
    assert len(mail.outbox) == 1


def test_escalation_reads_a_bounded_number_of_queries_however_many_alerts(
    urgent, people, ward, clock, django_assert_max_num_queries
):
    for n in range(30):
        clinician = make_user(Role.CLINICIAN, email=f"clinician{n}@example.org")
        patient = PatientFactory(ward=ward, care_team=[people.nurse, clinician])
        urgent(patient)
    clock.move_to(NOW + 45 * MINUTES)

    with django_assert_max_num_queries(10):
        queued = delivery.escalate()

    levels = Notification.objects.filter(queued_at=NOW + 45 * MINUTES).values_list(
        "level", flat=True
    )
    assert sorted(levels) == [2] * 60 + [3] * 30
    assert queued == 30 * 2 + 30

"""Routine alerts: one digest e-mail a day per person, at 08:00 on the ward's clock."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from tests.factories import PatientFactory
from tracker.alerts import delivery, tasks
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-09 10:00Z")]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def digests_at(clock, when: str) -> int:
    clock.move_to(utc(when))
    return tasks.send_digests.delay().get()


def test_the_care_team_gets_one_digest_at_08_00_and_no_more(routine, clock, patient):
    alert = routine()

    assert digests_at(clock, "2027-03-10 07:59") == 0
    assert digests_at(clock, "2027-03-10 08:00") == 3
    assert digests_at(clock, "2027-03-10 08:05") == 0
    assert digests_at(clock, "2027-03-11 08:00") == 0

    assert sorted(m.to[0] for m in mail.outbox) == [
        "chidi@example.org",
        "ngozi@example.org",
        "nora@example.org",
    ]
    rows = Notification.objects.for_alert(alert)
    assert set(rows.values_list("channel", "level", "status")) == {("digest", 0, "sent")}
    assert rows.count() == 3


def test_a_digest_counts_the_alerts_and_names_no_one(routine, clock, patient):
    routine()
    routine()

    digests_at(clock, "2027-03-10 08:00")

    message = mail.outbox[0]
    assert message.subject == "[IL-2 tracker] Daily digest · 2 routine alerts open"
    assert "2 routine alerts are still open" in message.body
    assert "https://il2.example.org/alerts/" in message.body
    for secret in (patient.given_name, patient.family_name, "4211", "TSH", "thyroid"):
        assert secret not in message.subject and secret not in message.body


def test_an_alert_acknowledged_before_the_digest_is_left_out(routine, clock, people):
    acknowledge_alert(routine(), by=people.nurse)

    assert digests_at(clock, "2027-03-10 08:00") == 0
    assert mail.outbox == []


def test_an_alert_raised_after_the_digest_goes_in_the_next_one(routine, clock):
    clock.move_to(utc("2027-03-10 08:30"))
    routine()

    assert digests_at(clock, "2027-03-10 09:00") == 0
    assert digests_at(clock, "2027-03-11 08:00") == 3


def test_the_digest_goes_at_08_00_on_the_ward_s_clock(routine, clock, ward):
    ward.time_zone = "America/New_York"
    ward.save()
    clock.move_to(utc("2027-03-09 14:00"))  # 09:00 EST, after that day's digest
    routine()

    assert digests_at(clock, "2027-03-10 08:00") == 0
    assert digests_at(clock, "2027-03-10 12:59") == 0
    assert digests_at(clock, "2027-03-10 13:00") == 3  # 08:00 EST


def test_a_patient_with_no_ward_is_on_the_clinic_s_clock(routine, people, clock, settings):
    settings.CLINIC_TIME_ZONE = "Europe/Paris"
    routine(PatientFactory(care_team=[people.nurse]))

    assert digests_at(clock, "2027-03-10 06:59") == 0
    assert digests_at(clock, "2027-03-10 07:00") == 1  # 08:00 CET


@pytest.mark.now("2027-03-27 07:30Z")
def test_the_digest_keeps_to_08_00_across_the_change_to_summer_time(routine, clock):
    # London's clocks go forward at 01:00 GMT on Sunday 28 March 2027: that day's
    # digest covers 23 hours, from 08:00 GMT to 08:00 BST.
    before_saturday_s = routine()
    clock.move_to(utc("2027-03-27 12:00"))
    saturday_s = routine()
    clock.move_to(utc("2027-03-28 07:30"))  # 08:30 BST, after Sunday's digest
    sunday_s = routine()

    assert digests_at(clock, "2027-03-27 08:00") == 3
    assert Notification.objects.for_alert(before_saturday_s).count() == 3
    assert digests_at(clock, "2027-03-28 06:59") == 0
    assert digests_at(clock, "2027-03-28 07:00") == 3  # 08:00 BST
    assert Notification.objects.for_alert(saturday_s).count() == 3
    assert digests_at(clock, "2027-03-29 06:59") == 0
    assert digests_at(clock, "2027-03-29 07:00") == 3
    assert Notification.objects.for_alert(sunday_s).count() == 3
    assert len(mail.outbox) == 9


def test_a_digest_that_fails_is_retried_by_the_sweep(routine, clock, failing_mail, settings):
    alert = routine()

    assert digests_at(clock, "2027-03-10 08:00") == 0
    rows = Notification.objects.for_alert(alert)
    assert set(rows.values_list("status", "attempts")) == {("queued", 1)}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.move_to(utc("2027-03-10 08:01"))
    assert delivery.send_due() == 3
    assert set(rows.values_list("status", "attempts")) == {("sent", 2)}
    assert len(mail.outbox) == 3


def test_urgent_and_high_alerts_are_not_in_the_digest(urgent, clock):
    urgent()
    mail.outbox.clear()

    assert digests_at(clock, "2027-03-10 08:00") == 0
    assert not Notification.objects.filter(channel="digest").exists()


def test_the_digest_window_is_a_local_day(clock):
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    start, end = delivery.digest_window(london, utc("2027-03-28 09:00"))

    assert (start, end) == (utc("2027-03-27 08:00"), utc("2027-03-28 07:00"))
    assert end - start == timedelta(hours=23)

"""manage.py alert_drill, with tasks run in this process (tests/workers runs it on Redis)."""

import json
from io import StringIO
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import make_user
from tracker.accounts.roles import Role
from tracker.alerts.drill import raise_drill, without_password
from tracker.alerts.models import Alert, Notification


class HangingUpBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def nurse(db):
    return make_user(Role.NURSE, username="nurse", email="nurse@example.org")


def drill(*args):
    out = StringIO()
    call_command("alert_drill", *args, stdout=out)
    return json.loads(out.getvalue())


# The task is queued when the drill's transaction commits, which a test's own
# transaction would never do.
@pytest.mark.django_db(transaction=True)
def test_it_sends_a_drill_to_the_person_named_and_reports_it_delivered(nurse):
    report = drill("--to", "nurse")

    alert = Alert.objects.get()
    notification = Notification.objects.get()
    assert report == {
        "delivered": True,
        "seconds": report["seconds"],
        "alert": alert.pk,
        "notification": notification.pk,
        "recipient": "nurse",
        "broker": "memory://",
    }
    assert 0 <= report["seconds"] < 5
    assert (alert.trigger, alert.severity, alert.patient, alert.drill_recipient) == (
        "drill",
        "urgent",
        None,
        nurse,
    )
    assert alert.text == "Drill: test of the alert chain"
    assert (notification.recipient, notification.level, notification.status) == (nurse, 1, "sent")
    assert [m.to for m in mail.outbox] == [["nurse@example.org"]]


def test_a_drill_is_in_no_list_and_no_count(nurse, personas):
    raise_drill(nurse)

    assert Alert.objects.drills().count() == 1
    assert not Alert.objects.real().exists()
    for user in (nurse, personas.nurse_on_team, personas.clinician_on_team, personas.admin):
        assert not Alert.objects.visible_to(user).exists()


@pytest.mark.django_db(transaction=True)
def test_it_exits_1_with_the_status_and_error_when_not_delivered_in_time(nurse, settings):
    settings.EMAIL_BACKEND = "tests.alerts.test_drill.HangingUpBackend"
    out = StringIO()

    with pytest.raises(CommandError, match=r"not delivered within 0\.5 s") as raised:
        call_command("alert_drill", "--to", "nurse", "--wait", "0.5", stdout=out)

    assert raised.value.returncode == 1
    report = json.loads(out.getvalue())
    assert report["delivered"] is False and report["seconds"] is None
    # Queued again with back-off: the sweep will try again.
    assert report["status"] == "queued"
    assert report["last_error"] == "SMTPServerDisconnected: Connection unexpectedly closed"


@pytest.mark.parametrize(
    ("username", "message"),
    [("nobody", "No user called nobody."), ("no-mail", "no-mail has no e-mail address.")],
)
def test_it_refuses_a_user_it_cannot_drill_and_writes_nothing(db, username, message):
    make_user(Role.NURSE, username="no-mail", email="")

    with pytest.raises(CommandError, match=message) as raised:
        call_command("alert_drill", "--to", username, stdout=StringIO())

    assert raised.value.returncode == 2
    assert not Alert.objects.exists()
    assert not Notification.objects.exists()


def test_it_refuses_a_wait_of_nothing(nurse):
    with pytest.raises(CommandError, match="more than 0 seconds") as raised:
        call_command("alert_drill", "--to", "nurse", "--wait", "0", stdout=StringIO())

    assert raised.value.returncode == 2
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("url", "printed"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:s3cret@redis.internal:6379/0", "redis://:***@redis.internal:6379/0"),
        ("redis://alerts:s3cret@redis.internal/2", "redis://alerts:***@redis.internal/2"),
        ("filesystem://", "filesystem://"),
    ],
)
def test_it_prints_the_broker_without_its_password(url, printed):
    assert without_password(url) == printed

"""manage.py alert_drill through the whole chain: Redis, a real worker, SMTP."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories import make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import Notification
from tracker.lib.mail import message_id

pytestmark = pytest.mark.workers


def test_the_drill_is_delivered_by_a_real_worker_and_reports_its_latency(
    start_workers, mail_sink, broker_url, record_property
):
    make_user(Role.NURSE, username="nurse", email="nurse@example.org")
    workers = start_workers(1)

    # As operations run it: its own process, configured by the environment.
    finished = subprocess.run(
        [sys.executable, "manage.py", "alert_drill", "--to", "nurse", "--wait", "30"],
        cwd=settings.BASE_DIR,
        env=workers.env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    print(finished.stdout)  # the latency, in the test's output
    record_property("alert_drill", finished.stdout.strip())
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    notification = Notification.objects.get()
    assert report == {
        "delivered": True,
        "seconds": report["seconds"],
        "alert": notification.alert_id,
        "notification": notification.pk,
        "recipient": "nurse",
        "broker": broker_url,
    }
    assert 0 < report["seconds"] < 30
    assert notification.status == "sent"
    assert mail_sink.message_ids() == [message_id("notification", notification.pk)]
    assert mail_sink.messages[0]["To"] == "nurse@example.org"


def test_the_drill_reports_a_chain_with_no_worker_as_not_delivered(start_workers):
    make_user(Role.NURSE, username="nurse", email="nurse@example.org")
    workers = start_workers(1)
    workers.stop()

    finished = subprocess.run(
        [sys.executable, "manage.py", "alert_drill", "--to", "nurse", "--wait", "2"],
        cwd=settings.BASE_DIR,
        env=workers.env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 1
    report = json.loads(finished.stdout)
    assert (report["delivered"], report["status"], report["last_error"]) == (False, "queued", "")
    assert "not delivered within 2 s" in finished.stderr

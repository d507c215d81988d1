"""Two care-team members replying at the same instant to a report with one place left:
one message is saved, the other is told to call.

The report's row lock makes one of them first.  Threads need their own connections to
one database, so this runs on PostgreSQL.
"""

import threading

import pytest
from django.db import connection

from tracker.symptoms.models import (
    MESSAGES_PER_ALERT,
    MESSAGES_PER_REPORT,
    ProSymptom,
    ReportMessage,
)
from tracker.symptoms.replies import MessageRefused, send_alert_message, send_reply
from tracker.symptoms.reporting import report_symptom

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has one writer at a time",
    ),
    pytest.mark.django_db(transaction=True),
]


class Replier(threading.Thread):
    def __init__(self, start, report, by, send=send_reply):
        super().__init__(daemon=True)
        self.start_line, self.report, self.by, self.send = start, report, by, send
        self.sent, self.refused, self.error = False, None, None

    def run(self):
        try:
            self.start_line.wait(timeout=30)
            self.send(self.report, by=self.by, body="Please call us.")
            self.sent = True
        except MessageRefused as refusal:
            self.refused = refusal.message
        except Exception as error:
            self.error = error
        finally:
            connection.close()


def test_two_replies_at_once_never_pass_the_limit(personas, shipped_data):
    report = report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="nausea"),
        by=personas.the_patient,
        answers={"frequency": 2, "severity": 1},
    )
    for _ in range(MESSAGES_PER_REPORT - 1):
        send_reply(report, by=personas.nurse_on_team, body="Earlier message")
    start = threading.Barrier(2)
    repliers = [
        Replier(start, report, by) for by in (personas.nurse_on_team, personas.clinician_on_team)
    ]
    for replier in repliers:
        replier.start()
    for replier in repliers:
        replier.join(timeout=60)

    assert [replier.error for replier in repliers] == [None, None]
    assert sorted(replier.sent for replier in repliers) == [False, True]
    assert any("This is not a chat" in (replier.refused or "") for replier in repliers)
    assert ReportMessage.objects.filter(report=report).count() == MESSAGES_PER_REPORT


def test_two_messages_about_an_alert_at_once_never_pass_the_limit(
    personas, shipped_data, raise_alert
):
    from django.utils import timezone

    alert = raise_alert(personas.patient, personas.nurse_on_team, at=timezone.now())
    for _ in range(MESSAGES_PER_ALERT - 1):
        send_alert_message(alert, by=personas.nurse_on_team, body="Earlier message")
    start = threading.Barrier(2)
    senders = [
        Replier(start, alert, by, send=send_alert_message)
        for by in (personas.nurse_on_team, personas.clinician_on_team)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)

    assert [sender.error for sender in senders] == [None, None]
    assert sorted(sender.sent for sender in senders) == [False, True]
    assert any("the most it takes" in (sender.refused or "") for sender in senders)
    assert ReportMessage.objects.filter(alert=alert).count() == MESSAGES_PER_ALERT

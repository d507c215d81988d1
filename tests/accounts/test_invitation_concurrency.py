"""Two tabs posting the same invitation at the same moment: one sets the password.

The conditional UPDATE that marks the invitation used lets one request through; the
other gets the "link has expired or was already used" page and writes nothing.
Threads need their own connections to one database, so this runs on PostgreSQL.
"""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from tests.factories import PatientFactory, make_user
from tracker.accounts.models import Invitation
from tracker.accounts.roles import Role
from tracker.patients.invitations import create_invitation

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has one writer at a time",
    ),
    # Committed data, so the threads' own connections can see it.
    pytest.mark.django_db(transaction=True),
]


class Tab(threading.Thread):
    def __init__(self, start_line, token, password):
        super().__init__(daemon=True)
        self.start_line, self.token, self.password = start_line, token, password
        self.status, self.error = None, None

    def run(self):
        try:
            client = Client()
            self.start_line.wait(timeout=30)
            response = client.post(
                f"/invitation/{self.token}/",
                {"new_password1": self.password, "new_password2": self.password},
            )
            self.status = response.status_code
        except Exception as error:
            self.error = error
        finally:
            connection.close()


def test_two_tabs_at_once_set_the_password_once():
    # Earlier transactional tests flush the role groups the migrations made.
    Group.objects.get_or_create(name=Role.PATIENT)
    clinician = make_user(Role.CLINICIAN)
    patient = PatientFactory(care_team=[clinician])
    for _ in range(5):  # several rounds: a race lost once by luck proves little
        sent = create_invitation(patient, email="jo@example.org", by=clinician)
        start = threading.Barrier(2)
        tabs = [Tab(start, sent.token, f"harbour-lantern-{n}-plum") for n in (1, 2)]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join(timeout=60)
        assert [tab.error for tab in tabs] == [None, None]
        assert sorted(tab.status for tab in tabs) == [302, 410]
        winner = next(tab for tab in tabs if tab.status == 302)
        user = sent.invitation.user
        user.refresh_from_db()
        assert user.check_password(winner.password)
        assert Invitation.objects.get(pk=sent.invitation.pk).used_at is not None
        # The next round invites again: the login is made passwordless as if never accepted.
        user.set_unusable_password()
        user.save()

"""Two "create a feed" requests for one patient at the same moment: one link, no 500.

Each feed operation locks the patient's row first, so the second request waits for
the first, then finds its live link and says so.  Without the lock both would find
none and the second insert would break the one-live-feed constraint (a 500): the
delay below holds that window open, so the test fails if the lock goes.
Threads need their own connections to one database, so this runs on PostgreSQL.
"""

import threading
import time
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from regimens import feeds
from regimens.models import CalendarFeed
from tests.factories import PatientFactory, make_user
from tracker.accounts.roles import Role

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks and one writer at a time",
    ),
    # Committed data, so the threads' own connections can see it.
    pytest.mark.django_db(transaction=True),
]


class Tab(threading.Thread):
    def __init__(self, start_line, client, url):
        super().__init__(daemon=True)
        self.start_line, self.client, self.url = start_line, client, url
        self.status, self.error = None, None

    def run(self):
        try:
            self.start_line.wait(timeout=30)
            self.status = self.client.post(self.url, {"action": "create"}).status_code
        except Exception as error:
            self.error = error
        finally:
            connection.close()


def slow_live(patient):
    # Between "is there a live link?" and the insert: where two requests would cross.
    found = real_live(patient)
    time.sleep(0.3)
    return found


real_live = feeds._live


def test_two_creates_at_once_make_one_link_and_no_error():
    # Earlier transactional tests flush the role groups the migrations made.
    Group.objects.get_or_create(name=Role.PATIENT)
    user = make_user(Role.PATIENT)
    patient = PatientFactory(user=user)
    url = f"/patients/{patient.pk}/feed/"
    clients = [Client(raise_request_exception=False) for _ in range(2)]
    for client in clients:
        client.force_login(user)  # two tabs of one sign-in

    with mock.patch.object(feeds, "_live", slow_live):
        for _ in range(3):  # several rounds: a race won once by luck proves little
            start = threading.Barrier(2)
            tabs = [Tab(start, client, url) for client in clients]
            for tab in tabs:
                tab.start()
            for tab in tabs:
                tab.join(timeout=60)
            assert [tab.error for tab in tabs] == [None, None]
            # One shows the new link; the other says one exists and shows the page.
            assert sorted(tab.status for tab in tabs) == [200, 302]
            assert CalendarFeed.objects.active().filter(patient=patient).count() == 1
            feeds.revoke_feed(patient, by=user)
    assert CalendarFeed.objects.filter(patient=patient).count() == 3

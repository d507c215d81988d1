"""Issuing, revoking and replacing a patient's calendar subscription link."""

import pytest

from regimens.feeds import issue_feed, replace_feed, revoke_feed
from regimens.models import CalendarFeed

pytestmark = pytest.mark.django_db


def test_issuing_twice_keeps_the_one_live_link(personas):
    feed, issued = issue_feed(personas.patient, by=personas.clinician_on_team)
    again, issued_again = issue_feed(personas.patient, by=personas.clinician_on_team)
    assert (issued, issued_again) == (True, False)
    assert again == feed
    assert CalendarFeed.objects.active().count() == 1


def test_revoking_says_who_and_why_in_history(personas):
    feed, _ = issue_feed(personas.patient, by=personas.the_patient)
    assert revoke_feed(personas.patient, by=personas.nurse_on_team) is True
    feed.refresh_from_db()
    assert feed.revoked_by == personas.nurse_on_team
    latest = feed.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        personas.nurse_on_team,
        "Subscription link revoked",
    )
    assert revoke_feed(personas.patient, by=personas.nurse_on_team) is False


def test_replacing_revokes_the_old_link_and_issues_a_new_one(personas):
    old, _ = issue_feed(personas.patient, by=personas.clinician_on_team)
    new = replace_feed(personas.patient, by=personas.clinician_on_team)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.token != old.token
    assert list(CalendarFeed.objects.active()) == [new]

"""Issuing, revoking and replacing a patient's calendar subscription link."""

import pytest

from regimens.feeds import choose_titles, issue_feed, replace_feed, revoke_feed
from regimens.models import CalendarChoice, CalendarFeed, hash_feed_token

pytestmark = pytest.mark.django_db


def test_issuing_twice_keeps_the_one_live_link(personas):
    issued = issue_feed(personas.patient, by=personas.clinician_on_team)
    assert issued is not None
    assert issue_feed(personas.patient, by=personas.clinician_on_team) is None
    assert list(CalendarFeed.objects.active()) == [issued.feed]


def test_only_the_hash_of_the_token_is_stored(personas):
    issued = issue_feed(personas.patient, by=personas.the_patient)
    stored = CalendarFeed.objects.get()
    assert stored.token_hash == hash_feed_token(issued.token) != issued.token
    assert len(issued.token) == 43
    assert CalendarFeed.objects.with_token(issued.token).get() == stored
    assert not CalendarFeed.objects.with_token(stored.token_hash).exists()


def test_no_history_row_holds_the_token_or_its_hash(personas):
    issued = issue_feed(personas.patient, by=personas.the_patient)
    revoke_feed(personas.patient, by=personas.the_patient)
    rows = list(CalendarFeed.history.values())
    assert len(rows) == 2
    for row in rows:
        assert "token" not in row and "token_hash" not in row
        assert issued.token not in str(row)
        assert issued.feed.token_hash not in str(row)


def test_revoking_says_who_and_why_in_history(personas):
    feed = issue_feed(personas.patient, by=personas.the_patient).feed
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
    old = issue_feed(personas.patient, by=personas.clinician_on_team)
    new = replace_feed(personas.patient, by=personas.clinician_on_team)
    old.feed.refresh_from_db()
    assert old.feed.revoked_at is not None
    assert new.token != old.token
    assert list(CalendarFeed.objects.active()) == [new.feed]
    assert not CalendarFeed.objects.active().with_token(old.token).exists()


@pytest.mark.parametrize(
    "token",
    ["", "short", "a" * 65, "a" * 42 + "\x00", "a" * 42 + "é", "../" + "a" * 40, "a b" * 15],
)
def test_a_token_of_another_shape_finds_nothing_without_asking_the_database(
    personas, token, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert list(CalendarFeed.objects.with_token(token)) == []


def test_choosing_neutral_titles_is_kept_with_who_chose(personas):
    assert choose_titles(personas.patient, neutral=False, by=personas.the_patient) is False
    assert not CalendarChoice.objects.exists()
    assert choose_titles(personas.patient, neutral=True, by=personas.the_patient) is True
    assert choose_titles(personas.patient, neutral=True, by=personas.the_patient) is False
    assert choose_titles(personas.patient, neutral=False, by=personas.nurse_on_team) is True
    choice = CalendarChoice.objects.get()
    assert (choice.neutral_titles, choice.changed_by) == (False, personas.nurse_on_team)
    assert [row.history_change_reason for row in choice.history.order_by("history_id")] == [
        "Neutral calendar titles chosen",
        "Calendar titles name the drug",
    ]

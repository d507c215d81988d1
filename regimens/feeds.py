"""Issuing and revoking a patient's calendar subscription link, and choosing its titles.

Each operation first locks the patient's row, so two clicks at once (two tabs, a
double submit) take turns: the second sees the link the first made instead of
tripping the database's one-live-feed-per-patient constraint.  Each says what it
did, so the page can say what happened.

Only the hash of a link's token is stored.  The token itself exists once, in the
IssuedFeed an operation returns, for the page that shows the new URL.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from regimens.models import CalendarChoice, CalendarFeed, hash_feed_token, new_feed_token
from tracker.lib.history import save_with_history
from tracker.patients.models import Patient


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeed
    token: str  # the only copy: the database keeps its hash


def _lock_patient(patient) -> None:
    # PostgreSQL: a row lock held to the end of the transaction.  SQLite has none, but
    # its transactions begin IMMEDIATE (tracker/settings.py): one writer at a time.
    Patient.objects.select_for_update().filter(pk=patient.pk).exists()


def _live(patient) -> CalendarFeed | None:
    return CalendarFeed.objects.active().filter(patient=patient).first()


def _issue(patient, by) -> IssuedFeed:
    token = new_feed_token()
    feed = CalendarFeed(patient=patient, created_by=by, token_hash=hash_feed_token(token))
    save_with_history(feed, by=by, reason="Subscription link created")
    return IssuedFeed(feed, token)


def _revoke(feed: CalendarFeed, by) -> None:
    feed.revoked_at, feed.revoked_by = timezone.now(), by
    save_with_history(
        feed, by=by, reason="Subscription link revoked", update_fields=["revoked_at", "revoked_by"]
    )


@transaction.atomic
def issue_feed(patient, *, by) -> IssuedFeed | None:
    """A new link, unless the patient has a live one: then None, and the live one stays."""
    _lock_patient(patient)
    if _live(patient):
        return None
    return _issue(patient, by)


@transaction.atomic
def revoke_feed(patient, *, by) -> bool:
    """Revoke the patient's live link; calendars using it stop updating.  False if none."""
    _lock_patient(patient)
    feed = _live(patient)
    if feed is None:
        return False
    _revoke(feed, by)
    return True


@transaction.atomic
def replace_feed(patient, *, by) -> IssuedFeed:
    """A new link in place of the live one (if any), which stops working at once."""
    _lock_patient(patient)
    feed = _live(patient)
    if feed:
        _revoke(feed, by)
    return _issue(patient, by)


@transaction.atomic
def choose_titles(patient, *, neutral: bool, by) -> bool:
    """Set whether the patient's calendar events have neutral titles.  False if unchanged."""
    _lock_patient(patient)
    choice = CalendarChoice.objects.filter(patient=patient).first()
    if choice is None:
        if not neutral:
            return False  # already the default
        choice = CalendarChoice(patient=patient)
    elif choice.neutral_titles == neutral:
        return False
    choice.neutral_titles, choice.changed_by, choice.changed_at = neutral, by, timezone.now()
    reason = "Neutral calendar titles chosen" if neutral else "Calendar titles name the drug"
    save_with_history(choice, by=by, reason=reason)
    return True

"""Issuing and revoking a patient's calendar subscription link.

Each operation locks the live feed, if there is one, so two clicks at once cannot
both issue a link; the database keeps at most one live feed per patient anyway.
Each returns the live feed afterwards (None if there is none) and whether it
changed anything, so the page can say what happened.
"""

from django.db import transaction
from django.utils import timezone

from regimens.models import CalendarFeed
from tracker.lib.history import save_with_history


def _live(patient) -> CalendarFeed | None:
    return CalendarFeed.objects.active().select_for_update().filter(patient=patient).first()


def _issue(patient, by) -> CalendarFeed:
    feed = CalendarFeed(patient=patient, created_by=by)
    save_with_history(feed, by=by, reason="Subscription link created")
    return feed


def _revoke(feed: CalendarFeed, by) -> None:
    feed.revoked_at, feed.revoked_by = timezone.now(), by
    save_with_history(
        feed, by=by, reason="Subscription link revoked", update_fields=["revoked_at", "revoked_by"]
    )


@transaction.atomic
def issue_feed(patient, *, by) -> tuple[CalendarFeed, bool]:
    """The patient's live link, issued now unless one exists: (feed, issued)."""
    feed = _live(patient)
    if feed:
        return feed, False
    return _issue(patient, by), True


@transaction.atomic
def revoke_feed(patient, *, by) -> bool:
    """Revoke the patient's live link; calendars using it stop updating.  False if none."""
    feed = _live(patient)
    if feed is None:
        return False
    _revoke(feed, by)
    return True


@transaction.atomic
def replace_feed(patient, *, by) -> CalendarFeed:
    """A new link in place of the live one (if any), which stops working at once."""
    feed = _live(patient)
    if feed:
        _revoke(feed, by)
    return _issue(patient, by)

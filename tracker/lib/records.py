"""What every clinical record shares: refusals with a message, and "entered in error".

A wrong record is never edited or deleted: it is kept, marked entered in error
with a reason, and the mark is a history row with the user who made it.
"""

from tracker.lib.forms import REASON_LENGTH

ENTERED_IN_ERROR = "entered_in_error"


class Refused(Exception):
    """An operation on a clinical record was refused; the message is for the user.

    `field` names the form field the refusal is about, when there is one, so a view
    can show it beside that field (`refused_on_form`); otherwise it heads the form.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def refused_on_form(form, refusal: Refused) -> None:
    """Put an operation's refusal on the form the user filled in."""
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


def mark_in_error(
    entry,
    *,
    by,
    reason: str,
    refused=Refused,
    already: str = "This is already marked as entered in error.",
    change_reason: str = "Entered in error",
    also: dict | None = None,
    update_entry: bool = True,
):
    """Mark `entry` entered in error under a row lock; return the locked row.

    The caller's `entry` gets the new state too, unless `update_entry` is False: an
    operation that may still fail after this (a correction's new record) keeps its
    copy as the database will have it if the transaction rolls back.

    The lock means two people marking it at once write one history row, and the
    second is told it is already done.  `also` sets further fields at the same time.
    Alerts the entry raised stay open: an alert is closed by a person, not by data.
    """
    reason = reason.strip()
    if not reason:
        raise refused("Say why it is wrong.")
    # Refused rather than cut short: the reason is part of the record.
    if len(reason) > REASON_LENGTH:
        raise refused(f"Keep the reason to {REASON_LENGTH} characters or fewer.")
    locked = type(entry).objects.select_for_update().get(pk=entry.pk)
    if locked.state == ENTERED_IN_ERROR:
        raise refused(already)
    changes = {"state": ENTERED_IN_ERROR, "error_reason": reason, **(also or {})}
    for field, value in changes.items():
        setattr(locked, field, value)
        if update_entry:
            setattr(entry, field, value)
    locked._change_reason, locked._history_user = f"{change_reason}: {reason}", by
    locked.save(update_fields=list(changes))
    return locked

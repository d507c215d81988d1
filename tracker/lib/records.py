"""What every clinical record shares: refusals with a message, and "entered in error".

A wrong record is never edited or deleted: it is kept, marked entered in error
with a reason, and the mark is a history row with the user who made it.
"""

from typing import Self

from django.db import models

from tracker.lib.forms import REASON_LENGTH
from tracker.lib.history import save_with_history


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


class ClinicalEntryQuerySet(models.QuerySet):
    def active(self):
        """The entries that count: not entered in error."""
        return self.filter(state=ClinicalEntry.State.ACTIVE)


class ClinicalEntry(models.Model):
    """A clinical record that is marked entered in error, with a reason, instead of deleted.

    A subclass names its own kind of entry in what marking it says: `already_in_error`
    is the refusal (and the notice on its page) once it is marked, `in_error_history`
    heads the reason in its history row.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"

    state = models.CharField(max_length=16, choices=State, default=State.ACTIVE)
    error_reason = models.CharField(max_length=REASON_LENGTH, blank=True)

    already_in_error = "This is already marked as entered in error."
    in_error_history = "Entered in error"

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="active") | ~models.Q(error_reason=""),
                name="%(app_label)s_%(class)s_error_has_reason",
                violation_error_message="Say why the record was entered in error.",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    def mark_in_error(
        self, *, by, reason: str, refused: type[Refused] = Refused, also: dict | None = None
    ) -> Self:
        """Mark this entry entered in error under a row lock; return the locked row.

        This instance gets the new state too.  The lock means two people marking it
        at once write one history row, and the second is told it is already done
        (`refused` is the operation's refusal type).  `also` sets further fields at
        the same time.  Alerts the entry raised stay open: an alert is closed by a
        person, not by data.
        """
        reason = reason.strip()
        if not reason:
            raise refused("Say why it is wrong.")
        # Refused rather than cut short: the reason is part of the record.
        if len(reason) > REASON_LENGTH:
            raise refused(f"Keep the reason to {REASON_LENGTH} characters or fewer.")
        locked = type(self)._default_manager.select_for_update().get(pk=self.pk)
        if not locked.is_active:
            raise refused(self.already_in_error)
        changes = {"state": self.State.ENTERED_IN_ERROR, "error_reason": reason, **(also or {})}
        for field, value in changes.items():
            setattr(locked, field, value)
            setattr(self, field, value)
        save_with_history(
            locked,
            by=by,
            reason=f"{self.in_error_history}: {reason}",
            update_fields=list(changes),
        )
        return locked

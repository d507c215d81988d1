"""Accepting an invitation: the patient sets a password through the e-mailed link, once.

Making an invitation needs the patient's record, so it lives above, in
tracker.patients.invitations.
"""

from django.db import transaction

from tracker.accounts.models import Invitation
from tracker.lib.history import save_with_history


class InvitationGone(Exception):
    """The link was used, replaced or expired between showing the form and sending it."""


def usable_invitation(token: str, now) -> Invitation | None:
    """The invitation behind a link that still works, or None, whatever the reason.

    A login switched off since the invitation was sent cannot be signed in to, so its
    link no longer works either.
    """
    return (
        Invitation.objects.with_token(token)
        .usable(now)
        .filter(user__is_active=True)
        .select_related("user")
        .first()
    )


@transaction.atomic
def accept_invitation(invitation: Invitation, password_form, now):
    """Mark the invitation used and set the password (`password_form`, a valid SetPasswordForm).

    The conditional UPDATE is the claim: of two tabs posting at once only one finds
    the row still usable, and the other raises InvitationGone with nothing written.
    """
    claimed = Invitation.objects.filter(pk=invitation.pk).usable(now).update(used_at=now)
    if not claimed:
        raise InvitationGone
    invitation.used_at = now
    # The claim above bypassed the history; this writes the same value with its row.
    save_with_history(
        invitation, by=invitation.user, reason="Password set", update_fields=["used_at"]
    )
    return password_form.save()

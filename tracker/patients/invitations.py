"""Giving a patient a login: an invitation e-mail whose link lets them set a password.

The login is made (or reused) and the invitation written in one transaction, with
history rows; the e-mail goes after the transaction, with the one copy of the token.
Accepting the link is tracker.accounts.invitations: it needs no patient.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tracker.accounts.models import Invitation, hash_invitation_token, new_invitation_token
from tracker.accounts.roles import Role
from tracker.lib.history import save_with_history
from tracker.lib.mail import absolute_url, message_id, send_message
from tracker.lib.records import Refused
from tracker.patients.models import Patient

# Long enough to reach a patient who reads e-mail once a weekend; short enough that
# a forgotten link in an old inbox soon stops working.
INVITATION_LIFETIME = timedelta(hours=72)

SUBJECT = "Set up your sign-in from your care team"


class InvitationRefused(Refused):
    pass


@dataclass
class SentInvitation:
    invitation: Invitation
    token: str  # the only copy: the database keeps its hash


def login_state(patient: Patient) -> tuple[str, Invitation | None]:
    """ "none", "active" (has a password), "invited" (a link that still works) or "lapsed".

    With the latest invitation, for the patient page.  Two queries at most.
    """
    if not patient.user_id:
        return "none", None
    user = patient.user
    if user.has_usable_password():
        return "active", None
    latest = Invitation.objects.filter(user=user).first()
    if latest is not None and latest.is_usable(timezone.now()):
        return "invited", latest
    return "lapsed", latest


def invite_patient(patient: Patient, *, email: str, by, now: datetime | None = None):
    """Invite `patient` to set a password, and e-mail them the link.

    Raises InvitationRefused (nothing written) when the patient's login already has a
    password, is switched off, or the address belongs to someone else.  A failure to
    send the e-mail is raised after the invitation is saved: sending again replaces it.
    """
    sent = create_invitation(patient, email=email, by=by, now=now)
    send_invitation(sent, patient)
    return sent


@transaction.atomic
def create_invitation(patient: Patient, *, email: str, by, now: datetime | None = None):
    now = now or timezone.now()
    email = get_user_model().objects.normalize_email(email.strip())
    # Read the patient again under a lock, so two clinicians inviting at once make one login.
    Patient.objects.select_for_update().filter(pk=patient.pk).exists()
    patient.refresh_from_db(fields=["user"])
    user = patient.user
    if user is not None and user.has_usable_password():
        raise InvitationRefused(
            f"{patient.full_name} already has a login. If they have forgotten their "
            "password, they can choose “Forgot your password?” on the sign-in page.",
        )
    if user is not None and not user.is_active:
        raise InvitationRefused(
            f"{patient.full_name}'s login is switched off. Ask an admin to switch it on first."
        )
    _refuse_an_address_in_use(email, user)
    if user is None:
        user = _new_patient_login(email)
        patient.user = user
        save_with_history(
            patient, by=by, reason="Login made to invite the patient", update_fields=["user"]
        )
    elif user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    for earlier in Invitation.objects.filter(user=user).usable(now).select_for_update():
        earlier.revoked_at = now
        save_with_history(
            earlier, by=by, reason="Replaced by a new invitation", update_fields=["revoked_at"]
        )
    token = new_invitation_token()
    invitation = Invitation(
        user=user,
        email=email,
        token_hash=hash_invitation_token(token),
        created_at=now,
        created_by=by,
        expires_at=now + INVITATION_LIFETIME,
    )
    save_with_history(invitation, by=by, reason="Invitation sent")
    return SentInvitation(invitation, token)


def _refuse_an_address_in_use(email: str, user) -> None:
    others = get_user_model().objects.filter(email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise InvitationRefused(
            "This e-mail address belongs to another login. Check it with the patient, "
            "or ask an admin which login uses it.",
            field="email",
        )


def _new_patient_login(email: str):
    """A login with no password yet: the patient signs in with their e-mail address.

    Taken or too long for a username, the address gives way to a random one; the
    e-mail and the page that sets the password both say which.
    """
    User = get_user_model()
    username = email.lower()
    while len(username) > 150 or User.objects.filter(username__iexact=username).exists():
        username = f"patient-{secrets.token_hex(4)}"
    # No password given: create_user stores an unusable one until the link is used.
    return User.objects.create_with_role(username, Role.PATIENT, email=email)


def invitation_email(sent: SentInvitation, patient: Patient) -> tuple[str, str]:
    """Subject and body.  Read on lock screens: no name, drug or diagnosis."""
    invitation = sent.invitation
    link = absolute_url(reverse("invitation-accept", args=[sent.token]))
    expires = timezone.localtime(invitation.expires_at, patient.zone)
    phone = patient.ward.phone_number if patient.ward_id else settings.WARD_PHONE
    body = (
        "Hello,\n\n"
        "Your care team has made you a login for their app, where you can see your "
        "treatment plan and tell them how you are.\n\n"
        "To choose your password, open this link:\n"
        f"{link}\n\n"
        "The link works once, and only until "
        f"{expires:%H:%M} {expires.tzname()} on {expires:%A} {expires.day} {expires:%B}"
        " (72 hours from when it was sent). If it has expired, ask your care team for a new one.\n\n"
        f"Afterwards you sign in with the username {invitation.user.username} and your password.\n\n"
        f"If you did not expect this e-mail, ignore it or call your care team on {phone}.\n"
        "Please do not reply to this e-mail."
    )
    return SUBJECT, body


def send_invitation(sent: SentInvitation, patient: Patient) -> None:
    subject, body = invitation_email(sent, patient)
    send_message(
        to=sent.invitation.email,
        subject=subject,
        body=body,
        message_id=message_id("invitation", sent.invitation.pk),
    )

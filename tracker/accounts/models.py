import hashlib
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from tracker.accounts.roles import Role
from tracker.lib.zones import validate_time_zone


class RoleUserManager(UserManager):
    def create_with_role(self, username, role: Role, password=None, **fields):
        """Create a user in one role; admins also get into the Django admin."""
        if role == Role.ADMIN:
            fields.setdefault("is_staff", True)
        user = self.create_user(username, password=password, **fields)
        user.groups.add(Group.objects.get(name=role))
        return user

    create_with_role.alters_data = True


class User(AbstractUser):
    """A person who signs in: a clinician, nurse, patient or admin.

    The role comes from group membership; see tracker.accounts.roles.
    """

    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="The clock staff pages show times on. Blank means the clinic's zone.",
    )
    asks_second_factor = models.BooleanField(
        "asks for a second factor",
        default=False,
        help_text="A patient who chose to give a code after their password. Staff are always asked.",
    )

    objects = RoleUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def role(self) -> Role | None:
        if self.is_superuser:
            return Role.ADMIN
        names = {group.name for group in self.groups.all()}
        return next((role for role in Role if role.value in names), None)

    @property
    def ward_zone(self) -> ZoneInfo:
        """The zone this user reads staff lists in: their own setting, else the clinic's."""
        return ZoneInfo(self.time_zone or settings.CLINIC_TIME_ZONE)


def hash_invitation_token(token: str) -> str:
    """What is stored for a token: its SHA-256.

    The token is 256 random bits, so a plain hash is enough; a slow password hash
    would only slow the look-up.  A copy of the database therefore holds no link
    that works.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def usable(self, now):
        """Invitations whose link still works at `now`: not used, revoked or expired."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)

    def with_token(self, token: str):
        return self.filter(token_hash=hash_invitation_token(token))


class Invitation(models.Model):
    """A link that lets a patient set the password of their login, once.

    Only the token's hash is stored.  A link stops working when it is used, when a
    newer invitation replaces it (revoked) or when it expires.
    """

    user = models.ForeignKey(User, models.PROTECT, related_name="invitations")
    email = models.EmailField("e-mail address")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The patient page shows the latest invitation of the patient's login.
            models.Index(fields=["user", "-created_at"], name="invitation_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_used_or_revoked",
                violation_error_message="An invitation is either used or revoked, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_usable(self, now) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now

    @property
    def masked_email(self) -> str:
        """ "j…@example.org": enough for staff to recognise, little to read over a shoulder."""
        local, _, domain = self.email.partition("@")
        return f"{local[:1]}…@{domain}"

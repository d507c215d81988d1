from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.utils.functional import cached_property

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

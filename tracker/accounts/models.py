from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.utils.functional import cached_property

from tracker.accounts.roles import Role


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

import pytest
from django.contrib.auth.models import Group, Permission

from tests.factories import make_user
from tracker.accounts.models import User
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_the_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


@pytest.mark.parametrize(
    "role, allowed, refused",
    [
        (Role.CLINICIAN, {"patients.add_patient", "patients.change_patient"}, set()),
        (Role.NURSE, {"patients.view_patient"}, {"patients.change_patient"}),
        (Role.PATIENT, set(), {"patients.view_patient"}),
    ],
)
def test_each_role_gets_its_permissions(role, allowed, refused):
    user = make_user(role)
    assert all(user.has_perm(name) for name in allowed)
    assert not any(user.has_perm(name) for name in refused)


def test_no_role_may_delete_a_patient_record():
    delete = Permission.objects.get(codename="delete_patient")
    assert not delete.group_set.exists()


def test_the_role_comes_from_the_group():
    assert make_user(Role.NURSE).role == Role.NURSE
    assert make_user(None).role is None


def test_a_superuser_is_an_admin_without_a_group():
    assert make_user(None, is_superuser=True).role == Role.ADMIN


def test_a_user_in_two_groups_acts_in_the_more_privileged_role():
    user = make_user(Role.NURSE)
    user.groups.add(Group.objects.get(name=Role.CLINICIAN))
    assert User.objects.get(pk=user.pk).role == Role.CLINICIAN


def test_create_with_role_lets_admins_into_the_django_admin():
    admin = User.objects.create_with_role("boss", Role.ADMIN, password="x")
    nurse = User.objects.create_with_role("nora", Role.NURSE, password="x")
    assert admin.is_staff and admin.role == Role.ADMIN
    assert not nurse.is_staff and nurse.role == Role.NURSE

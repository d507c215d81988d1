import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.factories import make_course, make_user, record_given
from tracker.accounts import roles
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.patients.access import get_patient_for_user
from tracker.ward.access import get_dose_for_user, get_record_for_user

pytestmark = pytest.mark.django_db


def test_the_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_the_table_of_who_may_do_what():
    table = {
        name: {role.value for role in value}
        for name, value in vars(roles).items()
        if name.endswith("_ROLES")
    }
    assert table == {
        "STAFF_ROLES": {"admin", "clinician", "nurse"},
        "CARE_TEAM_ROLES": {"clinician", "nurse"},
        "EDITOR_ROLES": {"admin", "clinician"},
        "RECORDER_ROLES": {"clinician", "nurse"},
        "GRADER_ROLES": {"clinician", "nurse"},
        "REVIEWER_ROLES": {"clinician"},
        "ACKNOWLEDGER_ROLES": {"clinician", "nurse"},
        "GAP_OVERRIDE_ROLES": {"clinician"},
        "WITHHOLD_OVERRIDE_ROLES": {"clinician"},
        "RETREATMENT_LIFT_ROLES": {"clinician"},
        "ROTA_EDITOR_ROLES": {"admin", "clinician"},
        "ON_CALL_ROLES": {"clinician", "nurse"},
    }


def test_the_admin_group_keeps_the_grants_the_django_admin_reads():
    admin = make_user(Role.ADMIN)
    assert all(
        admin.has_perm(name)
        for name in (
            "accounts.add_user",
            "patients.change_patient",
            "regimens.change_regimentemplate",
            "ward.change_holdrule",
            "symptoms.change_ctcaeterm",
            "alerts.view_alert",
            "thyroid.view_thyroidresult",
        )
    )


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.NURSE, Role.PATIENT])
def test_the_other_role_groups_hold_no_permission(role):
    # The app decides access by role (tracker.accounts.roles), never by permission.
    assert list(Group.objects.get(name=role).permissions.all()) == []
    assert not make_user(role).has_perm("patients.view_patient")


def test_no_role_may_delete_a_patient_record():
    delete = Permission.objects.get(codename="delete_patient")
    assert not delete.group_set.exists()


def test_a_clinician_on_the_team_may_edit_the_patient_and_a_nurse_only_see_them(personas):
    pk = personas.patient.pk
    assert get_patient_for_user(personas.clinician_on_team, pk, edit=True) == personas.patient
    assert get_patient_for_user(personas.nurse_on_team, pk) == personas.patient
    with pytest.raises(PermissionDenied):
        get_patient_for_user(personas.nurse_on_team, pk, edit=True)
    with pytest.raises(Http404):
        get_patient_for_user(personas.other_patient, pk)


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team"])
def test_the_care_team_records_and_corrects_doses(personas, name):
    user = getattr(personas, name)
    dose = make_course(personas.patient).doses.order_by("planned_at").first()
    record = record_given(get_dose_for_user(user, dose.pk, record=True), by=user)
    assert get_record_for_user(user, record.pk, correct=True) == record


@pytest.mark.parametrize("name", ["the_patient", "admin"])
def test_who_sees_a_dose_but_is_not_on_the_care_team_may_not_record_it(personas, name):
    dose = make_course(personas.patient).doses.order_by("planned_at").first()
    with pytest.raises(PermissionDenied):
        get_dose_for_user(getattr(personas, name), dose.pk, record=True)


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

"""What each role may do to clinical records, and that every change leaves history."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from regimens.models import Dose
from tests.factories import (
    PatientFactory,
    make_course,
    make_user,
    record_given,
    sign_in_with_second_factor,
)
from tracker.accounts.roles import Role
from tracker.ward.access import get_dose_for_user, get_record_for_user
from tracker.ward.models import DoseRecord, PreDoseCheck
from tracker.ward.recording import correct_record, mark_entered_in_error, record_check

pytestmark = pytest.mark.django_db

CLINICAL_APPS = ("patients", "regimens", "ward")
CLINICAL_MODELS = [
    ("patients", "Patient"),
    ("regimens", "RegimenTemplate"),
    ("regimens", "Course"),
    ("regimens", "Dose"),
    ("regimens", "CalendarFeed"),
    ("ward", "HoldRule"),
    ("ward", "PreDoseCheck"),
    ("ward", "DoseRecord"),
]


def granted(role: Role) -> set[str]:
    """The role group's permissions, as "app_label.codename", as the migrations left them."""
    group = Group.objects.get(name=role)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def is_historical(model) -> bool:
    return model.__name__.startswith("Historical")


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.NURSE, Role.PATIENT])
def test_no_role_but_admin_can_delete_a_clinical_record(role):
    deletes = Permission.objects.filter(
        group__name=role,
        content_type__app_label__in=CLINICAL_APPS,
        codename__startswith="delete_",
    )
    assert Group.objects.filter(name=role).exists()
    assert list(deletes.values_list("codename", flat=True)) == []


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.NURSE])
def test_the_care_team_can_record_and_correct_doses_and_take_checks(role):
    user = make_user(role)
    patient = PatientFactory(care_team=[user])
    dose = make_course(patient).doses.order_by("dose_in_course").first()
    record = record_given(get_dose_for_user(user, dose.pk, record=True), by=user)
    assert get_record_for_user(user, record.pk, correct=True) == record


def test_a_patient_may_not_record_their_own_dose(personas):
    dose = make_course(personas.patient).doses.order_by("dose_in_course").first()
    with pytest.raises(PermissionDenied):
        get_dose_for_user(personas.the_patient, dose.pk, record=True)
    assert granted(Role.PATIENT) == set()


def test_the_admin_can_view_the_history_of_every_ward_model():
    historical = [m for m in apps.get_app_config("ward").get_models() if is_historical(m)]
    assert len(historical) == 4
    names = {f"ward.view_{model._meta.model_name}" for model in historical}
    assert names - granted(Role.ADMIN) == set()


@pytest.mark.parametrize(("app_label", "name"), CLINICAL_MODELS)
def test_a_clinical_model_keeps_its_history(app_label, name):
    model = apps.get_model(app_label, name)
    historical = apps.get_model(app_label, f"Historical{name}")
    assert model.history.model is historical


def test_every_model_of_the_clinical_apps_keeps_history():
    models = [
        model
        for label in CLINICAL_APPS
        for model in apps.get_app_config(label).get_models()
        if not is_historical(model)
    ]
    assert {model.__name__ for model in models} >= {name for _, name in CLINICAL_MODELS}
    # The read-access log is append-only in the database itself: it has no history to keep.
    unkept = [model.__name__ for model in models if not hasattr(model, "history")]
    assert unkept == ["RecordAccess"]


@pytest.fixture
def dose():
    return make_course(PatientFactory()).doses.order_by("dose_in_course").first()


def latest_history(instance):
    return instance.history.order_by("-history_id").first()


def test_history_rows_name_who_changed_a_record_and_why(dose):
    recorder, withdrawer, corrector = (make_user(Role.NURSE) for _ in range(3))
    at = {"now": dose.planned_at}

    record = record_given(dose, by=recorder)
    assert latest_history(record).history_user == recorder
    assert "Given" in latest_history(record).history_change_reason

    mark_entered_in_error(record, by=withdrawer, reason="Charted on the wrong patient", **at)
    for row in (latest_history(record), latest_history(Dose.objects.get(pk=dose.pk))):
        assert row.history_user == withdrawer
        assert "Charted on the wrong patient" in row.history_change_reason

    second = record_given(Dose.objects.get(pk=dose.pk), by=recorder)
    correction = correct_record(
        second,
        by=corrector,
        reason="Pump stopped at half the dose",
        outcome="partial",
        partial_reason="line",
        given_at=dose.planned_at,
        amount_iu=dose.course.dose_iu // 2,
        given_by=recorder,
        **at,
    )
    rows = [latest_history(r) for r in (second, correction, Dose.objects.get(pk=dose.pk))]
    for row in rows:
        assert row.history_user == corrector
        assert "Pump stopped at half the dose" in row.history_change_reason
    assert correction.replaces == second


@pytest.mark.parametrize("model", [DoseRecord, PreDoseCheck])
def test_the_admin_offers_no_way_to_delete_a_dose_record(client, dose, model):
    nurse = make_user(Role.NURSE)
    record_check(
        dose,
        by=nurse,
        decision="give",
        systolic_bp=120,
        heart_rate=80,
        temperature_c=Decimal("37.0"),
        spo2=98,
        mental_status="normal",
        on_pressors=False,
        now=dose.planned_at,
    )
    record_given(Dose.objects.get(pk=dose.pk), by=nurse)
    obj = model.objects.get()
    sign_in_with_second_factor(client, make_user(is_superuser=True, is_staff=True))
    opts = model._meta

    delete = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]))
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    assert delete.status_code == 403
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(
        changelist.wsgi_request
    )

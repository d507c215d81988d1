"""The CSV export action: the changelist's columns, safe in a spreadsheet, only with view permission."""

import csv
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from regimens.models import Course
from tests.factories import (
    PatientFactory,
    make_course,
    make_user,
    record_given,
    sign_in_with_second_factor,
)
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.lib.admin import csv_value
from tracker.lib.spreadsheets import csv_cell
from tracker.patients.models import Patient
from tracker.ward.models import DoseRecord

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 12:00Z")]

APPS = {
    "accounts",
    "patients",
    "regimens",
    "ward",
    "symptoms",
    "thyroid",
    "alerts",
    "observations",
}


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def export(client, model, objects):
    return client.post(
        changelist(model),
        {"action": "export_as_csv", "index": 0, "_selected_action": [o.pk for o in objects]},
    )


def table(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def actions_for(user, model) -> set[str]:
    request = RequestFactory().get(changelist(model))
    request.user = user
    return set(admin.site._registry[model].get_actions(request))


def test_the_export_has_the_column_labels_and_one_row_per_selected_patient(admin_client):
    first, _, third = (PatientFactory(sex=Patient.Sex.FEMALE) for _ in range(3))

    response = export(admin_client, Patient, [first, third])

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="patient-20270310.csv"'
    header, *rows = table(response)
    assert header == [
        "MRN",
        "Family name",
        "Given name",
        "Date of birth",
        "Sex",
        "Time zone",
        "Ward",
        "User",
        "Created",
    ]
    assert sorted(row[0] for row in rows) == sorted([first.mrn, third.mrn])
    row = next(row for row in rows if row[0] == first.mrn)
    # As the changelist shows them: choice labels, local date formats, empty for none.
    assert row[1:8] == [
        first.family_name,
        first.given_name,
        "15 Jun 1970",
        "Female",
        "America/New_York",
        "",
        "",
    ]


def test_the_file_is_named_by_the_clinic_date(client):
    patient = PatientFactory()
    with time_machine.travel("2027-07-01 23:30Z", tick=False):  # 00:30 in London
        sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
        response = export(client, Patient, [patient])
    assert response["Content-Disposition"] == 'attachment; filename="patient-20270702.csv"'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text(start):
    assert csv_cell(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


@pytest.mark.parametrize("text", ["MRN-000123", "", "Smith = Jones", "1+1"])
def test_other_cells_are_left_as_they_are(text):
    assert csv_cell(text) == text


def test_formulas_in_names_are_exported_as_text(admin_client):
    patient = PatientFactory(family_name='=HYPERLINK("http://evil.example")', given_name="@cmd")

    (_, row) = table(export(admin_client, Patient, [patient]))

    assert row[1] == '\'=HYPERLINK("http://evil.example")'
    assert row[2] == "'@cmd"


@pytest.fixture
def record():
    nurse = make_user(Role.NURSE)
    course = make_course(PatientFactory(care_team=[nurse]), start="2027-03-10 08:00")
    return record_given(course.doses.get(dose_in_course=1), nurse)


def test_read_only_records_export_though_they_cannot_be_deleted(admin_client, record):
    superuser = admin_client.get(changelist(DoseRecord)).wsgi_request.user
    assert actions_for(superuser, DoseRecord) == {"export_as_csv"}

    header, row = table(export(admin_client, DoseRecord, [record]))

    shown = dict(zip(header, row, strict=True))
    patient = record.dose.course.patient
    assert shown["MRN"] == patient.mrn
    assert shown["Patient"] == f"{patient.family_name}, {patient.given_name}"
    assert shown["Outcome"] == "Given"
    assert shown["Corrects a record"] == "No"  # a boolean column, in words
    assert shown["Hold reason"] == ""


def test_the_admin_role_can_export_what_it_may_view(client, personas, record):
    sign_in_with_second_factor(client, personas.admin)
    response = export(client, DoseRecord, [record])
    assert response.status_code == 200
    assert len(table(response)) == 2


def test_every_changelist_offers_the_export():
    superuser = make_user(Role.ADMIN, is_superuser=True)
    for model in (m for m in admin.site._registry if m._meta.app_label in APPS):
        assert "export_as_csv" in actions_for(superuser, model), model


def test_staff_without_view_permission_are_refused_the_export(client):
    patient = PatientFactory()
    no_permission = make_user(is_staff=True)
    sign_in_with_second_factor(client, no_permission)

    assert "export_as_csv" not in actions_for(no_permission, Patient)
    assert client.get(changelist(Patient)).status_code == 403
    response = export(client, Patient, [patient])
    assert response.status_code == 403
    assert "text/csv" not in response["Content-Type"]


def test_ward_staff_cannot_reach_the_export(client, personas):
    client.force_login(personas.nurse_on_team)
    response = export(client, Patient, [personas.patient])
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_times_are_iso_8601_with_the_patients_offset_and_amounts_in_miu(admin_client, record):
    # Given and recorded at 08:00 in New York (EST, UTC-5).
    header, row = table(export(admin_client, DoseRecord, [record]))

    shown = dict(zip(header, row, strict=True))
    assert shown["Given at"] == "2027-03-10T08:00:00-05:00"
    assert shown["Recorded at"] == "2027-03-10T08:00:00-05:00"
    # 600,000 IU/kg × 70 kg.
    assert shown["Amount given"] == "42 MIU"


def test_a_patient_row_has_its_own_zone_and_other_rows_utc(admin_client):
    patient = PatientFactory(time_zone="Europe/Paris")
    user = make_user(Role.NURSE)

    (_, patient_row) = table(export(admin_client, Patient, [patient]))
    header, user_row = table(export(admin_client, User, [user]))

    assert patient_row[-1] == "2027-03-10T13:00:00+01:00"
    assert dict(zip(header, user_row, strict=True))["Date joined"] == "2027-03-10T12:00:00+00:00"


def test_any_iu_field_exports_in_miu_with_its_unit():
    course = make_course(PatientFactory(weight_kg=Decimal("81.5")), start="2027-03-10 08:00")
    # 600,000 IU/kg × 81.5 kg = 48,900,000 IU.
    assert csv_value(admin.site._registry[Course], "dose_iu", course) == "48.9 MIU"

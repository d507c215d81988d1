from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import PatientFactory, make_user, verified
from tracker.accounts.roles import Role
from tracker.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_visible_to_gives_a_nurse_only_her_care_team_patients():
    nurse = make_user(Role.NURSE)
    mine = PatientFactory(care_team=[nurse])
    PatientFactory()
    assert list(Patient.objects.visible_to(nurse)) == [mine]


def test_visible_to_gives_a_verified_admin_every_patient():
    PatientFactory.create_batch(3)
    assert Patient.objects.visible_to(verified(make_user(Role.ADMIN))).count() == 3


def test_an_admin_without_a_second_factor_sees_no_patient():
    PatientFactory.create_batch(3)
    assert not Patient.objects.visible_to(make_user(Role.ADMIN)).exists()


def test_visible_to_gives_a_user_without_a_role_nothing():
    PatientFactory()
    assert not Patient.objects.visible_to(make_user(None)).exists()


def test_search_matches_mrn_exactly_and_names_in_part():
    ada = PatientFactory(mrn="MRN-1", given_name="Ada", family_name="Lovelace")
    PatientFactory(mrn="MRN-11", given_name="Alan", family_name="Turing")
    assert list(Patient.objects.search("mrn-1")) == [ada]
    assert list(Patient.objects.search("love")) == [ada]
    assert Patient.objects.search("  ").count() == 2


@pytest.mark.parametrize(
    "field, value", [("height_cm", "0"), ("weight_kg", "0"), ("weight_kg", "900")]
)
def test_the_database_refuses_impossible_measurements(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(**{field: Decimal(value)})


def test_mrn_is_unique():
    PatientFactory(mrn="MRN-7")
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(mrn="MRN-7")


def test_it_rejects_an_unknown_time_zone():
    patient = PatientFactory.build(time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "is not a time zone" in str(error.value)


@time_machine.travel("2026-11-26 12:00Z")
def test_it_rejects_a_date_of_birth_in_the_future():
    patient = PatientFactory.build(date_of_birth=date(2026, 11, 26) + timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "cannot be in the future" in str(error.value)


def test_age_counts_whole_years_up_to_the_birthday():
    patient = PatientFactory.build(date_of_birth=date(1970, 6, 15))
    assert patient.age_on(date(2026, 6, 14)) == 55
    assert patient.age_on(date(2026, 6, 15)) == 56


def test_changes_are_kept_in_history_with_a_reason():
    patient = PatientFactory(weight_kg=Decimal("70.0"))
    patient.weight_kg = Decimal("68.5")
    patient._change_reason = "weighed on admission"
    patient.save()
    latest = patient.history.first()
    assert latest.weight_kg == Decimal("68.5")
    assert latest.history_change_reason == "weighed on admission"
    assert patient.history.count() == 2

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_user
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_a_user_with_no_zone_of_their_own_reads_the_clinics_clock(settings):
    settings.CLINIC_TIME_ZONE = "Asia/Tokyo"
    assert make_user(Role.NURSE).ward_zone == ZoneInfo("Asia/Tokyo")


def test_a_user_reads_their_own_zone_when_they_chose_one():
    nurse = make_user(Role.NURSE, time_zone="America/New_York")
    assert nurse.ward_zone == ZoneInfo("America/New_York")


def test_the_model_refuses_a_zone_that_does_not_exist():
    nurse = make_user(Role.NURSE)
    nurse.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError, match="is not a time zone"):
        nurse.full_clean()

import pytest

from tests.factories import make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_the_user_admin_shows_a_staff_users_zone(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    nurse = make_user(Role.NURSE, time_zone="America/New_York")
    html = client.get(f"/admin/accounts/user/{nurse.pk}/change/").text
    assert 'name="time_zone"' in html
    assert 'value="America/New_York"' in html

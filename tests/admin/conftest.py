import pytest

from tests.factories import make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role


@pytest.fixture
def admin_client(client):
    """A superuser's client, past the second factor."""
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client

"""The TSH checks after treatment in the admin: edited with a reason, kept in history."""

import pytest

from tests.factories import make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role
from tracker.thyroid.models import FollowUpCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN))
    return client


def check_form(check, **changes):
    return {
        "after_last_dose_days": check.after_last_dose_days,
        "label": check.label,
        "source": check.source,
        "is_active": "on",
        "order": check.order,
        **changes,
    }


def url(check, action="change"):
    return f"/admin/thyroid/followupcheck/{check.pk}/{action}/"


def test_the_admin_lists_the_shipped_checks(admin_client):
    response = admin_client.get("/admin/thyroid/followupcheck/")
    assert response.status_code == 200
    assert "4 weeks after the last dose" in response.text


def test_changing_a_check_needs_a_reason(admin_client):
    check = FollowUpCheck.objects.get(after_last_dose_days=28)
    response = admin_client.post(url(check), check_form(check, after_last_dose_days=21))
    assert response.status_code == 200
    assert "This field is required." in response.text
    check.refresh_from_db()
    assert check.after_last_dose_days == 28


def test_a_change_is_in_the_checks_history_with_who_and_why(admin_client):
    check = FollowUpCheck.objects.get(after_last_dose_days=28)
    response = admin_client.post(
        url(check),
        check_form(
            check,
            after_last_dose_days=21,
            label="3 weeks after the last dose",
            change_reason="Endocrinology asked for an earlier first check",
        ),
    )
    assert response.status_code == 302
    latest = check.history.first()
    assert latest.after_last_dose_days == 21
    assert latest.history_change_reason == "Endocrinology asked for an earlier first check"
    assert latest.history_user.role == Role.ADMIN


def test_a_check_on_the_day_of_the_last_dose_is_refused(admin_client):
    check = FollowUpCheck.objects.get(after_last_dose_days=28)
    response = admin_client.post(
        url(check), check_form(check, after_last_dose_days=0, change_reason="Try")
    )
    assert response.status_code == 200
    assert "A follow-up check falls at least a day after the last dose." in response.text


def test_a_check_cannot_be_deleted_only_switched_off(admin_client):
    check = FollowUpCheck.objects.first()
    assert admin_client.get(url(check, "delete")).status_code == 403

"""Escalation times are changed in the admin, each change with its reason; notifications are read only."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role
from tracker.alerts.models import EscalationStep, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return sign_in_with_second_factor(client, make_user(Role.ADMIN))


def test_the_shipped_steps_are_in_the_database():
    steps = EscalationStep.objects.values_list("severity", "level", "after", "audience")
    assert list(steps.filter(severity="urgent")) == [
        ("urgent", 1, timedelta(0), "on_call"),
        ("urgent", 2, timedelta(minutes=15), "care_team"),
        ("urgent", 3, timedelta(minutes=30), "consultant"),
    ]
    assert EscalationStep.objects.get(severity="urgent", level=3).repeat_every == timedelta(
        minutes=15
    )
    assert not EscalationStep.objects.filter(severity="routine").exists()
    assert EscalationStep.history.filter(history_change_reason="Shipped default").count() == 6


def test_an_admin_changes_a_step_s_time_with_a_reason(admin_client):
    step = EscalationStep.objects.get(severity="urgent", level=2)
    url = reverse("admin:alerts_escalationstep_change", args=[step.pk])
    form = {
        "severity": "urgent",
        "level": 2,
        "after": "00:10:00",
        "audience": "care_team",
        "repeat_every": "",
    }

    refused = admin_client.post(url, form)
    assert refused.status_code == 200  # the form again, asking why
    step.refresh_from_db()
    assert step.after == timedelta(minutes=15)

    response = admin_client.post(url, {**form, "change_reason": "Ward 7 staffing review"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.after == timedelta(minutes=10)
    assert step.history.first().history_change_reason == "Ward 7 staffing review"


def test_notifications_are_read_only_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:alerts_notification_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:alerts_notification_add")).status_code == 403
    assert Notification.objects.count() == 0

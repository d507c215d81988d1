"""Chart rules in the admin: edited with a reason, their conditions too; never deleted."""

from decimal import Decimal

import pytest

from tests.factories import make_user, sign_in_with_second_factor
from tracker.accounts.roles import Role
from tracker.observations.models import ChartRule, RuleCondition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client


def rule_form(rule, conditions, **changes):
    form = {
        "slug": rule.slug,
        "name": rule.name,
        "label_row": rule.label_row,
        "action": rule.action,
        "hold_reason": rule.hold_reason,
        "source": rule.source,
        "is_active": "on",
        "order": rule.order,
        "conditions-TOTAL_FORMS": len(conditions),
        "conditions-INITIAL_FORMS": len(conditions),
        "conditions-MIN_NUM_FORMS": 0,
        "conditions-MAX_NUM_FORMS": 1000,
        **changes,
    }
    for i, condition in enumerate(conditions):
        for field in ("group", "parameter", "test", "comparison", "threshold", "hours"):
            value = getattr(condition, field)
            form[f"conditions-{i}-{field}"] = "" if value is None else value
        form[f"conditions-{i}-id"] = condition.pk
        form[f"conditions-{i}-rule"] = rule.pk
    return form


@pytest.fixture
def oliguria():
    rule = ChartRule.objects.get(slug="oliguria-rising-creatinine")
    return rule, list(rule.conditions.order_by("group", "pk"))


def test_a_rule_and_its_conditions_change_with_the_reason_in_both_histories(
    admin_client, oliguria
):
    rule, conditions = oliguria
    url = f"/admin/observations/chartrule/{rule.pk}/change/"
    form = rule_form(rule, conditions, change_reason="Our renal team: 0.5 mg/dL")
    form["conditions-1-threshold"] = "0.5"

    assert admin_client.post(url, form).status_code == 302

    creatinine = RuleCondition.objects.get(pk=conditions[1].pk)
    assert creatinine.threshold == Decimal("0.5")
    assert creatinine.history.first().history_change_reason == "Our renal team: 0.5 mg/dL"
    assert creatinine.history.first().history_user.role == Role.ADMIN
    assert rule.history.first().history_change_reason == "Our renal team: 0.5 mg/dL"


def test_a_change_without_a_reason_is_refused_and_writes_nothing(admin_client, oliguria):
    rule, conditions = oliguria
    form = rule_form(rule, conditions)
    form["conditions-1-threshold"] = "0.5"
    response = admin_client.post(f"/admin/observations/chartrule/{rule.pk}/change/", form)
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert RuleCondition.objects.get(pk=conditions[1].pk).threshold == Decimal("0.3")


def test_a_condition_that_does_not_fit_its_test_is_refused_with_the_reason(admin_client, oliguria):
    rule, conditions = oliguria
    form = rule_form(rule, conditions, change_reason="Try it")
    form["conditions-0-hours"] = ""  # 'held for' without its hours
    response = admin_client.post(f"/admin/observations/chartrule/{rule.pk}/change/", form)
    assert response.status_code == 200
    assert "&#x27;held&#x27; a comparison and hours" in response.text
    assert RuleCondition.objects.get(pk=conditions[0].pk).hours == Decimal(16)


def test_a_rule_cannot_be_deleted_only_switched_off(admin_client, oliguria):
    rule, _ = oliguria
    assert admin_client.get(f"/admin/observations/chartrule/{rule.pk}/delete/").status_code == 403


def test_the_firings_are_read_only(admin_client):
    assert admin_client.get("/admin/observations/rulefiring/").status_code == 200
    assert admin_client.get("/admin/observations/rulefiring/add/").status_code == 403

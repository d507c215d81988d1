import pytest

from tests.factories import (
    PatientFactory,
    make_course,
    make_user,
    record_given,
    sign_in_with_second_factor,
)
from tracker.accounts.roles import Role
from tracker.ward.models import HoldRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client


def rule_form(rule, **changes):
    return {
        "measure": rule.measure,
        "comparison": rule.comparison,
        "threshold": rule.threshold or "",
        "hold_reason": rule.hold_reason,
        "source": rule.source,
        "is_active": "on",
        "order": rule.order,
        **changes,
    }


def test_changing_a_hold_rule_needs_a_reason(admin_client):
    rule = HoldRule.objects.get(measure="heart_rate")
    url = f"/admin/ward/holdrule/{rule.pk}/change/"
    response = admin_client.post(url, rule_form(rule))
    assert response.status_code == 200
    assert "This field is required." in response.text
    rule.refresh_from_db()
    assert not rule.is_active


def test_a_hold_rule_change_is_in_its_history_with_who_and_why(admin_client):
    rule = HoldRule.objects.get(measure="heart_rate")
    url = f"/admin/ward/holdrule/{rule.pk}/change/"
    response = admin_client.post(url, rule_form(rule, change_reason="Centre policy from May"))
    assert response.status_code == 302
    latest = rule.history.first()
    assert latest.is_active
    assert latest.history_change_reason == "Centre policy from May"
    assert latest.history_user.role == Role.ADMIN


def test_a_hold_rule_cannot_be_deleted_only_switched_off(admin_client):
    rule = HoldRule.objects.first()
    assert admin_client.get(f"/admin/ward/holdrule/{rule.pk}/delete/").status_code == 403


def test_the_admin_shows_records_and_checks_read_only(admin_client):
    nurse = make_user(Role.NURSE)
    course = make_course(PatientFactory(care_team=[nurse]))
    record = record_given(course.doses.get(dose_in_course=1), nurse)
    for url in [
        "/admin/ward/doserecord/",
        f"/admin/ward/doserecord/{record.pk}/change/",
        f"/admin/ward/doserecord/{record.pk}/history/",
        "/admin/ward/predosecheck/",
        f"/admin/regimens/dose/{record.dose.pk}/change/",
        f"/admin/regimens/course/{course.pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    page = admin_client.get(f"/admin/ward/doserecord/{record.pk}/change/").text
    assert 'name="outcome"' not in page  # shown, not editable
    dose_page = admin_client.get(f"/admin/regimens/dose/{record.dose.pk}/change/").text
    assert 'name="status"' not in dose_page


def test_the_rule_list_shows_each_rules_source_and_whether_it_is_active(admin_client):
    response = admin_client.get("/admin/ward/holdrule/")
    assert response.status_code == 200
    admin_view = response.context["cl"].model_admin
    assert {"source", "is_active"} <= set(admin_view.list_display)
    assert "source" in admin_view.list_filter
    assert "Proleukin label (2024 PI, Table 2)" in response.text
    assert "Proleukin label (older US PI; not yet checked against 2024)" in response.text
    assert "Institutional criterion (J Immunother Cancer 2014, Table 3)" in response.text


def test_the_admin_sees_a_prescribers_overrides_read_only(admin_client):
    response = admin_client.get("/admin/ward/withholdoverride/")
    assert response.status_code == 200
    assert admin_client.get("/admin/ward/withholdoverride/add/").status_code == 403

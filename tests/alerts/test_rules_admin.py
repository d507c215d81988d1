"""Alert rules in the admin: admins edit them with a reason kept in the history; no one
deletes one; no one else reaches them."""

import pytest

from tracker.alerts.models import AlertRule

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/alerts/alertrule/"


@pytest.fixture
def fever():
    return AlertRule.objects.get(name="Fever of 38.0 °C or more")


def change_url(rule):
    return f"{CHANGELIST}{rule.pk}/change/"


def page_url(rule, page):
    return f"{CHANGELIST}{rule.pk}/{page}/"


def rule_form(rule, **changes):
    form = {
        field: getattr(rule, field)
        for field in (
            "name",
            "trigger",
            "severity",
            "symptom",
            "attribute",
            "term",
            "test",
            "flag",
            "event_kind",
            "source",
        )
    }
    form["at_least"] = "" if rule.at_least is None else rule.at_least
    for flag in ("active", "strictly_above", "high_dose_only"):
        if getattr(rule, flag):
            form[flag] = "on"
    return {**form, **changes}


def test_an_admin_changes_a_threshold_with_the_reason_in_its_history(as_persona, personas, fever):
    client = as_persona("admin")
    form = rule_form(fever, at_least="38.5", change_reason="Our ward: 38.5 °C, per protocol")

    assert client.post(change_url(fever), form).status_code == 302

    fever.refresh_from_db()
    assert fever.at_least == 38.5
    latest = fever.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        personas.admin,
        "Our ward: 38.5 °C, per protocol",
    )
    assert client.get(page_url(fever, "history")).status_code == 200


def test_a_change_without_a_reason_is_refused_and_saves_nothing(as_persona, fever):
    response = as_persona("admin").post(change_url(fever), rule_form(fever, at_least="38.5"))

    assert response.status_code == 200
    assert "This field is required." in response.text
    fever.refresh_from_db()
    assert fever.at_least == 38
    assert not fever.history.filter(history_type="~").exists()


def test_a_rule_that_does_not_fit_its_trigger_is_refused_with_the_reason(as_persona, fever):
    form = rule_form(fever, term="Fever", change_reason="Try")
    response = as_persona("admin").post(change_url(fever), form)

    assert response.status_code == 200
    assert "does not read the term: leave it empty." in response.text
    fever.refresh_from_db()
    assert fever.term == ""


def test_an_admin_adds_a_rule_with_a_reason(as_persona):
    form = {
        "name": "Headache very much",
        "trigger": "patient_answer",
        "severity": "high",
        "symptom": "headache",
        "attribute": "interference",
        "at_least": "4",
        "active": "on",
        "source": "Our ward",
        "change_reason": "Headaches on our ward",
    }
    assert as_persona("admin").post(f"{CHANGELIST}add/", form).status_code == 302
    added = AlertRule.objects.get(name="Headache very much")
    assert added.history.get().history_change_reason == "Headaches on our ward"


def test_no_one_deletes_a_rule_switching_it_off_instead(as_persona, fever):
    client = as_persona("admin")
    assert client.get(page_url(fever, "delete")).status_code == 403
    assert AlertRule.objects.filter(pk=fever.pk).exists()


@pytest.mark.parametrize(
    "name",
    [
        "the_patient",
        "other_patient",
        "nurse_on_team",
        "nurse_off_team",
        "clinician_on_team",
        "clinician_off_team",
        "anonymous",
    ],
)
def test_only_admins_reach_the_rules(as_persona, name, fever):
    client = as_persona(name)
    for url in (CHANGELIST, change_url(fever)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")
    response = client.post(change_url(fever), rule_form(fever, change_reason="x"))
    assert response.status_code == 302
    fever.refresh_from_db()
    assert fever.at_least == 38


def test_the_changelist_lists_every_rule_in_a_few_queries(
    as_persona, django_assert_max_num_queries
):
    client = as_persona("admin")
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.text.count('class="field-severity"') == AlertRule.objects.count()

"""Self-care advice after a report: shown below "call the ward now", never in its place."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories import sign_in_with_second_factor
from tests.symptoms.conftest import MILD, ROUTINE, SEVERE, VERY_SEVERE
from tracker.accounts.roles import Role
from tracker.symptoms.models import ProSymptom, SelfCareAdvice
from tracker.symptoms.reporting import withdraw_report

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
ADVICE = "Eat small meals often."
CALL_NOW = "This sounds severe. Call your care team now"


@pytest.fixture
def advice():
    return SelfCareAdvice.objects.create(
        symptom=ProSymptom.objects.get(slug="nausea"),
        text=ADVICE,
        source="Our ward's leaflet, 2027",
    )


def page(client, report):
    return client.get(f"/me/symptoms/reports/{report.pk}/").text


@pytest.mark.parametrize("answers", [MILD, ROUTINE], ids=["no alert", "routine alert"])
def test_advice_is_shown_below_the_call_now_threshold(as_persona, make_report, advice, answers):
    text = page(as_persona("the_patient"), make_report(answers=answers))
    assert "What you can do yourself" in text
    assert ADVICE in text
    assert "Source: Our ward&#x27;s leaflet, 2027" in text
    assert CALL_NOW not in text


@pytest.mark.parametrize("answers", [SEVERE, VERY_SEVERE], ids=["high", "urgent"])
def test_at_or_above_the_threshold_only_call_now_is_shown(
    as_persona, make_report, advice, answers
):
    text = page(as_persona("the_patient"), make_report(answers=answers))
    assert CALL_NOW in text
    assert ADVICE not in text
    assert "What you can do yourself" not in text


def test_advice_switched_off_or_for_another_symptom_is_not_shown(as_persona, make_report, advice):
    SelfCareAdvice.objects.create(
        symptom=ProSymptom.objects.get(slug="vomiting"), text="Sip water.", source="Leaflet"
    )
    SelfCareAdvice.objects.create(
        symptom=advice.symptom, text="Old advice.", source="Leaflet", is_active=False
    )
    text = page(as_persona("the_patient"), make_report())
    assert ADVICE in text
    assert "Sip water." not in text
    assert "Old advice." not in text


def test_a_withdrawn_report_shows_no_advice(as_persona, personas, make_report, advice):
    report = make_report()
    withdraw_report(report, by=personas.the_patient, reason="Wrong symptom")
    assert ADVICE not in page(as_persona("the_patient"), report)


def test_no_advice_no_section(as_persona, make_report):
    assert "What you can do yourself" not in page(as_persona("the_patient"), make_report())


def test_the_app_ships_no_advice_without_a_source():
    assert SelfCareAdvice.objects.count() == 0


def test_advice_must_name_its_source():
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfCareAdvice.objects.create(
            symptom=ProSymptom.objects.get(slug="nausea"), text="Rest.", source=""
        )


def test_an_admin_adds_advice_with_a_reason_kept_in_its_history(client, personas):
    from tests.factories import make_user

    admin = make_user(Role.ADMIN)
    sign_in_with_second_factor(client, admin)
    nausea = ProSymptom.objects.get(slug="nausea")
    form = {
        "symptom": nausea.pk,
        "text": ADVICE,
        "source": "Our ward's leaflet, 2027",
        "order": 0,
        "is_active": "on",
    }
    response = client.post("/admin/symptoms/selfcareadvice/add/", form)
    assert response.status_code == 200  # the reason is missing
    assert SelfCareAdvice.objects.count() == 0
    response = client.post(
        "/admin/symptoms/selfcareadvice/add/", {**form, "change_reason": "From our leaflet"}
    )
    assert response.status_code == 302
    advice = SelfCareAdvice.objects.get()
    record = advice.history.get()
    assert (record.history_change_reason, record.history_user) == ("From our leaflet", admin)
    assert client.post(f"/admin/symptoms/selfcareadvice/{advice.pk}/delete/").status_code == 403

"""A withhold is enforced: SBP 85 before a high-dose IV dose, from the check to the history.

The nurse takes the check and asks the prescriber; she cannot record the dose as
given.  The clinician authorises giving it with a reason, on the dose page; the
nurse then records it, and the record and its history name both of them.
"""

import pytest

from regimens.models import Dose
from tracker.ward.models import DoseRecord, WithholdOverride

# 08:05 EST on 10 March 2027: dose 1 of the default course is at 08:00 EST.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 13:05Z")]

CHECK = {
    "taken_date": "2027-03-10",
    "taken_time": "07:45",
    "systolic_bp": "85",
    "heart_rate": "88",
    "temperature": "37.2",
    "temperature_unit": "C",
    "spo2": "96",
    "mental_status": "normal",
    "on_pressors": "no",
}


def given(personas, **changes):
    return {
        "outcome": "given",
        "given_date": "2027-03-10",
        "given_time": "08:00",
        "amount_miu": "42",
        "given_by": personas.nurse_on_team.pk,
        **changes,
    }


def test_sbp_85_withholds_the_dose_until_a_clinician_authorises_it(client, personas, course):
    dose = course.doses.get(dose_in_course=1)
    nurse, clinician = personas.nurse_on_team, personas.clinician_on_team

    # The check fires the label's rule; the nurse may not decide to give.
    client.force_login(nurse)
    shown = client.post(f"/doses/{dose.pk}/check/", {**CHECK, "evaluate": "1"})
    assert [rule["text"] for rule in shown.context["fired"]] == ["Systolic BP < 90 mmHg"]
    refused = client.post(
        f"/doses/{dose.pk}/check/",
        {**CHECK, "record": "1", "decision": "give", "decision_note": "baseline BP"},
    )
    assert "only a clinician can authorise giving it" in refused.text
    asked = client.post(f"/doses/{dose.pk}/check/", {**CHECK, "record": "1", "decision": "ask"})
    assert asked.status_code == 302

    # Recording it as given is refused, with or without a note.
    for data in (given(personas), given(personas, notes="Patient well, BP is his baseline.")):
        response = client.post(f"/doses/{dose.pk}/record/", data)
        assert response.status_code == 200
        assert "A clinician (the prescriber) must authorise giving it" in response.text
    assert not DoseRecord.objects.exists()
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.SCHEDULED

    # The clinician authorises it, with a reason, on the dose page.
    client.force_login(clinician)
    page = client.get(f"/doses/{dose.pk}/")
    assert "Authorise giving despite the withhold" in page.text
    reason = "Baseline SBP 85-90 on every admission; asymptomatic, warm peripheries"
    assert client.post(f"/doses/{dose.pk}/authorise/", {"reason": reason}).status_code == 302

    # Now the nurse can record it as given.
    client.force_login(nurse)
    assert client.post(f"/doses/{dose.pk}/record/", given(personas)).status_code == 302
    record = DoseRecord.objects.get()
    override = WithholdOverride.objects.get()
    assert record.withhold_override == override
    assert (record.recorded_by, record.given_by, override.authorised_by) == (
        nurse,
        nurse,
        clinician,
    )
    assert Dose.objects.get(pk=dose.pk).status == Dose.Status.GIVEN

    # The history shows both people: who gave it, and who authorised it and why.
    record_row = record.history.order_by("-history_id").first()
    assert record_row.history_user == nurse
    assert f"authorised by {clinician}" in record_row.history_change_reason
    assert reason in record_row.history_change_reason
    assert override.history.get().history_user == clinician
    page = client.get(f"/doses/{dose.pk}/").text
    assert f"Given under the override by {clinician}" in page
    assert f"by {nurse}" in page

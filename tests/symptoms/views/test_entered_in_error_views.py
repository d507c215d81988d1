"""Pages that mark side effects entered in error: a staff entry (care team), a report (its patient).

Who may use each, what is refused with nothing written, and where the marked entry
shows afterwards: struck through in the lists, left out of the timeline's cells and
the dose's side-by-side rows, its alert still open.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, record_given
from tracker.alerts.models import Alert
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import (
    mark_event_in_error,
    record_event,
    report_symptom,
    withdraw_report,
)

# Dose 1 of the default course is at 08:00 EST (13:00 UTC) on 10 March 2027, one
# every 8 hours after; it is now 07:00 EST on 12 March, so doses 1–6 are past.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-12 12:00Z")]
ACTIVE, ERROR = SymptomReport.State.ACTIVE, SymptomReport.State.ENTERED_IN_ERROR
GRADERS = ["nurse_on_team", "clinician_on_team"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
BAD_REASONS = [
    ("", "Say why"),
    ("   ", "Say why"),
    ("x" * 201, "Keep the reason to 200 characters or fewer."),
]


@pytest.fixture
def dose(personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    return dose


def grade(personas, dose, name="Chills", grade=3):
    return record_event(
        personas.patient,
        CtcaeTerm.objects.get(term=name, version="5.0"),
        by=personas.nurse_on_team,
        grade=grade,
        onset_at=dose.planned_at + timedelta(minutes=30),
        attribution="probable",
        dose=dose,
    )


def report(personas, dose, slug="chills", **answers):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug=slug),
        by=personas.the_patient,
        answers=answers or {"frequency": 3, "severity": 2},
        onset_at=dose.planned_at + timedelta(minutes=30),
    )


@pytest.fixture
def event(personas, dose):
    return grade(personas, dose)


@pytest.fixture
def chills(personas, dose):
    return report(personas, dose)


def event_url(event):
    return f"/side-effects/{event.pk}/entered-in-error/"


def withdraw_url(report):
    return f"/me/symptoms/reports/{report.pk}/withdraw/"


def detail_url(report):
    return f"/me/symptoms/reports/{report.pk}/"


def timeline_url(personas):
    return f"/patients/{personas.patient.pk}/side-effects/"


def dose_url(dose):
    return f"/doses/{dose.pk}/"


def assert_active(entry, history=1):
    stored = type(entry).objects.get(pk=entry.pk)
    assert (stored.state, stored.error_reason) == (ACTIVE, "")
    assert stored.history.count() == history


def squeeze(text):
    return re.sub(r"\s+", " ", text)


# A staff entry: who may mark it.


@pytest.mark.parametrize("name", GRADERS)
def test_the_care_team_marks_an_entry_entered_in_error(as_persona, personas, event, name):
    client = as_persona(name)
    page = client.get(event_url(event))
    assert page.status_code == 200
    assert 'for="id_reason"' in page.text and "Mark entered in error</button>" in page.text
    response = client.post(event_url(event), {"reason": "Graded on the wrong patient"})
    assert response.status_code == 302
    assert response.url == timeline_url(personas)
    stored = AdverseEvent.objects.get()
    assert (stored.state, stored.error_reason) == (ERROR, "Graded on the wrong patient")
    latest = stored.history.first()
    assert latest.history_user == getattr(personas, name)
    assert latest.history_change_reason == "Entered in error: Graded on the wrong patient"


@pytest.mark.parametrize(
    "name, status", [("admin", 403), ("the_patient", 403), *((n, 404) for n in OUT_OF_SCOPE)]
)
def test_no_one_else_marks_an_entry(as_persona, event, name, status):
    client = as_persona(name)
    assert client.get(event_url(event)).status_code == status
    assert client.post(event_url(event), {"reason": "wrong"}).status_code == status
    assert_active(event)


def test_marking_an_entry_sends_anonymous_visitors_to_login(client, event):
    response = client.post(event_url(event), {"reason": "wrong"})
    assert response.status_code == 302
    assert response.url == f"/login/?next={event_url(event)}"
    assert_active(event)


def test_an_unknown_entry_is_404(as_persona):
    assert (
        as_persona("nurse_on_team").get("/side-effects/999999/entered-in-error/").status_code
        == 404
    )


# A staff entry: what is refused.


@pytest.mark.parametrize("reason, message", BAD_REASONS)
def test_a_blank_or_over_long_reason_is_shown_on_the_entrys_form(
    as_persona, event, reason, message
):
    response = as_persona("nurse_on_team").post(event_url(event), {"reason": reason})
    assert response.status_code == 200
    assert message in response.text
    assert_active(event)


def test_an_entry_already_in_error_says_so_and_nothing_is_written(as_persona, personas, event):
    mark_event_in_error(event, by=personas.clinician_on_team, reason="wrong patient")
    client = as_persona("nurse_on_team")
    page = client.get(event_url(event))
    assert "This entry is already marked entered in error. Nothing was changed." in page.text
    assert 'name="reason"' not in page.text
    response = client.post(event_url(event), {"reason": "again"})
    assert response.status_code == 200
    assert "already marked entered in error" in response.text
    stored = AdverseEvent.objects.get()
    assert stored.error_reason == "wrong patient"
    assert stored.history.count() == 2


# A staff entry: where it goes back to, and where it shows afterwards.


def test_marking_goes_back_to_the_dose_it_came_from(as_persona, dose, event):
    client = as_persona("clinician_on_team")
    page = client.get(event_url(event) + f"?next={dose_url(dose)}")
    assert f'<input type="hidden" name="next" value="{dose_url(dose)}">' in page.text
    response = client.post(event_url(event), {"reason": "wrong", "next": dose_url(dose)})
    assert response.url == dose_url(dose)


def test_marking_never_goes_to_another_site(as_persona, personas, event):
    response = as_persona("clinician_on_team").post(
        event_url(event), {"reason": "wrong", "next": "https://evil.example/"}
    )
    assert response.url == timeline_url(personas)


@pytest.mark.parametrize(
    "name, linked",
    [
        ("nurse_on_team", True),
        ("clinician_on_team", True),
        ("admin", False),
        ("the_patient", False),
    ],
)
def test_only_the_care_team_gets_the_links_on_the_timeline_and_the_dose(
    as_persona, personas, dose, event, name, linked
):
    client = as_persona(name)
    timeline = client.get(timeline_url(personas)).text
    assert (f'href="{event_url(event)}?next=' in timeline) is linked
    dose_page = client.get(dose_url(dose)).text
    assert (f'href="{event_url(event)}?next={dose_url(dose)}"' in dose_page) is linked


def test_a_marked_entry_is_struck_in_the_list_and_leaves_the_cells_and_the_dose(
    as_persona, personas, dose, event
):
    client = as_persona("nurse_on_team")
    before = client.get(timeline_url(personas))
    (row,) = before.context["timeline"].rows
    assert (row.cells[0].level, row.cells[0].source) == (3, "staff")

    response = client.post(
        event_url(event), {"reason": "Graded on the wrong patient"}, follow=True
    )
    text = squeeze(response.text)
    assert "Chills grade 3 is marked entered in error." in text
    assert '<span class="record-entered-in-error"><strong>Chills grade 3</strong>' in text
    assert "Entered in error</span> Graded on the wrong patient" in text
    assert f'href="{event_url(event)}' not in text
    assert response.context["timeline"].is_empty
    dose_page = client.get(dose_url(dose))
    assert dose_page.context["side_effects"] == []
    assert "No side effects linked to this dose." in dose_page.text


def test_a_marked_entrys_alert_stays_open(as_persona, event):
    (alert,) = Alert.objects.all()
    response = as_persona("nurse_on_team").post(
        event_url(event), {"reason": "wrong patient"}, follow=True
    )
    assert "Its alert stays open for the care team to acknowledge." in response.text
    alert.refresh_from_db()
    assert alert.is_open and alert.adverse_event_id == event.pk


# The patient's report: who may withdraw it.


def test_the_patient_withdraws_their_report(as_persona, personas, chills):
    client = as_persona("the_patient")
    detail = client.get(detail_url(chills))
    assert f'href="{withdraw_url(chills)}"' in detail.text
    page = client.get(withdraw_url(chills))
    assert page.status_code == 200
    assert 'for="id_reason"' in page.text and "Withdraw this report</button>" in page.text
    response = client.post(withdraw_url(chills), {"reason": "I meant fever"})
    assert response.status_code == 302
    assert response.url == detail_url(chills)
    stored = SymptomReport.objects.get()
    assert (stored.state, stored.error_reason) == (ERROR, "I meant fever")
    latest = stored.history.first()
    assert latest.history_user == personas.the_patient
    assert latest.history_change_reason.endswith("entered in error: I meant fever")


def test_another_patients_report_cannot_be_withdrawn(as_persona, chills):
    client = as_persona("other_patient")
    assert client.get(withdraw_url(chills)).status_code == 404
    assert client.post(withdraw_url(chills), {"reason": "not mine"}).status_code == 404
    assert_active(chills)


@pytest.mark.parametrize("name", STAFF)
def test_staff_may_not_withdraw_a_patients_report(as_persona, chills, name):
    client = as_persona(name)
    assert client.get(withdraw_url(chills)).status_code == 403
    assert client.post(withdraw_url(chills), {"reason": "staff"}).status_code == 403
    assert_active(chills)


def test_withdrawing_sends_anonymous_visitors_to_login(client, chills):
    response = client.post(withdraw_url(chills), {"reason": "wrong"})
    assert response.status_code == 302
    assert response.url == f"/login/?next={withdraw_url(chills)}"
    assert_active(chills)


# The patient's report: what is refused.


@pytest.mark.parametrize("reason, message", BAD_REASONS)
def test_a_blank_or_over_long_reason_is_shown_on_the_withdraw_form(
    as_persona, chills, reason, message
):
    response = as_persona("the_patient").post(withdraw_url(chills), {"reason": reason})
    assert response.status_code == 400
    assert message in response.text
    assert_active(chills)


def test_a_report_already_withdrawn_says_so_and_nothing_is_written(as_persona, personas, chills):
    withdraw_report(chills, by=personas.the_patient, reason="reported twice")
    client = as_persona("the_patient")
    detail = client.get(detail_url(chills))
    assert "withdrawn as entered in error: reported twice" in detail.text
    assert f'href="{withdraw_url(chills)}"' not in detail.text
    page = client.get(withdraw_url(chills))
    assert "This report is already withdrawn. Nothing was changed." in page.text
    response = client.post(withdraw_url(chills), {"reason": "again"})
    assert response.status_code == 400
    assert "already withdrawn" in response.text
    stored = SymptomReport.objects.get()
    assert stored.error_reason == "reported twice"
    assert stored.history.count() == 2


# The patient's report: where it shows afterwards.


def test_a_withdrawn_report_stays_in_the_patients_list_crossed_out(as_persona, personas, dose):
    kept, mistaken = report(personas, dose, "nausea"), report(personas, dose)
    client = as_persona("the_patient")
    response = client.post(withdraw_url(mistaken), {"reason": "I meant fever"}, follow=True)
    assert "Withdrawn: your report of chills." in response.text
    page = client.get("/me/symptoms/")
    assert set(page.context["recent"]) == {kept, mistaken}
    text = squeeze(page.text)
    assert (
        f'<span class="record-entered-in-error"><a class="stretched-link fw-semibold" '
        f'href="{detail_url(mistaken)}">Chills</a>'
    ) in text
    assert "Withdrawn: I meant fever" in text
    assert f'<a class="stretched-link fw-semibold" href="{detail_url(kept)}">Nausea</a>' in text


def test_a_withdrawn_report_is_struck_for_staff_and_leaves_the_cells_and_the_dose(
    as_persona, personas, dose, chills
):
    staff = as_persona("clinician_on_team")
    (row,) = staff.get(timeline_url(personas)).context["timeline"].rows
    assert (row.cells[0].level, row.cells[0].source) == (3, "pro")
    assert [r.label for r in staff.get(dose_url(dose)).context["side_effects"]] == ["Chills"]

    withdraw_report(chills, by=personas.the_patient, reason="I meant fever")
    page = staff.get(timeline_url(personas))
    assert page.context["timeline"].is_empty
    text = squeeze(page.text)
    assert '<span class="record-entered-in-error"><strong>Chills</strong>:' in text
    assert "Entered in error</span> I meant fever" in text
    assert "/review/" not in text
    assert staff.get(dose_url(dose)).context["side_effects"] == []


def test_a_withdrawn_reports_alert_stays_open(as_persona, personas, chills):
    (alert,) = Alert.objects.all()
    as_persona("the_patient").post(withdraw_url(chills), {"reason": "I meant fever"})
    alert.refresh_from_db()
    assert alert.is_open and alert.symptom_report_id == chills.pk


# Queries.


def page_queries(client, url, status=200) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == status
    return len(queries)


def test_the_confirm_pages_take_the_same_queries_with_one_or_many_entries(
    as_persona, personas, dose, event, chills
):
    one_event = page_queries(as_persona("nurse_on_team"), event_url(event))
    one_report = page_queries(as_persona("the_patient"), withdraw_url(chills))
    for name, slug in (("Fever", "nausea"), ("Nausea", "vomiting"), ("Vomiting", "itching")):
        grade(personas, dose, name, 1)
        report(personas, dose, slug, **({"severity": 2} if slug == "itching" else {}))
    assert page_queries(as_persona("nurse_on_team"), event_url(event)) == one_event
    assert page_queries(as_persona("the_patient"), withdraw_url(chills)) == one_report


def test_lists_with_marked_entries_take_the_same_queries_with_one_or_many(
    as_persona, personas, dose
):
    def mark_one_of_each():
        event, mistaken = grade(personas, dose, grade=1), report(personas, dose)
        mark_event_in_error(event, by=personas.nurse_on_team, reason="wrong patient")
        withdraw_report(mistaken, by=personas.the_patient, reason="reported twice")

    mark_one_of_each()
    staff_one = page_queries(as_persona("nurse_on_team"), timeline_url(personas))
    patient_one = page_queries(as_persona("the_patient"), "/me/symptoms/")
    for _ in range(3):
        mark_one_of_each()
    grade(personas, dose, "Fever", 1)
    assert AdverseEvent.objects.filter(state=ERROR).count() == 4
    assert page_queries(as_persona("nurse_on_team"), timeline_url(personas)) == staff_one
    assert page_queries(as_persona("the_patient"), "/me/symptoms/") == patient_one

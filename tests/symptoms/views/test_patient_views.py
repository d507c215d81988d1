"""The patient's side-effect pages: who may use them, the report flow, and every refusal."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, make_user, record_given
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.symptoms.models import ProSymptom, SymptomReport
from tracker.symptoms.reporting import report_symptom

# Dose 1 of the default course is at 08:00 EST (13:00 UTC) on 10 March 2027, dose 2 at
# 16:00 EST (21:00 UTC); it is now 17:00 EST, so both are past and dose 3 is to come.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
LIST = "/me/symptoms/"


def dose(course, number):
    return course.doses.get(dose_in_course=number)


@pytest.fixture
def given(personas, course):
    """Doses 1 and 2 given at their planned times."""
    for number in (1, 2):
        record_given(dose(course, number), personas.nurse_on_team)
    return course


def make_report(personas, slug="nausea", answers=None, **fields):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug=slug),
        by=personas.the_patient,
        answers=answers or {"frequency": 2, "severity": 1},
        **fields,
    )


@pytest.fixture
def report(personas, given):
    return make_report(personas)


def detail(report):
    return f"/me/symptoms/reports/{report.pk}/"


def edit(report):
    return f"/me/symptoms/reports/{report.pk}/edit/"


def assert_unchanged(report):
    stored = SymptomReport.objects.get(pk=report.pk)
    assert (stored.onset_at, stored.note, stored.dose_id, stored.linked_automatically) == (
        report.onset_at,
        report.note,
        report.dose_id,
        report.linked_automatically,
    )
    assert stored.history.count() == 1


# Who may use the pages.


def test_the_list_shows_the_patient_every_active_symptom_with_its_first_question(as_persona):
    ProSymptom.objects.filter(slug="belly-pain").update(is_active=False)
    response = as_persona("the_patient").get(LIST)
    assert response.status_code == 200
    assert len(response.context["symptoms"]) == ProSymptom.objects.count() - 1
    assert 'id="symptom-belly-pain"' not in response.text
    assert "How often did you have swelling in your arms or legs?" in response.text
    assert "What was the severity of your itchy skin at its worst?" in response.text
    assert "Did you have any rash?" in response.text


def test_the_list_offers_first_answers_from_1_and_presence_as_yes(as_persona):
    text = as_persona("the_patient").get(LIST).text
    card = text[text.index('id="symptom-nausea"') : text.index('id="symptom-vomiting"')]
    assert 'name="frequency" value="0"' not in card
    for value, words in enumerate(["Rarely", "Occasionally", "Frequently"], 1):
        assert f'name="frequency" value="{value}">{words}</button>' in card
    assert 'name="frequency" value="4">Almost constantly</button>' in card
    rash = text[text.index('id="symptom-rash"') : text.index('id="symptom-itching"')]
    assert 'name="presence" value="yes">Yes, I have this</button>' in rash
    assert rash.count("<button") == 1


def test_another_patient_sees_only_their_own_empty_list(as_persona, report):
    response = as_persona("other_patient").get(LIST)
    assert response.status_code == 200
    assert list(response.context["recent"]) == []
    assert detail(report) not in response.text
    assert "You have not reported any side effects yet." in response.text


def test_the_patient_sees_their_recent_reports_with_links(as_persona, report):
    response = as_persona("the_patient").get(LIST)
    assert list(response.context["recent"]) == [report]
    assert f'href="{detail(report)}"' in response.text
    assert "Occasionally · Mild" in response.text


def test_the_list_shows_the_last_ten_reports_newest_first(as_persona, personas):
    reports = []
    for minutes in range(12):
        with time_machine.travel(datetime(2027, 3, 10, 20, minutes, tzinfo=UTC), tick=False):
            reports.append(make_report(personas))
    response = as_persona("the_patient").get(LIST)
    assert list(response.context["recent"]) == reports[::-1][:10]


def test_a_patient_with_no_linked_record_is_told_so(client):
    client.force_login(make_user(Role.PATIENT))
    response = client.get(LIST)
    assert response.status_code == 200
    assert "not linked to a patient record" in response.text
    assert client.post("/me/symptoms/rash/", {"presence": "yes"}).status_code == 404
    assert SymptomReport.objects.count() == 0


@pytest.mark.parametrize("name", STAFF)
def test_staff_are_refused_every_patient_page(as_persona, personas, report, name):
    client = as_persona(name)
    for url in (LIST, "/me/symptoms/nausea/", detail(report), edit(report)):
        assert client.get(url).status_code == 403, url
    assert client.post("/me/symptoms/rash/", {"presence": "yes"}).status_code == 403
    assert client.post(edit(report), change_data(report, note="staff")).status_code == 403
    assert SymptomReport.objects.count() == 1
    assert_unchanged(report)


def test_anonymous_visitors_are_sent_to_sign_in(client, report):
    for url in (LIST, "/me/symptoms/nausea/", detail(report), edit(report)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"/login/?next={url}"
    assert client.post("/me/symptoms/rash/", {"presence": "yes"}).status_code == 302
    assert SymptomReport.objects.count() == 1


def test_the_patient_opens_their_report_and_its_change_form(as_persona, report):
    client = as_persona("the_patient")
    assert client.get(detail(report)).status_code == 200
    assert client.get(edit(report)).status_code == 200


def test_another_patients_report_is_not_found(as_persona, report):
    client = as_persona("other_patient")
    assert client.get(detail(report)).status_code == 404
    assert client.get(edit(report)).status_code == 404
    assert client.post(edit(report), change_data(report, note="not mine")).status_code == 404
    assert_unchanged(report)


def test_an_unknown_report_is_not_found(as_persona):
    assert as_persona("the_patient").get("/me/symptoms/reports/999999/").status_code == 404


def test_another_patient_reporting_saves_only_for_themselves(as_persona, personas):
    response = as_persona("other_patient").post("/me/symptoms/rash/", {"presence": "yes"})
    assert response.status_code == 302
    report = SymptomReport.objects.get()
    assert report.patient.user == personas.other_patient
    assert report.patient != personas.patient


# The report flow, one answer per POST.


def test_swelling_asks_three_questions_and_saves_on_the_last(as_persona, personas, given):
    client = as_persona("the_patient")
    url = "/me/symptoms/swelling/"

    first = client.post(url, {"frequency": "3"})
    assert first.status_code == 200
    assert "What was the severity of your swelling in your arms or legs at its worst?" in (
        first.text
    )
    assert '<input type="hidden" name="frequency" value="3">' in first.text
    assert 'name="severity" value="0">None</button>' in first.text
    assert "Question 2 of 3" in first.text

    second = client.post(url, {"frequency": "3", "severity": "0"})
    assert second.status_code == 200
    assert "How much did swelling in your arms or legs interfere" in second.text
    assert '<input type="hidden" name="severity" value="0">' in second.text
    assert SymptomReport.objects.count() == 0

    last = client.post(url, {"frequency": "3", "severity": "0", "interference": "4"})
    report = SymptomReport.objects.get()
    assert last.status_code == 302
    assert last.url == detail(report)
    assert report.patient == personas.patient
    assert report.reported_by == personas.the_patient
    assert (report.frequency, report.severity, report.interference) == (3, 0, 4)
    assert report.onset_at == datetime(2027, 3, 10, 22, 0, tzinfo=UTC)
    assert report.dose == dose(given, 2)
    assert Alert.objects.get().symptom_report == report


def test_nausea_saves_on_the_second_answer(as_persona):
    client = as_persona("the_patient")
    assert client.post("/me/symptoms/nausea/", {"frequency": "1"}).status_code == 200
    response = client.post("/me/symptoms/nausea/", {"frequency": "1", "severity": "2"})
    assert response.status_code == 302
    report = SymptomReport.objects.get()
    assert (report.frequency, report.severity) == (1, 2)


def test_rash_saves_on_the_first_tap(as_persona):
    response = as_persona("the_patient").post("/me/symptoms/rash/", {"presence": "yes"})
    assert response.status_code == 302
    assert SymptomReport.objects.get().present is True


def test_a_one_question_item_saves_on_the_first_tap(as_persona):
    response = as_persona("the_patient").post("/me/symptoms/diarrhoea/", {"frequency": "2"})
    assert response.status_code == 302
    assert SymptomReport.objects.get().frequency == 2


def test_the_question_page_opens_on_the_first_question(as_persona):
    response = as_persona("the_patient").get("/me/symptoms/fatigue/")
    assert response.status_code == 200
    assert "What was the severity of your fatigue, tiredness, or lack of energy at its worst?" in (
        response.text
    )
    assert 'name="severity" value="0"' not in response.text
    assert "Question 1 of 2" in response.text
    assert SymptomReport.objects.count() == 0


def test_an_id_in_the_request_never_chooses_the_patient(as_persona, personas):
    other = personas.other_patient.patient
    response = as_persona("the_patient").post(
        "/me/symptoms/rash/", {"presence": "yes", "patient": other.pk, "patient_id": other.pk}
    )
    assert response.status_code == 302
    assert SymptomReport.objects.get().patient == personas.patient


def test_the_confirmation_shows_the_answers_and_the_dose(as_persona, given):
    client = as_persona("the_patient")
    response = client.post(
        "/me/symptoms/nausea/", {"frequency": "3", "severity": "1"}, follow=True
    )
    report = SymptomReport.objects.get()
    assert response.redirect_chain == [(detail(report), 302)]
    assert "Saved: your report of nausea." in response.text
    assert "How often did you have nausea?</dt><dd>Frequently" in response.text
    assert "What was the severity of your nausea at its worst?</dt><dd>Mild" in response.text
    assert "Linked to your dose of Wed 10 Mar, 16:00 EST" in response.text
    assert "When it started</dt><dd>Wed 10 Mar, 17:00 EST" in response.text
    assert f'href="{edit(report)}"' in response.text


def test_the_confirmation_says_when_no_dose_was_given_before(as_persona, course):
    response = as_persona("the_patient").post(
        "/me/symptoms/rash/", {"presence": "yes"}, follow=True
    )
    assert "Did you have any rash?</dt><dd>Yes" in response.text
    assert "Not linked: no dose given before it" in response.text


def test_the_dose_is_shown_on_the_patients_clock_after_the_clocks_change(
    as_persona, personas, course
):
    # Dose 13 is at 09:00 EDT (13:00 UTC) on 14 March, the day the clocks go forward.
    record_given(
        dose(course, 13), personas.nurse_on_team, different_time_reason="doses 1-12 on paper"
    )
    with time_machine.travel("2027-03-14 15:00Z", tick=False):
        response = as_persona("the_patient").post(
            "/me/symptoms/rash/", {"presence": "yes"}, follow=True
        )
    assert "Linked to your dose of Sun 14 Mar, 09:00 EDT" in response.text


# Tampered or incomplete answers: refused, nothing written.


@pytest.mark.parametrize(
    "slug, data, message",
    [
        ("nausea", {}, "No answer was chosen."),
        (
            "nausea",
            {"frequency": "0"},
            "not one of the answers to “How often did you have nausea?”",
        ),
        ("nausea", {"frequency": "5"}, "not one of the answers"),
        ("nausea", {"frequency": "-1"}, "not one of the answers"),
        ("nausea", {"frequency": "often"}, "not one of the answers"),
        ("nausea", {"frequency": "2", "severity": "5"}, "not one of the answers"),
        ("nausea", {"severity": "2"}, "An earlier answer is missing."),
        ("swelling", {"frequency": "2", "interference": "1"}, "An earlier answer is missing."),
        ("rash", {"presence": "no"}, "not one of the answers to “Did you have any rash?”"),
        ("rash", {"presence": "1"}, "not one of the answers"),
    ],
)
def test_tampered_answers_are_refused_with_a_message(as_persona, slug, data, message):
    response = as_persona("the_patient").post(f"/me/symptoms/{slug}/", data)
    assert response.status_code == 400
    assert message in response.text
    assert "Nothing was saved." in response.text
    assert SymptomReport.objects.count() == 0


def test_an_unknown_symptom_is_not_found(as_persona):
    client = as_persona("the_patient")
    assert client.get("/me/symptoms/sneezing/").status_code == 404
    assert client.post("/me/symptoms/sneezing/", {"frequency": "2"}).status_code == 404
    assert SymptomReport.objects.count() == 0


def test_a_retired_symptom_cannot_be_reported(as_persona):
    ProSymptom.objects.filter(slug="rash").update(is_active=False)
    response = as_persona("the_patient").post("/me/symptoms/rash/", {"presence": "yes"})
    assert response.status_code == 404
    assert SymptomReport.objects.count() == 0


# Changing a report.


def change_data(report, **changes):
    data = {"onset_date": "2027-03-10", "onset_time": "16:30", "dose": "auto", "note": ""}
    data.update(changes)
    return data


def test_the_change_form_starts_from_the_report_on_the_patients_clock(as_persona, report):
    form = as_persona("the_patient").get(edit(report)).context["form"]
    assert str(form["onset_date"].value()) == "2027-03-10"
    assert str(form["onset_time"].value()) == "17:00:00"
    assert form["dose"].value() == "auto"
    assert "On your clock (America/New_York)." in form["onset_time"].help_text


def test_the_change_form_offers_only_the_patients_own_recent_doses(
    as_persona, personas, report, given
):
    other_dose = dose(make_course(personas.other_patient.patient), 1)
    choices = dict(
        as_persona("the_patient").get(edit(report)).context["form"].fields["dose"].choices
    )
    assert set(choices) == {"auto", "none", str(dose(given, 1).pk), str(dose(given, 2).pk)}
    assert str(other_dose.pk) not in choices
    assert (
        choices[str(dose(given, 2).pk)]
        == "Wed 10 Mar, 16:00 EST · Dose 2 (cycle 1, dose 2) · given"
    )


def test_changing_the_onset_links_again_by_the_rule(as_persona, personas, report, given):
    response = as_persona("the_patient").post(
        edit(report), change_data(report, onset_time="09:15", note=" worse after lunch ")
    )
    assert response.status_code == 302
    assert response.url == detail(report)
    report.refresh_from_db()
    assert report.onset_at == datetime(2027, 3, 10, 14, 15, tzinfo=UTC)
    assert report.dose == dose(given, 1)
    assert report.linked_automatically is True
    assert report.note == "worse after lunch"
    latest, earlier = report.history.order_by("-history_id")[:2]
    assert latest.history_user == personas.the_patient
    assert earlier.onset_at == datetime(2027, 3, 10, 22, 0, tzinfo=UTC)
    assert earlier.dose_id == dose(given, 2).pk


def test_a_report_is_unlinked_on_request(as_persona, report):
    response = as_persona("the_patient").post(edit(report), change_data(report, dose="none"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.dose, report.linked_automatically) == (None, False)
    page = as_persona("the_patient").get(detail(report))
    assert "Not linked to a dose (you chose this)" in page.text


def test_a_report_is_linked_to_a_dose_the_patient_chooses(as_persona, report, given):
    first = dose(given, 1)
    response = as_persona("the_patient").post(edit(report), change_data(report, dose=first.pk))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.dose, report.linked_automatically) == (first, False)
    assert "(you chose this dose)" in as_persona("the_patient").get(detail(report)).text


def test_another_patients_dose_is_refused(as_persona, personas, report):
    other_course = make_course(personas.other_patient.patient)
    other_dose = dose(other_course, 1)
    record_given(other_dose, personas.nurse_on_team)
    response = as_persona("the_patient").post(
        edit(report), change_data(report, dose=other_dose.pk)
    )
    assert response.status_code == 400
    assert "Choose one of the doses listed here." in response.text
    assert_unchanged(report)


def test_a_dose_planned_more_than_14_days_ago_is_refused(as_persona, report, given):
    with time_machine.travel("2027-03-25 00:00Z", tick=False):
        response = as_persona("the_patient").post(
            edit(report), change_data(report, dose=dose(given, 1).pk)
        )
        assert response.status_code == 400
        # The dose it is linked to now stays on offer.
        choices = dict(response.context["form"].fields["dose"].choices)
        assert str(dose(given, 2).pk) in choices
    assert_unchanged(report)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"onset_time": "17:10"}, "The time it started is in the future."),
        ({"onset_date": "2027-03-14", "onset_time": "02:30"}, "the clocks went forward"),
        ({"onset_date": "31/02/2027"}, "Enter a valid date."),
        ({"onset_time": ""}, "This field is required."),
        ({"dose": "elsewhere"}, "Choose one of the doses listed here."),
        ({"dose": ""}, "This field is required."),
        ({"note": "x" * 301}, "at most 300 characters"),
    ],
)
def test_bad_changes_are_refused_with_a_message(as_persona, report, changes, message):
    response = as_persona("the_patient").post(edit(report), change_data(report, **changes))
    assert response.status_code == 400
    assert message in response.text
    assert_unchanged(report)


def test_an_empty_change_is_refused_field_by_field(as_persona, report):
    response = as_persona("the_patient").post(edit(report), {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"onset_date", "onset_time", "dose"}
    assert_unchanged(report)


def test_a_report_entered_in_error_cannot_be_changed(as_persona, report):
    SymptomReport.objects.filter(pk=report.pk).update(
        state=SymptomReport.State.ENTERED_IN_ERROR, error_reason="Reported twice"
    )
    client = as_persona("the_patient")
    page = client.get(detail(report))
    assert "entered in error: Reported twice" in page.text
    assert f'href="{edit(report)}"' not in page.text
    assert "cannot be changed" in client.get(edit(report)).text
    response = client.post(edit(report), change_data(report, note="changed"))
    assert response.status_code == 400
    assert SymptomReport.objects.get(pk=report.pk).note == ""


# Queries.


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


def test_the_list_page_makes_the_same_queries_for_one_or_five_reports(as_persona, personas, given):
    client = as_persona("the_patient")
    make_report(personas)
    one = list_queries(client)
    # Four more, of items asking one, two and three attributes and presence.
    make_report(personas, slug="rash", answers={"presence": True})
    make_report(personas, slug="itching", answers={"severity": 2})
    make_report(personas, slug="chills")
    make_report(
        personas, slug="anxiety", answers={"frequency": 1, "severity": 1, "interference": 1}
    )
    assert SymptomReport.objects.count() == 5
    assert list_queries(client) == one


def test_the_report_page_makes_the_same_queries_with_or_without_a_dose(
    as_persona, personas, given
):
    client = as_persona("the_patient")
    linked = make_report(personas)
    unlinked = make_report(personas, onset_at=datetime(2027, 3, 10, 12, tzinfo=UTC))
    assert unlinked.dose is None
    counts = []
    for report in (linked, unlinked):
        with CaptureQueriesContext(connection) as queries:
            client.get(detail(report))
        counts.append(len(queries))
    assert counts[0] == counts[1]


@override_settings(WARD_PHONE="+1 212 555 0100")
def test_a_severe_report_tells_the_patient_to_call_the_ward(as_persona, personas):
    report = report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="short-of-breath"),
        by=personas.the_patient,
        answers={"severity": 4, "interference": 4},
    )
    page = as_persona("the_patient").get(f"/me/symptoms/reports/{report.pk}/").text
    assert "This sounds severe. Call your care team now" in page
    assert 'href="tel:+12125550100"' in page


def test_a_mild_report_gives_no_urgent_advice(as_persona, personas):
    report = report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="fatigue"),
        by=personas.the_patient,
        answers={"severity": 1, "interference": 1},
    )
    page = as_persona("the_patient").get(f"/me/symptoms/reports/{report.pk}/").text
    assert "This sounds severe" not in page


def test_a_frequent_moderate_headache_is_sent_to_the_team_without_the_red_box(
    as_persona, personas
):
    report = report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="headache"),
        by=personas.the_patient,
        answers={"frequency": 3, "severity": 2, "interference": 1},
    )
    page = as_persona("the_patient").get(f"/me/symptoms/reports/{report.pk}/").text
    assert "This sounds severe" not in page
    assert "alert-danger" not in page
    assert "Your care team has been sent these answers" in page
    assert report.alerts.get().severity == "routine"

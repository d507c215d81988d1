"""Staff side-effect pages: grading with CTCAE, reviewing reports, the timeline and the CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory, make_course, make_user, record_given
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import record_event, report_symptom, review_report

# Dose 1 of the default course is at 08:00 EST (13:00 UTC) on 10 March 2027, one
# every 8 hours after; it is now 07:00 EST on 12 March, so doses 1–6 are past.
NOW = "2027-03-12 12:00Z"
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
GRADERS = ["nurse_on_team", "clinician_on_team"]


@pytest.fixture
def dose(personas, course):
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    return dose


@pytest.fixture
def chills_report(personas, dose):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="chills"),
        by=personas.the_patient,
        answers={"frequency": 3, "severity": 2},
        onset_at=dose.planned_at + timedelta(minutes=30),
        note="Shaking under two blankets",
    )


def term(name):
    return CtcaeTerm.objects.get(term=name, version="5.0")


def grade(personas, name="Chills", grade=2, dose="auto", **fields):
    fields.setdefault("onset_at", datetime(2027, 3, 10, 13, 30, tzinfo=UTC))
    fields.setdefault("attribution", "probable")
    return record_event(
        personas.patient, term(name), by=personas.nurse_on_team, grade=grade, dose=dose, **fields
    )


def new_url(personas, term_id=None):
    url = f"/patients/{personas.patient.pk}/side-effects/new/"
    return f"{url}?term={term_id}" if term_id is not None else url


def entry(**changes):
    data = {
        "grade": "2",
        "onset_date": "2027-03-10",
        "onset_time": "08:30",
        "resolved_date": "",
        "resolved_time": "",
        "attribution": "probable",
        "dose": "auto",
        "note": "",
    }
    return {**data, **changes}


def timeline_url(personas):
    return f"/patients/{personas.patient.pk}/side-effects/"


def csv_url(personas):
    return f"/patients/{personas.patient.pk}/side-effects.csv"


def review_url(report):
    return f"/symptom-reports/{report.pk}/review/"


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


# Who may grade a side effect.


@pytest.mark.parametrize("name", GRADERS)
def test_the_care_team_grades_a_side_effect(as_persona, personas, dose, name):
    client = as_persona(name)
    assert client.get(new_url(personas)).status_code == 200
    assert client.get(new_url(personas, term("Chills").pk)).status_code == 200
    response = client.post(new_url(personas, term("Chills").pk), entry())
    assert response.status_code == 302
    assert AdverseEvent.objects.get().recorded_by == getattr(personas, name)


@pytest.mark.parametrize(
    "name, status", [("admin", 403), ("the_patient", 403), *((n, 404) for n in OUT_OF_SCOPE)]
)
def test_no_one_else_grades_a_side_effect(as_persona, personas, dose, name, status):
    client = as_persona(name)
    url = new_url(personas, term("Chills").pk)
    assert client.get(new_url(personas)).status_code == status
    assert client.get(url).status_code == status
    assert client.post(url, entry()).status_code == status
    assert AdverseEvent.objects.count() == 0


def test_grading_sends_anonymous_visitors_to_login(client, personas):
    assert_login_redirect(client.get(new_url(personas)))
    assert_login_redirect(client.post(new_url(personas, term("Chills").pk), entry()))
    assert AdverseEvent.objects.count() == 0


def test_an_unknown_patient_is_404(as_persona):
    client = as_persona("admin")
    for url in [
        "/patients/999999/side-effects/",
        "/patients/999999/side-effects.csv",
        "/symptom-reports/999999/review/",
    ]:
        assert client.get(url).status_code == 404
    assert as_persona("nurse_on_team").get("/patients/999999/side-effects/new/").status_code == 404


# Step 1: the terms.


def test_step_1_lists_the_current_terms_by_category(as_persona, personas):
    response = as_persona("nurse_on_team").get(new_url(personas))
    terms = response.context["terms"]
    assert len(terms) == CtcaeTerm.objects.filter(version="5.0").count()
    assert "CTCAE v5.0" in response.text
    assert '<h2 class="h6 mt-3">Vascular disorders</h2>' in response.text
    assert f'href="?term={term("Flushing").pk}"' in response.text


def test_step_1_leaves_out_switched_off_terms_and_older_versions(as_persona, personas):
    CtcaeTerm.objects.filter(term="Fever").update(is_active=False)
    response = as_persona("nurse_on_team").get(new_url(personas))
    assert "Fever" not in [t.term for t in response.context["terms"]]
    newer = CtcaeTerm.objects.create(
        version="6.0", term="Chills", category="General disorders", grade_1="Cold"
    )
    response = as_persona("nurse_on_team").get(new_url(personas))
    assert response.context["terms"] == [newer]
    assert (
        as_persona("nurse_on_team").get(new_url(personas, term("Chills").pk)).context.get("form")
        is None
    )


def test_the_search_filters_terms_without_javascript(as_persona, personas):
    response = as_persona("nurse_on_team").get(new_url(personas) + "?q=chil")
    assert [t.term for t in response.context["terms"]] == ["Chills"]
    by_category = as_persona("nurse_on_team").get(new_url(personas) + "?q=vascular")
    assert {t.category for t in by_category.context["terms"]} == {"Vascular disorders"}
    nothing = as_persona("nurse_on_team").get(new_url(personas) + "?q=zzz")
    assert "No current term matches “zzz”." in nothing.text


@pytest.mark.parametrize("bad", ["abc", "999999", "-1", "1.5", "99999999999999999999"])
def test_an_unknown_term_shows_the_list_with_a_message(as_persona, personas, bad):
    response = as_persona("nurse_on_team").get(new_url(personas, bad))
    assert response.status_code == 200
    assert "That term is not in the current CTCAE list. Choose one below." in response.text
    assert "form" not in response.context


# Step 2: the grade.


def test_step_2_offers_only_the_terms_grades_with_their_texts(as_persona, personas, dose):
    response = as_persona("nurse_on_team").get(new_url(personas, term("Chills").pk))
    assert "Grade 2 — Moderate tremor of the entire body; narcotics indicated" in response.text
    assert [value for value, _ in response.context["form"].fields["grade"].choices] == [1, 2, 3]
    assert 'name="grade" value="2"' in response.text
    assert response.context["form"].fields["grade"].widget.input_type == "radio"
    assert "On the patient's clock (America/New_York)." in response.text


def test_step_2_offers_this_patients_doses_of_the_last_14_days(as_persona, personas, dose):
    other = make_course(PatientFactory(), by=personas.clinician_on_team).doses.first()
    form = as_persona("nurse_on_team").get(new_url(personas, term("Chills").pk)).context["form"]
    values = [value for value, _ in form.fields["dose"].choices]
    assert values[:2] == ["auto", "none"]
    assert str(dose.pk) in values and str(other.pk) not in values
    assert len(values) == 2 + 6  # doses 1–6 are past
    assert (
        "Dose 1 (cycle 1) · Wed 10 Mar, 08:00 EST · Given"
        in dict(form.fields["dose"].choices)[str(dose.pk)]
    )


def test_an_entry_is_saved_on_the_patients_clock_and_linked_to_the_dose_before(
    as_persona, personas, dose
):
    response = as_persona("nurse_on_team").post(
        new_url(personas, term("Chills").pk),
        entry(resolved_date="2027-03-10", resolved_time="10:15", note=" warm blankets "),
        follow=True,
    )
    assert response.redirect_chain == [(timeline_url(personas), 302)]
    saved = AdverseEvent.objects.get()
    assert saved.onset_at == datetime(2027, 3, 10, 13, 30, tzinfo=UTC)
    assert saved.resolved_at == datetime(2027, 3, 10, 15, 15, tzinfo=UTC)
    assert (saved.grade, saved.ctcae_version, saved.attribution) == (2, "5.0", "probable")
    assert saved.dose == dose
    assert saved.note == "warm blankets"
    assert f"{personas.patient.full_name}: Chills grade 2 recorded." in response.text


def test_an_entry_can_name_its_dose_or_none(as_persona, personas, dose, course):
    later = course.doses.get(dose_in_course=3)
    client = as_persona("clinician_on_team")
    client.post(new_url(personas, term("Chills").pk), entry(dose=str(later.pk)))
    client.post(new_url(personas, term("Fever").pk), entry(dose="none"))
    assert AdverseEvent.objects.get(term__term="Chills").dose == later
    assert AdverseEvent.objects.get(term__term="Fever").dose is None


def test_grade_3_says_the_care_team_was_alerted(as_persona, personas, dose):
    response = as_persona("nurse_on_team").post(
        new_url(personas, term("Chills").pk), entry(grade="3"), follow=True
    )
    assert "Chills grade 3 recorded. The care team has been alerted." in response.text
    assert Alert.objects.get().adverse_event == AdverseEvent.objects.get()


@pytest.mark.parametrize(
    "term_name, changes, message",
    [
        ("Chills", {"grade": "abc"}, "Choose one of the grades listed for this term."),
        ("Flushing", {"grade": "4"}, "Choose one of the grades listed for this term."),
        ("Chills", {"grade": ""}, "Choose a grade."),
        ("Chills", {"onset_date": "2027-03-12", "onset_time": "07:10"}, "in the future"),
        (
            "Chills",
            {"resolved_date": "2027-03-10", "resolved_time": "08:00"},
            "It cannot resolve before it started.",
        ),
        ("Chills", {"resolved_date": "2027-03-10"}, "Give the time it resolved too."),
        ("Chills", {"resolved_time": "09:00"}, "Give the date it resolved too."),
        ("Chills", {"attribution": "certain"}, "Select a valid choice."),
        ("Chills", {"onset_date": "10/03/2027x"}, "Enter a valid date."),
        ("Chills", {"dose": "abc"}, "Choose one of this patient&#x27;s doses"),
        ("Chills", {"dose": "999999"}, "Choose one of this patient&#x27;s doses"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(
    as_persona, personas, dose, term_name, changes, message
):
    response = as_persona("nurse_on_team").post(
        new_url(personas, term(term_name).pk), entry(**changes)
    )
    assert response.status_code == 200
    assert message in response.text
    assert AdverseEvent.objects.count() == 0


def test_another_patients_dose_is_refused(as_persona, personas, dose):
    other = make_course(PatientFactory(), by=personas.clinician_on_team).doses.first()
    response = as_persona("nurse_on_team").post(
        new_url(personas, term("Chills").pk), entry(dose=str(other.pk))
    )
    assert response.status_code == 200
    assert "Choose one of this patient&#x27;s doses from the last 14 days." in response.text
    assert AdverseEvent.objects.count() == 0


def test_a_time_the_clocks_skip_is_refused(as_persona, personas, dose):
    with time_machine.travel("2027-03-15 12:00Z", tick=False):
        response = as_persona("nurse_on_team").post(
            new_url(personas, term("Chills").pk),
            entry(onset_date="2027-03-14", onset_time="02:30"),
        )
    assert "the clocks went forward" in response.text
    assert AdverseEvent.objects.count() == 0


def test_posting_without_a_term_shows_the_list(as_persona, personas):
    response = as_persona("nurse_on_team").post(new_url(personas), entry())
    assert response.status_code == 200
    assert "terms" in response.context
    assert AdverseEvent.objects.count() == 0


# Reviewing a patient's report.


@pytest.mark.parametrize(
    "name, status",
    [
        ("nurse_on_team", 403),
        ("admin", 403),
        ("the_patient", 403),
        *((n, 404) for n in OUT_OF_SCOPE),
    ],
)
def test_only_a_clinician_on_the_team_reviews(as_persona, chills_report, name, status):
    client = as_persona(name)
    assert client.get(review_url(chills_report)).status_code == status
    assert client.post(review_url(chills_report), {"grade": "2"}).status_code == status
    chills_report.refresh_from_db()
    assert chills_report.reviewed_grade is None


def test_reviewing_sends_anonymous_visitors_to_login(client, chills_report):
    assert_login_redirect(client.get(review_url(chills_report)))
    assert_login_redirect(client.post(review_url(chills_report), {"grade": "2"}))


def test_the_review_shows_the_answers_in_words_and_the_grade_texts(as_persona, chills_report):
    response = as_persona("clinician_on_team").get(review_url(chills_report))
    assert response.status_code == 200
    assert "Frequently (3)" in response.text
    assert "How often did you have shivering or shaking chills?" in response.text
    assert "Shaking under two blankets" in response.text
    assert "Grade 0 — Not an adverse event" in response.text
    assert "Grade 2 — Moderate tremor of the entire body; narcotics indicated" in response.text
    choices = response.context["form"].fields["grade"].choices
    assert [value for value, _ in choices] == [0, 1, 2, 3]


def test_a_clinician_reviews_a_report(as_persona, personas, chills_report):
    response = as_persona("clinician_on_team").post(
        review_url(chills_report), {"grade": "0"}, follow=True
    )
    assert response.redirect_chain == [(timeline_url(personas), 302)]
    chills_report.refresh_from_db()
    assert chills_report.reviewed_grade == 0
    assert chills_report.reviewed_by == personas.clinician_on_team
    assert "chills reviewed as grade 0" in response.text


def test_the_review_goes_back_to_the_dose_it_came_from(as_persona, chills_report, dose):
    response = as_persona("clinician_on_team").post(
        review_url(chills_report), {"grade": "1", "next": f"/doses/{dose.pk}/"}
    )
    assert response.url == f"/doses/{dose.pk}/"


def test_the_review_never_goes_to_another_site(as_persona, personas, chills_report):
    response = as_persona("clinician_on_team").post(
        review_url(chills_report), {"grade": "1", "next": "https://evil.example/"}
    )
    assert response.url == timeline_url(personas)


@pytest.mark.parametrize("bad", ["abc", "4", "6", "-1", ""])
def test_a_bad_review_grade_is_refused(as_persona, chills_report, bad):
    response = as_persona("clinician_on_team").post(review_url(chills_report), {"grade": bad})
    assert response.status_code == 200
    assert response.context["form"].errors["grade"]
    chills_report.refresh_from_db()
    assert chills_report.reviewed_grade is None


def test_a_report_entered_in_error_cannot_be_reviewed(as_persona, chills_report):
    SymptomReport.objects.filter(pk=chills_report.pk).update(
        state="entered_in_error", error_reason="wrong symptom"
    )
    client = as_persona("clinician_on_team")
    assert "This report was entered in error" in client.get(review_url(chills_report)).text
    response = client.post(review_url(chills_report), {"grade": "1"})
    assert response.status_code == 200
    chills_report.refresh_from_db()
    assert chills_report.reviewed_grade is None


# The timeline.


@pytest.mark.parametrize("name", ["the_patient", *GRADERS, "admin"])
def test_the_timeline_is_shown_in_scope(as_persona, personas, chills_report, name):
    response = as_persona(name).get(timeline_url(personas))
    assert response.status_code == 200
    assert response.context["course"] == chills_report.dose.course


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_timeline_is_404_out_of_scope(as_persona, personas, name):
    assert as_persona(name).get(timeline_url(personas)).status_code == 404


def test_the_timeline_sends_anonymous_visitors_to_login(client, personas):
    assert_login_redirect(client.get(timeline_url(personas)))


def test_each_cell_prints_its_number_and_source_for_greyscale(
    as_persona, personas, chills_report, dose
):
    grade(personas, "Fever", 3)
    response = as_persona("nurse_on_team").get(timeline_url(personas))
    text = response.text
    assert 'href="/static/css/timeline.css"' in text
    assert (
        f'<a href="/doses/{dose.pk}/">Dose 1</a><br><span class="tl-when">10 Mar<br>08:00' in text
    )
    assert (
        '<td class="tl-cell tl-level-3 tl-source-pro"><span class="tl-number">3</span>'
        '<span class="tl-mark">PRO</span>'
    ) in text
    assert (
        '<td class="tl-cell tl-level-3 tl-source-staff"><span class="tl-number">3</span>'
        '<span class="visually-hidden"> (Staff CTCAE grade)</span>'
    ) in text
    assert "Legend" in text and "4: life-threatening" in text


def test_the_print_styles_give_each_level_its_own_border(settings):
    from pathlib import Path

    css = (Path(settings.BASE_DIR) / "static/css/timeline.css").read_text()
    assert "@media print" in css and "print-color-adjust: exact" in css
    borders = [
        css.split(f".tl-cell.tl-level-{level} {{")[1]
        .split("}")[0]
        .split("border:")[1]
        .split(";")[0]
        for level in range(6)
    ]
    assert len(set(borders)) == 6


def test_the_timeline_switches_courses(as_persona, personas, chills_report, course):
    later = make_course(personas.patient, slug="sc-5on2off", start="2027-06-01 09:00")
    client = as_persona("clinician_on_team")
    assert client.get(timeline_url(personas)).context["course"] == later
    response = client.get(timeline_url(personas) + f"?course={course.pk}")
    assert response.context["course"] == course
    assert response.context["timeline"].rows[0].label == "Chills"
    later_page = client.get(timeline_url(personas) + f"?course={later.pk}")
    assert later_page.context["timeline"].is_empty


@pytest.mark.parametrize("bad", ["abc", "999999", ""])
def test_an_unknown_course_is_404(as_persona, personas, course, bad):
    assert (
        as_persona("nurse_on_team").get(timeline_url(personas) + f"?course={bad}").status_code
        == 404
    )


def test_another_patients_course_is_404(as_persona, personas, course):
    other = make_course(PatientFactory(care_team=[personas.nurse_on_team]))
    url = timeline_url(personas) + f"?course={other.pk}"
    assert as_persona("nurse_on_team").get(url).status_code == 404


def test_a_patient_with_no_course_has_no_grid_but_their_entries(as_persona, personas):
    grade(personas, "Fever", 1, dose=None)
    response = as_persona("nurse_on_team").get(timeline_url(personas))
    assert response.context["timeline"] is None
    assert "No courses yet" in response.text
    assert "Fever grade 1" in response.text


def test_the_patient_sees_staff_grades_but_not_staff_notes_or_actions(
    as_persona, personas, chills_report
):
    grade(personas, "Chills", 2, note="Pethidine given, staff only")
    response = as_persona("the_patient").get(timeline_url(personas))
    assert "Chills grade 2" in response.text
    assert "Pethidine given" not in response.text
    assert "/side-effects.csv" not in response.text
    assert "/side-effects/new/" not in response.text
    assert "/review/" not in response.text
    staff_page = as_persona("clinician_on_team").get(timeline_url(personas))
    assert "Pethidine given, staff only" in staff_page.text
    assert f'href="{review_url(chills_report)}?next=' in staff_page.text


def test_the_timeline_page_takes_the_same_queries_with_3_or_10_doses(as_persona, personas, course):
    client = as_persona("clinician_on_team")
    chills = ProSymptom.objects.get(slug="chills")

    def give_and_report(numbers):
        with time_machine.travel("2027-03-16 12:00Z", tick=False):
            for number in numbers:
                dose = course.doses.get(dose_in_course=number)
                record_given(dose, personas.nurse_on_team)
                onset = dose.planned_at + timedelta(minutes=30)
                report_symptom(
                    personas.patient,
                    chills,
                    by=personas.the_patient,
                    answers={"frequency": 2, "severity": 2},
                    onset_at=onset,
                )
                grade(personas, "Fever", 1, onset_at=onset)

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(timeline_url(personas))
        assert response.status_code == 200
        return len(queries), response

    give_and_report(range(1, 4))
    three, response = page_queries()
    assert len(response.context["entries"]) == 6
    give_and_report(range(4, 11))
    ten, response = page_queries()
    assert len(response.context["entries"]) == 20
    assert three == ten


# CSV export.


@pytest.mark.parametrize("name", [*GRADERS, "admin"])
def test_staff_in_scope_download_the_csv(as_persona, personas, chills_report, name):
    response = as_persona(name).get(csv_url(personas))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="side-effects-{personas.patient.mrn}.csv"'
    )


@pytest.mark.parametrize("name, status", [("the_patient", 403), *((n, 404) for n in OUT_OF_SCOPE)])
def test_no_one_else_downloads_the_csv(as_persona, personas, chills_report, name, status):
    assert as_persona(name).get(csv_url(personas)).status_code == status


def test_the_csv_sends_anonymous_visitors_to_login(client, personas):
    assert_login_redirect(client.get(csv_url(personas)))


def test_the_csv_has_a_row_per_report_and_entry(as_persona, personas, chills_report, dose):
    review_report(chills_report, by=personas.clinician_on_team, grade=2)
    grade(personas, "Chills", 3, attribution="definite")
    response = as_persona("nurse_on_team").get(csv_url(personas))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["kind"] for row in rows] == ["patient", "staff"]
    patient, staff = rows
    assert patient["onset"] == "2027-03-10T08:30:00-05:00"
    assert patient["symptom_or_term"] == "Chills"
    assert (patient["frequency"], patient["severity"], patient["interference"]) == ("3", "2", "")
    assert (patient["reviewed_grade"], patient["grade"], patient["attribution"]) == ("2", "", "")
    assert (patient["dose_in_course"], patient["course_id"]) == ("1", str(dose.course_id))
    assert patient["recorded_by"] == personas.the_patient.get_full_name()
    assert staff["onset"] == "2027-03-10T08:30:00-05:00"
    assert (staff["symptom_or_term"], staff["ctcae_version"], staff["grade"]) == (
        "Chills",
        "5.0",
        "3",
    )
    assert (staff["attribution"], staff["state"]) == ("definite", "active")
    assert staff["recorded_by"] == personas.nurse_on_team.get_full_name()


def test_the_csv_escapes_text_a_spreadsheet_would_run(as_persona, personas, dose):
    rogue = make_user(Role.NURSE, first_name='=HYPERLINK("http://x")', last_name="")
    personas.patient.care_team.add(rogue)
    CtcaeTerm.objects.filter(term="Fever").update(term="@SUM(A1)")
    record_event(
        personas.patient,
        CtcaeTerm.objects.get(term="@SUM(A1)"),
        by=rogue,
        grade=1,
        onset_at=dose.planned_at,
        attribution="possible",
    )
    rows = list(
        csv.DictReader(io.StringIO(as_persona("nurse_on_team").get(csv_url(personas)).text))
    )
    (row,) = rows
    assert row["symptom_or_term"] == "'@SUM(A1)"
    assert row["recorded_by"] == '\'=HYPERLINK("http://x")'


def test_the_csv_keeps_entries_in_error_with_their_state(as_persona, personas, dose):
    wrong = grade(personas, "Chills", 1)
    AdverseEvent.objects.filter(pk=wrong.pk).update(
        state="entered_in_error", error_reason="wrong patient"
    )
    (row,) = csv.DictReader(io.StringIO(as_persona("admin").get(csv_url(personas)).text))
    assert row["state"] == "entered_in_error"


def test_the_csv_takes_the_same_queries_for_one_or_many_entries(as_persona, personas, dose):
    client = as_persona("nurse_on_team")
    grade(personas, "Chills", 1)
    with CaptureQueriesContext(connection) as one:
        client.get(csv_url(personas))
    for name in ("Fever", "Nausea", "Headache"):
        grade(personas, name, 1, dose=None)
    with CaptureQueriesContext(connection) as several:
        response = client.get(csv_url(personas))
    assert len(list(csv.reader(io.StringIO(response.text)))) == 5
    assert len(one) == len(several)

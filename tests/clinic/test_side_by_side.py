"""A dose's side effects, side by side: what the patient said next to what staff graded."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from tests.factories import make_course, record_given
from tracker.clinic.side_by_side import rows_for_dose, side_effects_context
from tracker.symptoms.models import CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import record_event, report_symptom, review_report

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-12 12:00Z")]


@pytest.fixture
def dose(personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    return dose


def onset(dose, minutes=30):
    return dose.planned_at.replace(minute=minutes)


def report(personas, dose, slug, **answers):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug=slug),
        by=personas.the_patient,
        answers=answers,
        onset_at=onset(dose),
    )


def grade(personas, dose, term, grade, **fields):
    fields.setdefault("attribution", "probable")
    return record_event(
        personas.patient,
        CtcaeTerm.objects.get(term=term, version="5.0"),
        by=personas.nurse_on_team,
        grade=grade,
        onset_at=onset(dose),
        dose=dose,
        **fields,
    )


def test_a_report_and_an_entry_pair_up_by_the_symptoms_ctcae_term(personas, dose):
    flushes = report(personas, dose, "hot-flashes", frequency=2, severity=1)
    flushing = grade(personas, dose, "Hot flashes", 1)
    (row,) = rows_for_dose(dose)
    assert row.label == "Hot flashes"
    assert row.reports == [flushes] and row.events == [flushing]


def test_an_entry_no_report_names_gets_its_own_row(personas, dose):
    chills = report(personas, dose, "chills", frequency=3, severity=2)
    fever = grade(personas, dose, "Fever", 2)
    rows = rows_for_dose(dose)
    assert [(r.label, r.reports, r.events) for r in rows] == [
        ("Chills", [chills], []),
        ("Fever", [], [fever]),
    ]


def test_two_reports_and_two_entries_of_one_symptom_share_its_row(personas, dose):
    first = report(personas, dose, "chills", frequency=1, severity=1)
    second = report(personas, dose, "chills", frequency=3, severity=3)
    grade(personas, dose, "Chills", 1)
    grade(personas, dose, "Chills", 3)
    (row,) = rows_for_dose(dose)
    assert set(row.reports) == {first, second}
    assert sorted(e.grade for e in row.events) == [1, 3]
    assert row.highest_grade == 3


def test_rows_follow_the_patients_symptom_order_then_staff_only_terms(personas, dose):
    grade(personas, dose, "Hypotension", 2)
    report(personas, dose, "nausea", frequency=2, severity=2)
    report(personas, dose, "chills", frequency=2, severity=2)
    grade(personas, dose, "Fever", 1)
    labels = [row.label for row in rows_for_dose(dose)]
    assert labels == ["Chills", "Nausea", "Fever", "Hypotension"]


def test_entries_in_error_and_of_other_doses_are_left_out(personas, dose):
    wrong = report(personas, dose, "chills", frequency=2, severity=2)
    SymptomReport.objects.filter(pk=wrong.pk).update(
        state="entered_in_error", error_reason="wrong symptom"
    )
    later = dose.course.doses.get(dose_in_course=2)
    record_given(later, personas.nurse_on_team)
    grade(personas, later, "Chills", 2)
    assert rows_for_dose(dose) == []


def test_the_rows_take_two_queries_however_many_entries(personas, dose):
    report(personas, dose, "chills", frequency=2, severity=2)
    grade(personas, dose, "Chills", 2)
    with CaptureQueriesContext(connection) as one_each:
        rows_for_dose(dose)
    for slug, term in [("nausea", "Nausea"), ("vomiting", "Vomiting"), ("headache", "Headache")]:
        answers = {"frequency": 1, "severity": 1}
        if slug == "headache":
            answers["interference"] = 1
        review_report(
            report(personas, dose, slug, **answers), by=personas.clinician_on_team, grade=1
        )
        grade(personas, dose, term, 1)
    grade(personas, dose, "Fever", 1)
    with CaptureQueriesContext(connection) as several:
        rows = rows_for_dose(dose)
    assert len(rows) == 5
    assert len(one_each) == len(several) == 2


# The include on the dose page.


def render(personas, dose, *, can_review):
    context = {
        **side_effects_context(dose, personas.clinician_on_team),
        "dose": dose,
        "patient": personas.patient,
        "can_review": can_review,
    }
    return render_to_string(
        "clinic/includes/dose_side_effects.html", {**context, "rows": context["side_effects"]}
    )


def test_the_include_shows_answers_in_words_grades_and_the_reviewed_grade(personas, dose):
    chills = report(personas, dose, "chills", frequency=3, severity=2)
    review_report(chills, by=personas.clinician_on_team, grade=2)
    grade(personas, dose, "Chills", 2, attribution="possible")
    html = render(personas, dose, can_review=True)
    assert "Frequency: Frequently (3); Severity: Moderate (2)" in html
    assert "Grade 2</strong> Chills · Possible" in html
    assert "Moderate tremor of the entire body; narcotics indicated" in html
    assert f'href="/symptom-reports/{chills.pk}/review/?next=/doses/{dose.pk}/"' in html


def test_the_review_link_is_only_for_those_who_may_review(personas, dose):
    chills = report(personas, dose, "chills", frequency=1, severity=1)
    html = render(personas, dose, can_review=False)
    assert "Not reviewed" in html
    assert f"/symptom-reports/{chills.pk}/review/" not in html


def test_the_include_renders_in_constant_queries(personas, dose):
    report(personas, dose, "chills", frequency=1, severity=1)
    assert personas.clinician_on_team.role  # read once per request, as the view would
    with CaptureQueriesContext(connection) as one:
        render(personas, dose, can_review=True)
    for slug in ("nausea", "vomiting"):
        review_report(
            report(personas, dose, slug, frequency=1, severity=1),
            by=personas.clinician_on_team,
            grade=1,
        )
    grade(personas, dose, "Fever", 1)
    with CaptureQueriesContext(connection) as several:
        html = render(personas, dose, can_review=True)
    assert "Fever" in html
    assert len(one) == len(several) == 2


def test_the_context_says_who_may_review_and_grade(personas, dose):
    for name, review, grades in [
        ("clinician_on_team", True, True),
        ("nurse_on_team", False, True),
        ("admin", False, False),
        ("the_patient", False, False),
    ]:
        context = side_effects_context(dose, getattr(personas, name))
        assert (context["can_review"], context["can_grade"]) == (review, grades), name


def test_nothing_linked_says_so(personas, dose):
    assert "No side effects linked to this dose." in render(personas, dose, can_review=True)

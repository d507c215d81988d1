"""Staff pages about one patient share one layout: one breadcrumb and one identity header."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import record_given
from tracker.thyroid.recording import record_result

pytestmark = pytest.mark.now("2027-03-10 13:30Z")  # half an hour after dose 1


@pytest.fixture
def pages(personas, course):
    """The path of each page, built once the records it is about exist."""
    dose = course.doses.get(dose_in_course=1)
    patient = personas.patient
    result = record_result(
        patient,
        by=personas.clinician_on_team,
        test="tsh",
        value="2.1",
        unit="mIU/L",
        collected_at=timezone.now() - timedelta(days=1),
    )
    record = record_given(dose, personas.nurse_on_team)
    return {
        "course": reverse("course-detail", args=[course.pk]),
        "course-move": reverse("course-move", args=[course.pk]),
        "course-cancel": reverse("course-cancel", args=[course.pk]),
        "course-new": reverse("course-create", args=[patient.pk]),
        "dose": reverse("dose-detail", args=[dose.pk]),
        "dose-check": reverse("dose-check", args=[course.doses.get(dose_in_course=2).pk]),
        "record-correct": reverse("record-correct", args=[record.pk]),
        "grade-side-effect": reverse("adverse-event-new", args=[patient.pk]),
        "thyroid-new": reverse("thyroid-new", args=[patient.pk]),
        "thyroid-error": reverse("thyroid-result-error", args=[result.pk]),
    }


@pytest.mark.parametrize(
    "name",
    ["course", "course-move", "course-cancel", "dose", "dose-check", "record-correct",
     "grade-side-effect", "thyroid-new", "thyroid-error"],
)  # fmt: skip
def test_a_staff_page_about_one_patient_names_them_in_the_one_identity_header(
    as_persona, personas, pages, name
):
    response = as_persona("clinician_on_team").get(pages[name])
    assert response.status_code == 200
    patient = personas.patient
    header = (
        f'<span class="patient-identity">{escape(patient.full_name)} <span class="text-body-secondary '
        f'small">MRN {patient.mrn} · born 15 Jun 1970</span></span>'
    )
    assert response.text.count(header) == 1
    # The MRN appears nowhere else in another spelling.
    assert f"({patient.mrn})" not in response.text
    assert f"</strong> · {patient.mrn}" not in response.text


@pytest.mark.parametrize(
    ("name", "trail"),
    [
        ("course", ["{patient}", "Course"]),
        ("dose", ["{patient}", "High-dose IV", "Dose 1"]),
        ("dose-check", ["{patient}", "High-dose IV", "Dose 2", "Pre-dose check"]),
        ("record-correct", ["{patient}", "High-dose IV", "Dose 1", "Correct the record"]),
        ("course-cancel", ["{patient}", "High-dose IV", "Cancel"]),
        ("grade-side-effect", ["{patient}", "Side effects", "Grade a side effect"]),
        ("thyroid-error", ["{patient}", "Thyroid results", "Entered in error"]),
        ("course-new", ["{patient}", "New course"]),
    ],
)
def test_the_breadcrumb_leads_from_the_patient_to_the_page_it_is_on(
    as_persona, personas, pages, name, trail
):
    html = as_persona("clinician_on_team").get(pages[name]).text
    nav = re.search(r'<nav aria-label="breadcrumb".*?</nav>', html, re.S).group(0)
    items = [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li.*?</li>", nav, re.S)
    ]
    full_name = escape(personas.patient.full_name)
    assert items[0] == full_name
    assert len(items) == len(trail)
    assert all(
        item.startswith(step.format(patient=full_name))
        for item, step in zip(items, trail, strict=True)
    )
    assert nav.count('aria-current="page"') == 1
    assert f'<a href="{personas.patient.get_absolute_url()}">{full_name}</a>' in nav

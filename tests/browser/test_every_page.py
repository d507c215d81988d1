"""Every main page, for each role, on a 375 px phone and a 768 px tablet, in real Chromium.

Each page must answer 200, log no console error (a CSP violation is one), fit the
screen (a wide table scrolls inside its own .table-responsive), label every visible
control, and have a single <h1>.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import sign_in, watched_page
from tests.factories import (
    NORMAL_OBSERVATIONS,
    PASSWORD,
    WardFactory,
    make_course,
    make_shift,
    record_given,
)
from tracker.alerts.models import Alert
from tracker.observations.labs import chart_panel
from tracker.patients.models import Ward
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom
from tracker.symptoms.replies import send_reply
from tracker.symptoms.reporting import record_event, report_symptom
from tracker.thyroid.recording import record_result
from tracker.ward.recording import authorise_override, record_check

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# A small phone, then a ward tablet held upright: one touch-screen context resized.
VIEWPORTS = {
    "phone": {"width": 375, "height": 740},
    "tablet": {"width": 768, "height": 1024},
}

USERNAMES = {"patient": "patient", "nurse": "nurse-on-team", "clinician": "clinician-on-team"}


@dataclass
class Scene:
    """One patient on one course, with something on every page to show."""

    patient: object
    course: object
    given_dose: object  # dose 1, recorded as given
    held_dose: object  # dose 2, held after a pre-dose check with SBP 85
    open_dose: object  # dose 3, waiting for a record
    override: object  # dose 4, withheld by SBP 85 and authorised by the clinician
    given_record: object
    report: object  # the patient's report of nausea, frequent and severe: alerted
    event: object  # a staff CTCAE entry, grade 3: alerted
    result: object  # a high TSH: alerted
    alert: object


@pytest.fixture
def scene(personas, shipped_data):
    """A high-dose course that started half an hour ago, built by the real operations."""
    patient, nurse = personas.patient, personas.nurse_on_team
    # Fixed names, as long as real ones get, so the layout is tested the same on every run.
    for user, first, last in [
        (personas.the_patient, "Alexandra", "Papadopoulou"),
        (nurse, "Siobhan", "Fitzgerald"),
        (personas.clinician_on_team, "Christopher", "Montgomery"),
    ]:
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    patient.given_name, patient.family_name = "Alexandra", "Papadopoulou"
    patient.save(update_fields=["given_name", "family_name"])
    now = timezone.now()
    start = timezone.localtime(now, patient.zone) - timedelta(minutes=30)
    course = make_course(
        patient, start=start.strftime("%Y-%m-%d %H:%M"), by=personas.clinician_on_team
    )
    given_dose, held_dose, open_dose = (course.doses.get(dose_in_course=n) for n in (1, 2, 3))
    given_record = record_given(given_dose, nurse)
    record_check(
        held_dose,
        by=nurse,
        decision="hold",
        **{**NORMAL_OBSERVATIONS, "systolic_bp": 85},
    )
    authorised_dose = course.doses.get(dose_in_course=4)
    record_check(
        authorised_dose,
        by=nurse,
        decision="ask",
        **{**NORMAL_OBSERVATIONS, "systolic_bp": 85},
    )
    override = authorise_override(
        authorised_dose, by=personas.clinician_on_team, reason="Baseline SBP 85, asymptomatic"
    )
    report = report_symptom(
        patient,
        ProSymptom.objects.get(slug="nausea"),
        by=personas.the_patient,
        answers={"frequency": 3, "severity": 3},
    )
    send_reply(
        report,
        by=nurse,
        body="Thank you for telling us. Please take your temperature now and call the ward "
        "if it is 38 °C or more; otherwise sip water and rest, and we will call you later.",
    )
    event = record_event(
        patient,
        CtcaeTerm.objects.get(term="Fever"),
        by=nurse,
        grade=3,
        onset_at=now - timedelta(minutes=10),
        attribution=AdverseEvent.Attribution.PROBABLE,
    )
    result = record_result(
        patient,
        by=nurse,
        test="tsh",
        value=Decimal("12.5"),
        unit="mIU/L",
        collected_at=now - timedelta(hours=1),
        course=course,
    )
    # A sample's results, one in another unit and one flagged, for the labs page's tables.
    chart_panel(
        patient,
        by=nurse,
        taken_at=now - timedelta(minutes=20),
        results=[
            {"test": "creatinine", "value": Decimal("132"), "unit": "umol/L"},
            {"test": "potassium", "value": Decimal("3.1"), "unit": "mmol/L"},
            {"test": "platelets", "value": Decimal("85"), "unit": "10*9/L"},
        ],
    )
    ward = WardFactory(name="Ward 7")
    make_shift(ward, nurse, now - timedelta(hours=2), now + timedelta(hours=6))
    return Scene(
        patient=patient,
        course=course,
        given_dose=given_dose,
        held_dose=held_dose,
        open_dose=open_dose,
        override=override,
        given_record=given_record,
        report=report,
        event=event,
        result=result,
        alert=Alert.objects.filter(thyroid_result=result).get(),
    )


def month_url(s):
    day = timezone.localtime(s.given_dose.planned_at, s.patient.zone)
    return reverse("patient-calendar-month", args=[s.patient.pk, day.year, day.month])


# Each page by name: its address, given the scene.
PAGES = {
    # The staff's own pages.
    "shift": lambda s: reverse("nurse-home"),
    "clinic": lambda s: reverse("clinician-home"),
    "patient-list": lambda s: reverse("patient-list"),
    "patient-new": lambda s: reverse("patient-create"),
    "alerts": lambda s: reverse("alert-list"),
    "alert-acknowledge": lambda s: reverse("alert-acknowledge", args=[s.alert.pk]),
    "alert": lambda s: reverse("alert-detail", args=[s.alert.pk]),
    "alert-of-report": lambda s: reverse("alert-detail", args=[s.report.alerts.get().pk]),
    "thyroid-due": lambda s: reverse("thyroid-due"),
    "wards": lambda s: reverse("ward-list"),
    "rota": lambda s: reverse("ward-rota", args=[Ward.objects.get().pk]),
    "shift-add": lambda s: reverse("shift-add", args=[Ward.objects.get().pk]),
    "my-settings": lambda s: reverse("my-settings"),
    "second-factor-enrol": lambda s: reverse("second-factor-enrol"),
    # A patient's record.
    "patient": lambda s: reverse("patient-detail", args=[s.patient.pk]),
    "patient-edit": lambda s: reverse("patient-edit", args=[s.patient.pk]),
    "calendar": lambda s: reverse("patient-calendar", args=[s.patient.pk]),
    "calendar-month": month_url,
    "dose-list": lambda s: reverse("patient-doses", args=[s.patient.pk]),
    "feed": lambda s: reverse("feed-manage", args=[s.patient.pk]),
    # Doses and their records.
    "dose-given": lambda s: reverse("dose-detail", args=[s.given_dose.pk]),
    "dose-held": lambda s: reverse("dose-detail", args=[s.held_dose.pk]),
    "dose-record": lambda s: reverse("dose-record", args=[s.open_dose.pk]),
    "dose-check": lambda s: reverse("dose-check", args=[s.open_dose.pk]),
    "dose-authorise": lambda s: reverse("dose-authorise", args=[s.open_dose.pk]),
    "record-correct": lambda s: reverse("record-correct", args=[s.given_record.pk]),
    "override-withdraw": lambda s: reverse("override-withdraw", args=[s.override.pk]),
    # The course.
    "course": lambda s: reverse("course-detail", args=[s.course.pk]),
    "course-summary": lambda s: reverse("course-summary", args=[s.course.pk]),
    "course-new": lambda s: reverse("course-create", args=[s.patient.pk]),
    "course-move": lambda s: reverse("course-move", args=[s.course.pk]),
    "course-discontinue": lambda s: reverse("course-discontinue", args=[s.course.pk]),
    "course-discharge": lambda s: reverse("course-discharge", args=[s.course.pk]),
    "course-end-cycle": lambda s: reverse("course-end-cycle", args=[s.course.pk]),
    # The observation chart.
    "chart-vitals": lambda s: reverse("chart-vitals", args=[s.patient.pk]),
    "chart-fluids": lambda s: reverse("chart-fluids", args=[s.patient.pk]),
    "chart-weight": lambda s: reverse("chart-weight", args=[s.patient.pk]),
    "chart-infusions": lambda s: reverse("chart-infusions", args=[s.patient.pk]),
    "chart-events": lambda s: reverse("chart-events", args=[s.patient.pk]),
    "chart-labs": lambda s: reverse("chart-labs", args=[s.patient.pk]),
    "flowsheet": lambda s: reverse("flowsheet", args=[s.patient.pk]),
    # Side effects.
    "side-effects": lambda s: reverse("side-effect-timeline", args=[s.patient.pk]),
    "ctcae-terms": lambda s: reverse("adverse-event-new", args=[s.patient.pk]),
    "ctcae-entry": lambda s: (
        reverse("adverse-event-new", args=[s.patient.pk]) + f"?term={s.event.term_id}"
    ),
    "ctcae-entry-error": lambda s: reverse("adverse-event-error", args=[s.event.pk]),
    "report-review": lambda s: reverse("symptom-report-review", args=[s.report.pk]),
    "report-messages": lambda s: reverse("report-reply", args=[s.report.pk]),
    "message-withdraw": lambda s: reverse(
        "report-message-withdraw", args=[s.report.messages.get().pk]
    ),
    # Thyroid.
    "thyroid": lambda s: reverse("thyroid-results", args=[s.patient.pk]),
    "thyroid-new": lambda s: reverse("thyroid-new", args=[s.patient.pk]),
    "thyroid-error": lambda s: reverse("thyroid-result-error", args=[s.result.pk]),
    # The patient's own pages.
    "me": lambda s: reverse("patient-home"),
    "symptoms": lambda s: reverse("symptom-report"),
    "symptom-question": lambda s: reverse("symptom-answer", args=["swelling"]),
    "my-report": lambda s: reverse("symptom-report-detail", args=[s.report.pk]),
    "my-report-edit": lambda s: reverse("symptom-report-edit", args=[s.report.pk]),
    "my-readings": lambda s: reverse("my-readings"),
    "my-reading-add": lambda s: reverse("my-reading-add"),
}

CARE_TEAM_PAGES = [
    "shift",
    "patient-list",
    "patient",
    "calendar",
    "calendar-month",
    "dose-list",
    "feed",
    "dose-given",
    "dose-held",
    "dose-record",
    "dose-check",
    "record-correct",
    "course",
    "course-summary",
    "chart-vitals",
    "chart-fluids",
    "chart-weight",
    "chart-infusions",
    "chart-events",
    "chart-labs",
    "flowsheet",
    "side-effects",
    "ctcae-terms",
    "ctcae-entry",
    "ctcae-entry-error",
    "thyroid",
    "thyroid-new",
    "thyroid-error",
    "thyroid-due",
    "alerts",
    "alert-acknowledge",
    "my-settings",
    "alert",
    "alert-of-report",
    "wards",
    "rota",
    "report-messages",
]

ROLE_PAGES = {
    "nurse": [*CARE_TEAM_PAGES, "message-withdraw", "second-factor-enrol"],
    "clinician": [
        "clinic",
        "patient-new",
        "patient-edit",
        "course-new",
        "course-move",
        "course-discontinue",
        "course-discharge",
        "report-review",
        "dose-authorise",
        "override-withdraw",
        "course-end-cycle",
        "shift-add",
        *CARE_TEAM_PAGES,
    ],
    "patient": [
        "me",
        "symptoms",
        "symptom-question",
        "my-report",
        "my-report-edit",
        "my-readings",
        "my-reading-add",
        "calendar",
        "calendar-month",
        "dose-list",
        "feed",
        "dose-given",
        "dose-held",
        "course",
        "course-summary",
        "side-effects",
        "thyroid",
        "my-settings",
    ],
}


def cases():
    for role, names in ROLE_PAGES.items():
        for name in names:
            yield pytest.param(role, name, id=f"{role}-{name}")


# Visible controls with no accessible name: a label (for= or wrapping), aria-label,
# aria-labelledby pointing at text, or, for a button, its own text or value.
UNNAMED_CONTROLS = """() => {
    const visible = el => {
        const style = getComputedStyle(el);
        return style.visibility !== 'hidden' && style.display !== 'none'
            && el.getClientRects().length > 0;
    };
    const text = el => (el.textContent || '').trim();
    const named = el => {
        if ((el.getAttribute('aria-label') || '').trim()) return true;
        const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
        if (ids.some(id => document.getElementById(id) && text(document.getElementById(id))))
            return true;
        if (el.labels && [...el.labels].some(label => text(label))) return true;
        if (el.tagName === 'BUTTON') return text(el) !== '';
        if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type))
            return (el.value || '').trim() !== '';
        return false;
    };
    return [...document.querySelectorAll('input, select, textarea, button')]
        .filter(el => el.type !== 'hidden' && visible(el) && !named(el))
        .map(el => el.outerHTML.slice(0, 160));
}"""

# The outermost elements sticking out past the right edge, outside any box that scrolls.
OVERFLOWING = """(width) => {
    const out = el => el.getBoundingClientRect().right > width + 0.5;
    return [...document.querySelectorAll('body *')]
    .filter(el => out(el) && !out(el.parentElement))
    .filter(el => {
        for (let p = el.parentElement; p; p = p.parentElement) {
            const x = getComputedStyle(p).overflowX;
            if (x === 'auto' || x === 'scroll' || x === 'hidden') return false;
        }
        return true;
    })
    .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
        + `${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}`
        + ` reaches ${Math.round(el.getBoundingClientRect().right)} px`);
}"""


def problems_on(page, url, width, errors) -> list[str]:
    """What is wrong with the page at `url` in a viewport `width` px wide."""
    response = page.goto(url)
    problems = []
    if response.status != 200:
        problems.append(f"status {response.status}")
    if errors:
        problems.append(f"console errors: {list(errors)}")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    if page_width > width:
        sticking_out = page.evaluate(OVERFLOWING, width)
        problems.extend(sticking_out or [f"the page is {page_width} px wide"])
    unnamed = page.evaluate(UNNAMED_CONTROLS)
    if unnamed:
        problems.append(f"controls without a name: {unnamed}")
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"{headings} <h1> elements, not one")
    return problems


@pytest.fixture(scope="module")
def touch_screen(browser, live_server):
    """One touch-screen page for the module, its cache warm; each test signs in afresh."""
    context, page, errors = watched_page(
        browser, live_server, viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True
    )
    yield page, errors
    context.close()


@pytest.mark.parametrize(("role", "name"), list(cases()))
def test_the_page_fits_and_is_labelled(touch_screen, scene, role, name):
    page, errors = touch_screen
    url = PAGES[name](scene)
    # The last test's session went with its database.
    page.context.clear_cookies()
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in(page, USERNAMES[role], PASSWORD)
    page.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
    found = {}
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        # Only what the page under test logs counts against it.
        errors.clear()
        found[viewport] = problems_on(page, url, size["width"], errors)

    problems = [f"{viewport}: {p}" for viewport, found_there in found.items() for p in found_there]
    assert not problems, f"{url}: {problems}"

"""Every page a patient can open, on a 375 x 812 phone: axe finds nothing serious, nothing overflows.

The pages come from tests/browser/patient_pages.py, which sorts every URL pattern of the
project; a pattern it does not know fails `test_every_address_is_sorted`, so a new patient
page is tested from the day it is added. The results, page by page, are in
docs/accessibility.md (set AXE_REPORT=path to write them as JSON).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.browser import patient_pages
from tests.browser.axe import (
    assert_no_serious_violations,
    axe_violations,
    report_entry,
    write_report,
)
from tests.browser.conftest import sign_in, watched_page
from tests.browser.test_every_page import OVERFLOWING
from tests.factories import PASSWORD, make_course, record_given
from tracker.observations.fluids import chart_fluid, chart_weight
from tracker.observations.labs import chart_panel
from tracker.observations.vitals import chart_vitals
from tracker.symptoms.models import ProSymptom
from tracker.symptoms.reporting import report_symptom
from tracker.thyroid.recording import record_result

PHONE = {"width": 375, "height": 812}


@dataclass
class PatientScene:
    patient: object
    course: object
    given_dose: object  # yesterday's injection, recorded
    today_dose: object  # today's, an hour ago, not recorded yet
    report: object  # the patient's report of nausea
    result: object  # a thyroid result


def make_scene(personas) -> PatientScene:
    """A patient injecting at home: a course that started yesterday, as the real operations write it."""
    patient = personas.patient
    # A long name, so the layout is tested as real ones get.
    patient.given_name, patient.family_name = "Alexandra", "Papadopoulou-Fitzgerald"
    patient.save(update_fields=["given_name", "family_name"])
    patient.care_team.add(personas.nurse_on_team)
    # Today's dose an hour ago, or at midnight in the day's first hour: on the patient's
    # clock it must be today's, whatever the hour the tests run.
    now = timezone.localtime(timezone.now(), patient.zone)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - timedelta(hours=1), midnight) - timedelta(days=1)
    course = make_course(
        patient,
        slug="sc-5on2off",
        start=start.strftime("%Y-%m-%d %H:%M"),
        by=personas.clinician_on_team,
    )
    given_dose, today_dose = (course.doses.get(dose_in_course=n) for n in (1, 2))
    record_given(given_dose, personas.nurse_on_team)
    report = report_symptom(
        patient,
        ProSymptom.objects.get(slug="nausea"),
        by=personas.the_patient,
        answers={"frequency": 2, "severity": 1},
    )
    result = record_result(
        patient,
        by=personas.nurse_on_team,
        test="tsh",
        value=Decimal("2.1"),
        unit="mIU/L",
        collected_at=timezone.now() - timedelta(hours=3),
        course=course,
    )
    # What the care team charted at the last visit, so the record's tables have rows.
    nurse, taken_at = personas.nurse_on_team, timezone.now() - timedelta(hours=2)
    chart_vitals(
        patient,
        by=nurse,
        taken_at=taken_at,
        systolic_bp=118,
        diastolic_bp=76,
        heart_rate=82,
        respiratory_rate=16,
        spo2=97,
        oxygen_device="room_air",
        temperature_c=Decimal("37.1"),
    )
    chart_weight(patient, by=nurse, weight_kg=Decimal("70.4"), taken_at=taken_at)
    chart_fluid(
        patient, by=nurse, direction="intake", kind="oral", volume_ml=250, taken_at=taken_at
    )
    chart_panel(
        patient,
        by=nurse,
        taken_at=taken_at,
        results=[
            {"test": "creatinine", "value": Decimal("88"), "unit": "umol/L"},
            {"test": "platelets", "value": Decimal("210"), "unit": "10*9/L"},
        ],
    )
    return PatientScene(patient, course, given_dose, today_dose, report, result)


@pytest.fixture
def patient_scene(personas, shipped_data):
    return make_scene(personas)


# --- Every address is sorted: no patient page goes untested. ---


def test_every_address_is_sorted(db):
    lists = {
        "PATIENT_PAGES": patient_pages.names(patient_pages.PATIENT_PAGES),
        "SIGNED_OUT_PAGES": patient_pages.names(patient_pages.SIGNED_OUT_PAGES),
        "NOT_A_PAGE": set(patient_pages.NOT_A_PAGE),
        "NOT_FOR_PATIENTS": patient_pages.NOT_FOR_PATIENTS,
    }
    unsorted, twice = [], []
    for route, name in patient_pages.url_patterns():
        found_in = [list_name for list_name, names in lists.items() if name in names]
        if not found_in:
            unsorted.append(f"{name} ({route})")
        elif len(found_in) > 1:
            twice.append(f"{name} in {found_in}")
        elif route.startswith("me/") and found_in[0] not in ("PATIENT_PAGES", "NOT_A_PAGE"):
            unsorted.append(f"{name} ({route}) is under /me/ but listed in {found_in[0]}")
    assert not unsorted, (
        "Add each to a list in tests/browser/patient_pages.py (a patient page needs its "
        f"address there, so its accessibility is tested): {unsorted}"
    )
    assert not twice


def test_a_patient_opens_every_patient_page_and_no_staff_page(personas, shipped_data):
    """What the lists say, checked with the server: 200 for the patient's pages, never for staff's."""
    scene = make_scene(personas)
    client = Client()
    client.force_login(personas.the_patient)
    wrong = []
    for name, build in patient_pages.PATIENT_PAGES.items():
        status = client.get(build(scene)).status_code
        if status != 200:
            wrong.append(f"{name}: {status}")
    for route, name in patient_pages.url_patterns():
        if name not in patient_pages.NOT_FOR_PATIENTS:
            continue
        url = "/" + staff_address(route, scene)
        status = client.get(url).status_code
        if status == 200:
            wrong.append(f"{name} ({url}) opens for a patient: list it under PATIENT_PAGES")
    assert not wrong, "\n".join(wrong)


def staff_address(route: str, scene) -> str:
    """The route with each parameter filled with one of the scene's own records where one fits."""
    values = {
        "patient_pk": scene.patient.pk,
        "ward_pk": 1,
        "year": 2027,
        "month": 3,
    }
    owners = {  # for `pk`, by the route's first segment
        "patients": scene.patient.pk,
        "courses": scene.course.pk,
        "doses": scene.today_dose.pk,
        "records": scene.given_dose.records.get().pk,
        "symptom-reports": scene.report.pk,
        "thyroid-results": scene.result.pk,
    }
    filled = route
    for key, value in values.items():
        filled = filled.replace(f"<int:{key}>", str(value))
    return filled.replace("<int:pk>", str(owners.get(route.split("/")[0], 1)))


# --- In the browser: axe, overflow, console. ---

# Filled in as the tests run; written to $AXE_REPORT at the end, for docs/accessibility.md.
RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def axe_report():
    yield
    write_report(RESULTS)


@pytest.fixture
def phone_812(browser, live_server):
    """A 375 x 812 phone page and the console errors it logs (a CSP violation is one)."""
    context, page, errors = watched_page(
        browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield page, errors
    context.close()


def check_page(page, errors, label: str) -> None:
    """No console error, nothing wider than the phone, no serious or critical axe violation."""
    assert errors == [], f"{label}: console errors {errors}"
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        pytest.fail(f"{label} overflows: {page.evaluate(OVERFLOWING, PHONE['width'])}")
    violations = assert_no_serious_violations(page, label)
    RESULTS[label] = report_entry(violations)


def open_as_patient(page, errors, url):
    sign_in(page, "patient", PASSWORD)
    page.wait_for_url("**/me/")
    errors.clear()
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(patient_pages.PATIENT_PAGES))
def test_the_patient_page_passes_axe_and_fits(phone_812, personas, shipped_data, name):
    page, errors = phone_812
    scene = make_scene(personas)
    open_as_patient(page, errors, patient_pages.PATIENT_PAGES[name](scene))
    check_page(page, errors, name)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(patient_pages.SIGNED_OUT_PAGES))
def test_the_signed_out_page_passes_axe_and_fits(phone_812, personas, name):
    page, errors = phone_812
    scene = PatientScene(personas.patient, None, None, None, None, None)
    response = page.goto(patient_pages.SIGNED_OUT_PAGES[name](scene))
    assert response.status == 200
    check_page(page, errors, name)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_temperature_page_passes_axe_and_fits(phone_812, personas, shipped_data):
    page, errors = phone_812
    make_scene(personas)
    open_as_patient(page, errors, reverse("symptom-answer", args=["fever"]))
    page.get_by_role("button", name="Yes").click()
    page.wait_for_load_state()
    assert page.get_by_label("Temperature", exact=False).first.is_visible()
    check_page(page, errors, "temperature")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_locked_out_page_passes_axe_and_fits(phone_812, personas, settings):
    # The test settings switch the lockout off for every other test.
    settings.AXES_ENABLED = True
    page, errors = phone_812
    for _ in range(5):
        sign_in(page, "patient", "not-the-password")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Too many failed sign-ins").is_visible()
    # The lockout answers 429, which Chromium logs as a failed resource; that is the page's point.
    errors[:] = [e for e in errors if "status of 429" not in e]
    check_page(page, errors, "locked-out")


@pytest.mark.browser
def test_axe_reports_what_it_finds(page):
    """The helper itself: a picture without alt text and an unlabelled field fail, by id."""
    page.set_content(
        '<html lang="en"><body><main><h1>Test</h1><img src="data:,">'
        '<input type="text"></main></body></html>'
    )
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found["image-alt"] == "critical"
    assert found["label"] == "critical"
    with pytest.raises(AssertionError, match=r"\[critical\] image-alt"):
        assert_no_serious_violations(page, "a bad page")


# The home page's main actions, with today's home dose waiting to be recorded.
HOME_ACTIONS = [
    "Record this dose",
    "Report a side effect",
    "Record my temperature or weight",
    "My calendar",
    "Doses in the next 7 days",
    "Reminders",
]

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        name: (el.getAttribute('aria-label') || el.textContent || '').trim(),
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
    };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_home_pages_actions_are_reached_with_tab_and_opened_with_enter(
    phone_812, personas, shipped_data
):
    page, errors = phone_812
    make_scene(personas)
    open_as_patient(page, errors, reverse("patient-home"))
    wanted = HOME_ACTIONS
    reached = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["name"] in wanted and focused["name"] not in reached:
            reached[focused["name"]] = focused
        if set(reached) == set(wanted):
            break
    assert set(reached) == set(wanted), f"not reached with Tab: {set(wanted) - set(reached)}"
    unringed = [n for n, f in reached.items() if f["outline"] == "none" or f["width"] < 2]
    assert not unringed, f"no visible focus ring on {unringed}"

    # Back to the first action by keyboard alone, and Enter opens it.
    page.goto(reverse("patient-home"))
    tab_to(page, "Report a side effect")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + reverse("symptom-report"))
    assert errors == []


def tab_to(page, name: str, probe: str = FOCUSED, presses: int = 40) -> None:
    """Press Tab until the element named `name` has the focus (at most `presses` times)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(probe)["name"] == name:
            return


ACTIVE_FIELD = """() => {
    const el = document.activeElement;
    return {name: el.name || '', value: el.value || '', checked: !!el.checked};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_home_injection_is_recorded_with_the_keyboard_alone(phone_812, personas, shipped_data):
    from tracker.ward.models import DoseRecord

    page, errors = phone_812
    scene = make_scene(personas)
    open_as_patient(page, errors, reverse("patient-home"))
    tab_to(page, "Record this dose")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + reverse("my-dose-record", args=[scene.today_dose.pk]))

    # Tab reaches the suggested site; an arrow key moves to another, as in any radio group.
    tab_to(page, "injection_site", probe=ACTIVE_FIELD)
    suggested = page.evaluate(ACTIVE_FIELD)
    assert suggested["checked"], "Tab lands on the suggested site"
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate(ACTIVE_FIELD)
    assert chosen["checked"] and chosen["value"] != suggested["value"]

    tab_to(page, "Save: injected now")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + reverse("patient-home"))
    record = DoseRecord.objects.get(dose=scene.today_dose)
    assert (record.source, record.injection_site) == ("patient", chosen["value"])
    assert errors == []


# The focused button with the symptom card it is on: "symptom-nausea Rarely".
CARD_BUTTON = """() => {
    const el = document.activeElement;
    const card = el.closest('[id^="symptom-"]');
    return {name: ((card ? card.id + ' ' : '') + (el.textContent || '').trim())};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_side_effect_is_reported_with_the_keyboard_alone(phone_812, personas, shipped_data):
    from tracker.symptoms.models import SymptomReport

    page, errors = phone_812
    make_scene(personas)
    reports_before = SymptomReport.objects.count()
    open_as_patient(page, errors, reverse("patient-home"))
    tab_to(page, "Report a side effect")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + reverse("symptom-report"))

    tab_to(page, "symptom-nausea Rarely", probe=CARD_BUTTON, presses=300)
    assert page.evaluate(CARD_BUTTON)["name"] == "symptom-nausea Rarely"
    page.keyboard.press("Enter")
    page.get_by_role("group", name="What was the severity of your nausea at its worst?").wait_for()
    tab_to(page, "Mild")
    assert page.evaluate(FOCUSED)["name"] == "Mild"
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/symptoms/reports/*/")
    assert SymptomReport.objects.count() == reports_before + 1
    report = SymptomReport.objects.filter(patient=personas.patient).latest("pk")
    assert (report.symptom.slug, report.frequency, report.severity) == ("nausea", 1, 1)
    assert errors == []

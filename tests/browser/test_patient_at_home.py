"""A patient treated at home, start to finish, on a 375 x 812 phone.

A clinician invites the patient; the patient sets a password from the e-mailed link, sees
the next dose, records five injections on five days in a row (a different site each day,
as suggested), says they missed the sixth, reports a side effect, and reads the nurse's
reply. On every page: nothing wider than the phone, no console error (a CSP violation is
one), and axe finds nothing serious or critical.

The clock: time-machine moves the server's clock (the live server runs in this process)
and ticks, so pages are seen at the planned days and times.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests.browser.axe import assert_no_serious_violations, report_entry, write_report
from tests.browser.conftest import sign_in, watched_page
from tests.browser.test_every_page import OVERFLOWING
from tests.factories import PASSWORD, PatientFactory, make_course

PHONE = {"width": 375, "height": 812}
NEW_YORK = ZoneInfo("America/New_York")
NEW_PASSWORD = "a-long-new-passphrase-2027"

SITES = [
    "Abdomen, upper left",
    "Abdomen, upper right",
    "Abdomen, lower left",
    "Abdomen, lower right",
    "Left thigh",
    "Right thigh",
    "Left upper arm",
    "Right upper arm",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


# Each page's axe results, written to $AXE_REPORT at the end beside the patient pages' own.
RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def axe_report():
    yield
    write_report(RESULTS)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in March 2027 on the patient's clock (New York)."""
    return datetime(2027, 3, day, hour, minute, tzinfo=NEW_YORK)


class Visits:
    """Each page a person lands on is checked before the test goes on."""

    def __init__(self, page, errors):
        self.page, self.errors, self.seen = page, errors, []

    def check(self, label: str) -> None:
        page = self.page
        page.wait_for_load_state()
        assert self.errors == [], f"{label} ({page.url}): console errors {self.errors}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (
            f"{label} ({page.url}) overflows: {page.evaluate(OVERFLOWING, PHONE['width'])}"
        )
        violations = assert_no_serious_violations(page, f"{label} ({page.url})")
        RESULTS[f"at home: {label}"] = report_entry(violations)
        self.seen.append(label)


def sign_in_if_asked(page, visits, username, password):
    """A session lasts a shift (12 h): on a new day the patient signs in again."""
    page.goto(reverse("patient-home"))
    if "/login/" in page.url:
        visits.check("login")
        sign_in(page, username, password)
        page.wait_for_url("**" + reverse("patient-home"))
    visits.check("home")


def suggested_site(page) -> str:
    group = page.get_by_role("group", name="Where did you inject?")
    checked = group.get_by_role("radio", checked=True)
    assert checked.count() == 1, "one site is suggested and pre-checked"
    label = checked.evaluate("el => el.labels[0].textContent")
    site = re.sub(r"\s*\(suggested\)\s*", " ", label).strip()
    assert site in SITES, label
    # The accessible name starts with the site; "(suggested)" may follow.
    assert group.get_by_role("radio", name=re.compile("^" + re.escape(site))).is_checked()
    return site


def test_a_patient_treated_at_home(browser, live_server, personas, shipped_data):
    clinician, nurse = personas.clinician_on_team, personas.nurse_on_team
    patient = PatientFactory(
        given_name="Alexandra",
        family_name="Papadopoulou",
        time_zone="America/New_York",
        care_team=[clinician, nurse],
    )
    staff_context, staff, staff_errors = watched_page(
        browser, live_server, viewport={"width": 1280, "height": 800}
    )
    context, phone, errors = watched_page(
        browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True
    )
    visits = Visits(phone, errors)
    with time_machine.travel(at(1, 7, 30), tick=True) as clock:
        course = make_course(patient, slug="sc-5on2off", start="2027-03-01 09:00", by=clinician)

        # A clinician invites the patient to the app.
        sign_in(staff, clinician.username, PASSWORD)
        staff.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
        staff.goto(reverse("patient-detail", args=[patient.pk]))
        staff.get_by_role("link", name="Invite to the app").click()
        staff.get_by_label("E-mail address").fill("alexandra@example.org")
        staff.get_by_role("button", name="Send invitation").click()
        staff.wait_for_url("**" + reverse("patient-detail", args=[patient.pk]))
        invitation = next(m for m in mail.outbox if "alexandra@example.org" in m.to)
        link = re.search(r"(/invitation/[^\s/]+/)", invitation.body)
        assert link, invitation.body

        # The patient opens the link on their phone and sets a password.
        phone.goto(link.group(1))
        visits.check("invitation")
        # Matched from the start: a required field's label may end in an asterisk.
        phone.get_by_label(re.compile(r"^\s*New password\W*$")).fill(NEW_PASSWORD)
        phone.get_by_label(re.compile(r"^\s*New password confirmation")).fill(NEW_PASSWORD)
        phone.get_by_role("button", name="Set my password").click()
        phone.wait_for_url("**" + reverse("patient-home"))
        visits.check("home, signed in by the invitation")
        patient.refresh_from_db()
        username = patient.user.username

        # The next dose is the first thing on the home page.
        next_dose = phone.get_by_role("region", name="Your next dose")
        assert "09:00" in next_dose.inner_text()

        # Five injections on five days in a row, each at a site other than the day before's.
        previous = None
        for day in range(1, 6):
            clock.move_to(at(day, 9, 5))
            sign_in_if_asked(phone, visits, username, NEW_PASSWORD)
            phone.get_by_role("link", name="Record this dose").first.click()
            visits.check(f"record dose {day}")
            site = suggested_site(phone)
            assert site != previous, f"day {day}: {site} suggested again"
            phone.get_by_role("button", name="Save: injected now").click()
            phone.wait_for_load_state()
            visits.check(f"dose {day} recorded")
            previous = site
        assert course.doses.filter(records__isnull=False).distinct().count() == 5

        # Monday's dose is still not recorded the next morning, past its window (overdue after
        # 4 h, then a 12 h window): the patient says they missed it.
        clock.move_to(at(9, 7, 0))
        sign_in_if_asked(phone, visits, username, NEW_PASSWORD)
        prompt = phone.get_by_role("region", name=re.compile(r"^Did you take your dose"))
        assert prompt.get_by_role("button", name="I missed it").is_visible()
        assert (
            prompt.get_by_role("link", name="I took it but forgot to record it")
            .or_(prompt.get_by_role("button", name="I took it but forgot to record it"))
            .is_visible()
        )
        prompt.get_by_role("button", name="I missed it").click()
        phone.wait_for_load_state()
        assert phone.get_by_text("Do not take a double dose").is_visible()
        visits.check("missed dose")

        # A side effect, reported in three taps: nausea, frequent and severe.
        phone.goto(reverse("patient-home"))
        phone.get_by_role("link", name="Report a side effect").click()
        visits.check("side effects")
        phone.goto(reverse("symptom-answer", args=["nausea"]))
        visits.check("nausea, first question")
        phone.get_by_role("button", name="Frequently").click()
        phone.wait_for_load_state()
        visits.check("nausea, second question")
        phone.get_by_role("button", name="Severe", exact=True).click()
        phone.wait_for_url(re.compile(r"/me/symptoms/reports/\d+/$"))
        visits.check("report saved")
        report_url = phone.url

        # The nurse replies from the alert the report raised.
        from tracker.symptoms.models import SymptomReport

        report = SymptomReport.objects.get(patient=patient)
        staff.context.clear_cookies()
        sign_in(staff, nurse.username, PASSWORD)
        staff.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
        staff.goto(reverse("alert-detail", args=[report.alerts.get().pk]))
        reply = "Please take the anti-sickness tablets we gave you, and call if you cannot drink."
        staff.get_by_label("Reply to the patient").fill(reply)
        staff.get_by_role("button", name="Send reply").click()
        staff.wait_for_load_state()
        assert staff.get_by_text(reply).is_visible()
        notice = [m for m in mail.outbox if m.subject == "You have a message from your care team"]
        assert notice, [m.subject for m in mail.outbox]
        assert "nausea" not in (notice[-1].subject + notice[-1].body).lower()

        # The patient reads it under "Messages from your care team".
        phone.goto(report_url)
        visits.check("report with the reply")
        heading = phone.get_by_role("heading", name="Messages from your care team")
        assert heading.is_visible()
        assert phone.get_by_text(reply).is_visible()

    context.close()
    staff_context.close()
    assert staff_errors == []
    assert len(visits.seen) >= 15

"""Every address in the project, sorted by what a patient can do with it.

A page a patient can open must be listed in `PATIENT_PAGES` (signed in) or
`SIGNED_OUT_PAGES`, with how to build its address from the scene, so that the accessibility
tests open it; `tests/browser/test_patient_pages.py` fails when a URL pattern is in none of
the lists, so a new patient page cannot go untested by being forgotten.
"""

from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def month_of(s):
    day = s.today_dose.planned_at.astimezone(s.patient.zone)
    return reverse("patient-calendar-month", args=[s.patient.pk, day.year, day.month])


def own_reading(kind: str):
    """The error page of a reading the patient entered just now."""

    def build(s):
        from tracker.observations.home import record_readings

        entries = record_readings(
            s.patient,
            by=s.patient.user,
            taken_at=timezone.now(),
            temperature_c=Decimal("37.2"),
            weight_kg=Decimal("70.1"),
        )
        entry = next(
            e for e in entries if (type(e).__name__ == "WeightEntry") == (kind == "weight")
        )
        return reverse(f"my-reading-{kind}-error", args=[entry.pk])

    return build


def alert_message(s):
    """The page of a care-team message about a fever the patient recorded at home."""
    from tracker.alerts.models import Alert
    from tracker.observations.home import record_readings
    from tracker.symptoms.replies import send_alert_message

    record_readings(
        s.patient, by=s.patient.user, taken_at=timezone.now(), temperature_c=Decimal("39.4")
    )
    alert = Alert.objects.filter(patient=s.patient, trigger="reading").latest("pk")
    message = send_alert_message(
        alert,
        by=s.patient.care_team.first(),
        body="Your temperature is high. Please take paracetamol and call the ward this evening.",
    )
    return reverse("my-alert-message", args=[message.pk])


def password_reset_link(s):
    user = s.patient.user
    return reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )


# The patient's own pages, signed in as the patient: name -> the address, given the scene
# (tests/browser/test_patient_pages.py `PatientScene`). A name may carry a query after "?"
# for another state of the same page.
PATIENT_PAGES = {
    "patient-home": lambda s: reverse("patient-home"),
    "reminder-settings": lambda s: reverse("reminder-settings"),
    "my-record-access": lambda s: reverse("my-record-access"),
    "my-settings": lambda s: reverse("my-settings"),
    "second-factor-enrol": lambda s: reverse("second-factor-enrol"),
    "patient-calendar": lambda s: reverse("patient-calendar", args=[s.patient.pk]),
    "patient-calendar-month": month_of,
    "patient-doses": lambda s: reverse("patient-doses", args=[s.patient.pk]),
    "feed-manage": lambda s: reverse("feed-manage", args=[s.patient.pk]),
    "dose-detail": lambda s: reverse("dose-detail", args=[s.given_dose.pk]),
    "course-detail": lambda s: reverse("course-detail", args=[s.course.pk]),
    "course-summary": lambda s: reverse("course-summary", args=[s.course.pk]),
    "side-effect-timeline": lambda s: reverse("side-effect-timeline", args=[s.patient.pk]),
    "thyroid-results": lambda s: reverse("thyroid-results", args=[s.patient.pk]),
    "symptom-report": lambda s: reverse("symptom-report"),
    "symptom-answer": lambda s: reverse("symptom-answer", args=["nausea"]),
    "symptom-report-detail": lambda s: reverse("symptom-report-detail", args=[s.report.pk]),
    "symptom-report-edit": lambda s: reverse("symptom-report-edit", args=[s.report.pk]),
    "symptom-report-withdraw": lambda s: reverse("symptom-report-withdraw", args=[s.report.pk]),
    # Their own record, read-only: what the care team charted.
    "patient-detail": lambda s: reverse("patient-detail", args=[s.patient.pk]),
    "chart-vitals": lambda s: reverse("chart-vitals", args=[s.patient.pk]),
    "chart-fluids": lambda s: reverse("chart-fluids", args=[s.patient.pk]),
    "chart-weight": lambda s: reverse("chart-weight", args=[s.patient.pk]),
    "chart-infusions": lambda s: reverse("chart-infusions", args=[s.patient.pk]),
    "chart-events": lambda s: reverse("chart-events", args=[s.patient.pk]),
    "chart-labs": lambda s: reverse("chart-labs", args=[s.patient.pk]),
    "flowsheet": lambda s: reverse("flowsheet", args=[s.patient.pk]),
    "password_change": lambda s: reverse("password_change"),
    "password_change_done": lambda s: reverse("password_change_done"),
    # Recording a home dose, and the readings taken at home.
    "my-dose-record": lambda s: reverse("my-dose-record", args=[s.today_dose.pk]),
    "my-dose-record?when=earlier": lambda s: (
        reverse("my-dose-record", args=[s.today_dose.pk]) + "?when=earlier"
    ),
    "my-dose-record?when=not_taken": lambda s: (
        reverse("my-dose-record", args=[s.today_dose.pk]) + "?when=not_taken"
    ),
    "my-dose-missed": lambda s: reverse("my-dose-missed", args=[s.today_dose.pk]),
    "my-readings": lambda s: reverse("my-readings"),
    "my-reading-add": lambda s: reverse("my-reading-add"),
    "my-reading-vitals-error": own_reading("vitals"),
    "my-reading-weight-error": own_reading("weight"),
    # A message from the care team about an alert with no report.
    "my-alert-message": alert_message,
}

# Pages a patient sees signed out.
SIGNED_OUT_PAGES = {
    "login": lambda s: reverse("login"),
    "password_reset": lambda s: reverse("password_reset"),
    "password_reset_done": lambda s: reverse("password_reset_done"),
    "password_reset_confirm": password_reset_link,
    "password_reset_complete": lambda s: reverse("password_reset_complete"),
}

# Pages a patient reaches only by posting a form: each is opened by a flow in the test module.
REACHED_BY_POSTING = {
    "temperature": "symptom-answer after answering Yes to Fever",
    "locked-out": "login after five wrong passwords",
}

# Addresses that are not an HTML page for anyone: the reason.
NOT_A_PAGE = {
    "home": "redirects each role to its own home page",
    "logout": "POST only, then back to the sign-in page",
    "alert-count": "the alert badge's fragment, polled by htmx (staff)",
    "calendar-feed": "an .ics file for a calendar app",
    "course-ics": "an .ics file",
    "patient-fhir": "a FHIR JSON export of the record",
    "side-effects-csv": "a CSV file (staff)",
    "thyroid-csv": "a CSV file (staff)",
    "report-reply": "POST only, from the staff report page",
    "symptom-report-answer": "POST only, the patient's answer from the report's page",
    "invitation-accept": "a one-time link from an e-mail, opened by test_patient_at_home.py",
    "session-status": "JSON for the idle warning's script",
    "session-keep-alive": "POST only, the idle warning's Stay signed in",
    "second-factor": "the step after the password, once a patient has opted in (tests/accounts)",
    "second-factor-backup-codes": "shown once, right after setting up an app (tests/accounts)",
    "second-factor-new-backup-codes": "POST only, from My settings",
    "second-factor-stop": "POST only, from My settings",
}

# Staff pages: a patient gets 403 or 404 (checked by test_patient_pages.py).
NOT_FOR_PATIENTS = {
    "patient-list",
    "patient-create",
    "patient-edit",
    "retreatment-lift-request",
    "retreatment-lift-confirm",
    "retreatment-lift-decline",
    "course-create",
    "course-move",
    "course-cancel",
    "course-discontinue",
    "course-discharge",
    "course-end-cycle",
    "dose-record",
    "dose-check",
    "dose-authorise",
    "record-correct",
    "override-withdraw",
    "chart-vitals-error",
    "chart-fluid-error",
    "chart-weight-error",
    "chart-infusion-rate",
    "chart-infusion-stop",
    "chart-infusion-stop-error",
    "chart-infusion-error",
    "chart-rate-change-error",
    "chart-event-end",
    "chart-event-end-error",
    "chart-event-error",
    "chart-labs-error",
    "adverse-event-new",
    "adverse-event-error",
    "symptom-report-review",
    "report-message-withdraw",
    "thyroid-new",
    "thyroid-result-error",
    "thyroid-due",
    "alert-list",
    "alert-detail",
    "alert-acknowledge",
    "alert-message",
    "ward-list",
    "ward-rota",
    "shift-add",
    "shift-cancel",
    "clinician-home",
    "nurse-home",
    "patient-invite",
    "record-verify",
}


def url_patterns(patterns=None, prefix=""):
    """(route, name) of every URL pattern, outside the admin's namespace."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace:
                continue
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def url_name(key: str) -> str:
    return key.split("?")[0]


def names(pages: dict) -> set[str]:
    """The URL names a list covers."""
    return {url_name(key) for key in pages}

"""Hostile submissions to every form: never a server error, never half a write.

For every address that accepts a POST (found from the URLconf, so a new one cannot
slip by: see `test_every_address_that_accepts_a_post_is_fuzzed`), the test signs in
as someone allowed to post it, reads the form from its page, and posts generated
submissions: long, empty, unicode and NUL text, huge and negative numbers, far and
impossible dates, local times that do not exist (a DST gap) or happen twice, choices
that are not on the list, fields left out and fields sent twice.  Each answer must be
below 500, and the clinical tables must be as they were unless the answer is a
redirect (or a success that shows what it made), which may add only the rows that
form writes.

Examples per form: `DEFAULT_EXAMPLES` by default; 1,000 with `HYPOTHESIS_PROFILE=fuzz`
(see tests/security/conftest.py and docs/security-fuzz.md).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import django.test
import pytest
import time_machine
from django.apps import apps
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from tests.factories import make_user
from tests.security import hostile
from tests.security.forms_on_page import Form, form_posting_to
from tests.security.fuzz_world import World, build_world
from tracker.accounts.roles import Role
from tracker.observations import shipped
from tracker.observations.lab import LabTest

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 14:00Z")]


# Examples per form in the default run, kept small enough for CI (docs/security-fuzz.md
# has the timings); HYPOTHESIS_PROFILE=fuzz runs the profile's 1,000.
DEFAULT_EXAMPLES = 10
EXAMPLES = (
    settings.get_profile("fuzz").max_examples
    if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
    else DEFAULT_EXAMPLES
)

# Apps whose tables hold the clinic's data (with their history tables and the users).
CLINICAL_APPS = (
    "regimens",
    "accounts",
    "patients",
    "ward",
    "observations",
    "symptoms",
    "thyroid",
    "alerts",
    "reminders",
    "clinic",
    "exchange",
    # The second factor's devices and backup codes.
    "otp_totp",
    "otp_static",
)
# Tables a page writes when it is only read: the log of who read which record, and the
# session (its last activity, for the idle sign-out).
WRITTEN_ON_READ: set[str] = {"patients.RecordAccess", "sessions.Session"}
# Personas signed in with the password alone, before the second step.
PASSWORD_ONLY = {"nurse_at_code_step", "nurse_enrolling"}


@dataclass(frozen=True)
class Target:
    """A form-posting address: who may post it, where, and what a success may write."""

    persona: str
    url: Callable[[World], str]
    # Model label -> the most rows a successful post adds (or removes) in that table.
    writes: dict[str, int] = field(default_factory=dict)
    # Where the form is shown, when not at the address it posts to.
    page: Callable[[World], str] | None = None
    # Open the address first and post where it leads (a password-reset link).
    follow: bool = False
    # A page that answers a POST as it answers a GET: no form; posted anything, it writes nothing.
    formless: bool = False
    # A success answers 200 with what it made shown once (a new feed address), not a redirect.
    shows_result: bool = False


def r(name: str, *args: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def pk(attribute: str) -> Callable[[World], object]:
    return lambda w: getattr(w, attribute).pk


def patient_pk(w):
    return w.patient.pk


NURSE, CLINICIAN, PATIENT = "nurse_on_team", "clinician_on_team", "the_patient"

# What a success writes: a changed row leaves one history row; a new one, a row and its history.
EVENT = {"observations.HistoricalClinicalEvent": 1, "observations.HistoricalRuleFiring": 1}
INFUSION = {"observations.HistoricalInfusion": 1, "observations.HistoricalRuleFiring": 1}
RATE = {"observations.InfusionRateChange": 1, "observations.HistoricalInfusionRateChange": 1}
MESSAGE = {"symptoms.ReportMessage": 1, "symptoms.HistoricalReportMessage": 1}
REPORT = {"symptoms.HistoricalSymptomReport": 1}
FLAG = {"patients.HistoricalRetreatmentContraindication": 1}
DOSE_RECORD = {
    "ward.DoseRecord": 1,
    "ward.HistoricalDoseRecord": 1,
    "regimens.HistoricalDose": 1,
}
ALERT = {"alerts.Alert": 1, "alerts.HistoricalAlert": 1}
# A reading charted reads the course's rules again (and a reading at home, the home
# alert rules): each rule it newly meets is a firing and an alert, with a notice to each
# person told; a firing no longer met closes with a history row.  At most every rule.
RULES = len(shipped.CHART_RULES)
CHARTED = {
    "observations.RuleFiring": RULES,
    "observations.HistoricalRuleFiring": RULES,
    "alerts.Alert": RULES,
    "alerts.HistoricalAlert": RULES,
    "alerts.Notification": 2 * RULES,
}


def charted(model: str, rows: int = 1) -> dict[str, int]:
    """What a success of a charting form may write: its rows, their history, the rules'."""
    return {f"observations.{model}": rows, f"observations.Historical{model}": rows, **CHARTED}


TARGETS: dict[str, Target] = {
    # Signing in and out, passwords, invitations.
    "home": Target(PATIENT, r("home"), formless=True),
    "login": Target("anonymous", r("login")),
    "logout": Target(PATIENT, r("logout"), page=r("patient-home")),
    "password_change": Target(PATIENT, r("password_change"), {"accounts.User": 0}),
    "password_reset": Target("anonymous", r("password_reset")),
    "password_reset_confirm": Target(
        "anonymous",
        lambda w: reverse("password_reset_confirm", args=[w.reset_uid, w.reset_token]),
        {"accounts.User": 0},
        follow=True,
    ),
    # The invitation is marked accepted; the password is set on the user's own row.
    "invitation-accept": Target(
        "anonymous",
        lambda w: reverse("invitation-accept", args=[w.invitation_token]),
        {"accounts.HistoricalInvitation": 1},
    ),
    "my-settings": Target(NURSE, r("my-settings")),
    "session-keep-alive": Target(NURSE, r("session-keep-alive"), formless=True),
    # The second factor.
    "second-factor": Target("nurse_at_code_step", r("second-factor")),
    "second-factor-enrol": Target(
        "nurse_enrolling",
        r("second-factor-enrol"),
        {"otp_totp.TOTPDevice": 0, "otp_static.StaticDevice": 1, "otp_static.StaticToken": 10},
    ),
    "second-factor-new-backup-codes": Target(
        "opted_in_patient",
        r("second-factor-new-backup-codes"),
        {"otp_static.StaticToken": 0},
        page=r("my-settings"),
    ),
    "second-factor-stop": Target(
        "opted_in_patient",
        r("second-factor-stop"),
        # The app, the backup codes and the device the sign-in was verified with.
        {
            "otp_totp.TOTPDevice": 1,
            "otp_static.StaticDevice": 2,
            "otp_static.StaticToken": 10,
            "accounts.HistoricalUser": 1,
        },
        page=r("my-settings"),
    ),
    # The patient's reminder choices: made on the first save, changed after.
    "reminder-settings": Target(
        PATIENT,
        r("reminder-settings"),
        {"reminders.ReminderSettings": 1, "reminders.HistoricalReminderSettings": 1},
    ),
    # Pages that read, and answer a POST as a GET.
    "patient-home": Target(PATIENT, r("patient-home"), formless=True),
    "clinician-home": Target(CLINICIAN, r("clinician-home"), formless=True),
    "patient-list": Target(NURSE, r("patient-list"), formless=True),
    "patient-detail": Target(NURSE, r("patient-detail", patient_pk), formless=True),
    "course-detail": Target(NURSE, r("course-detail", pk("course")), formless=True),
    # Patients' records.
    "patient-create": Target(CLINICIAN, r("patient-create")),
    "patient-edit": Target(CLINICIAN, r("patient-edit", patient_pk)),
    "patient-invite": Target(
        CLINICIAN,
        r("patient-invite", pk("newcomer")),
        writes={"accounts.Invitation": 1, "accounts.HistoricalInvitation": 2},
    ),
    "retreatment-lift-request": Target(CLINICIAN, r("retreatment-lift-request", pk("flag")), FLAG),
    "retreatment-lift-confirm": Target(
        "second_clinician", r("retreatment-lift-confirm", pk("requested_flag")), FLAG
    ),
    "retreatment-lift-decline": Target(
        "second_clinician", r("retreatment-lift-decline", pk("requested_flag")), FLAG
    ),
    # Courses.
    "course-create": Target(CLINICIAN, r("course-create", pk("newcomer"))),
    "course-move": Target(CLINICIAN, r("course-move", pk("course"))),
    "course-cancel": Target(CLINICIAN, r("course-cancel", pk("course"))),
    "course-discontinue": Target(CLINICIAN, r("course-discontinue", pk("course"))),
    "course-discharge": Target(CLINICIAN, r("course-discharge", pk("course"))),
    "course-end-cycle": Target(CLINICIAN, r("course-end-cycle", pk("course"))),
    "feed-manage": Target(
        PATIENT,
        r("feed-manage", patient_pk),
        {"regimens.CalendarFeed": 1, "regimens.HistoricalCalendarFeed": 1},
        shows_result=True,
    ),
    # Doses on the ward and at home.
    "dose-record": Target(NURSE, r("dose-record", pk("open_dose"))),
    "dose-check": Target(NURSE, r("dose-check", pk("open_dose"))),
    # An authorised override, and the alert telling the team (a notice to each on it).
    "dose-authorise": Target(
        CLINICIAN,
        r("dose-authorise", pk("open_dose")),
        {
            "ward.WithholdOverride": 1,
            "ward.HistoricalWithholdOverride": 1,
            **ALERT,
            "alerts.Notification": 2,
        },
    ),
    "record-correct": Target(NURSE, r("record-correct", pk("given_record"))),
    "record-verify": Target(CLINICIAN, r("record-verify", pk("given_record")), formless=True),
    "override-withdraw": Target(
        CLINICIAN,
        r("override-withdraw", pk("override")),
        writes={"ward.HistoricalWithholdOverride": 1},
    ),
    "my-dose-record": Target("other_patient", r("my-dose-record", pk("home_dose"))),
    "my-dose-missed": Target(
        "other_patient", r("my-dose-missed", pk("home_dose")), {**DOSE_RECORD, **ALERT}
    ),
    # Alerts and the on-call rota.
    "alert-acknowledge": Target(
        NURSE, r("alert-acknowledge", pk("alert")), {"alerts.HistoricalAlert": 1}
    ),
    "alert-message": Target(
        NURSE, r("alert-message", pk("alert")), MESSAGE, page=r("alert-detail", pk("alert"))
    ),
    "shift-add": Target("admin", r("shift-add", pk("ward"))),
    "shift-cancel": Target(
        "admin",
        lambda w: reverse("shift-cancel", args=[w.ward.pk, w.shift.pk]),
        {"alerts.HistoricalOnCallShift": 1},
    ),
    # The observation chart.
    "chart-vitals": Target(NURSE, r("chart-vitals", patient_pk), charted("VitalSigns")),
    "chart-vitals-error": Target(
        NURSE, r("chart-vitals-error", pk("vitals")), {"observations.HistoricalVitalSigns": 1}
    ),
    "chart-fluids": Target(NURSE, r("chart-fluids", patient_pk), charted("FluidEntry")),
    "chart-fluid-error": Target(
        NURSE, r("chart-fluid-error", pk("fluid")), {"observations.HistoricalFluidEntry": 1}
    ),
    "chart-weight": Target(NURSE, r("chart-weight", patient_pk), charted("WeightEntry")),
    "chart-weight-error": Target(
        NURSE,
        r("chart-weight-error", pk("weight")),
        writes={"observations.HistoricalWeightEntry": 1},
    ),
    "chart-infusions": Target(NURSE, r("chart-infusions", patient_pk), charted("Infusion")),
    "chart-infusion-rate": Target(NURSE, r("chart-infusion-rate", pk("infusion")), RATE),
    "chart-infusion-stop": Target(NURSE, r("chart-infusion-stop", pk("infusion")), INFUSION),
    "chart-infusion-stop-error": Target(
        NURSE,
        r("chart-infusion-stop-error", pk("stopped_infusion")),
        writes={"observations.HistoricalInfusion": 1},
    ),
    "chart-infusion-error": Target(
        NURSE,
        r("chart-infusion-error", pk("infusion")),
        writes={"observations.HistoricalInfusion": 1},
    ),
    "chart-rate-change-error": Target(
        NURSE, r("chart-rate-change-error", pk("rate_change")), RATE
    ),
    "chart-events": Target(NURSE, r("chart-events", patient_pk), charted("ClinicalEvent")),
    "chart-event-end": Target(NURSE, r("chart-event-end", pk("clinical_event")), EVENT),
    "chart-event-end-error": Target(NURSE, r("chart-event-end-error", pk("ended_event")), EVENT),
    "chart-event-error": Target(NURSE, r("chart-event-error", pk("clinical_event")), EVENT),
    "chart-labs": Target(NURSE, r("chart-labs", patient_pk), charted("LabResult", len(LabTest))),
    "chart-labs-error": Target(
        NURSE, r("chart-labs-error", pk("lab")), {"observations.HistoricalLabResult": 1}
    ),
    # The patient's own readings.
    "my-reading-add": Target(
        "other_patient",
        r("my-reading-add"),
        {**charted("VitalSigns"), **charted("WeightEntry")},
    ),
    "my-reading-vitals-error": Target(
        "other_patient",
        r("my-reading-vitals-error", pk("home_vitals")),
        writes={"observations.HistoricalVitalSigns": 1},
    ),
    "my-reading-weight-error": Target(
        "other_patient",
        r("my-reading-weight-error", pk("home_weight")),
        {"observations.HistoricalWeightEntry": 1},
    ),
    # Side effects.
    "symptom-answer": Target(PATIENT, lambda w: reverse("symptom-answer", args=["nausea"])),
    "symptom-report-edit": Target(PATIENT, r("symptom-report-edit", pk("report")), REPORT),
    "symptom-report-withdraw": Target(PATIENT, r("symptom-report-withdraw", pk("report")), REPORT),
    "symptom-report-answer": Target(
        PATIENT,
        lambda w: reverse("symptom-report-answer", args=[w.report.pk, w.message.pk]),
        page=r("symptom-report-detail", pk("report")),
        writes=MESSAGE,
    ),
    "adverse-event-new": Target(
        NURSE,
        lambda w: (
            reverse("adverse-event-new", args=[w.patient.pk]) + "?term=" + str(w.event.term_id)
        ),
    ),
    "adverse-event-error": Target(
        NURSE, r("adverse-event-error", pk("event")), {"symptoms.HistoricalAdverseEvent": 1}
    ),
    "symptom-report-review": Target(
        CLINICIAN, r("symptom-report-review", pk("report")), {**REPORT, **ALERT}
    ),
    "report-reply": Target(NURSE, r("report-reply", pk("report")), MESSAGE),
    "report-message-withdraw": Target(
        NURSE, r("report-message-withdraw", pk("message")), formless=True
    ),
    # Thyroid.
    "thyroid-new": Target(NURSE, r("thyroid-new", patient_pk)),
    "thyroid-result-error": Target(
        NURSE, r("thyroid-result-error", pk("result")), {"thyroid.HistoricalThyroidResult": 1}
    ),
}


# --- Which addresses accept a POST: asked of the URLconf, not remembered. ---

PLACEHOLDERS = {"IntConverter": 999999, "StringConverter": "x", "SlugConverter": "x"}


def url_patterns(patterns=None, prefix=""):
    """(route, name) of every pattern outside the Django admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            # The admin's forms are Django's own, behind the second factor; not the app's.
            if not route.startswith("admin/"):
                yield from url_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def accepts_post(client, users, pattern) -> bool:
    """Whether the view takes a POST: a view that does not answers 405 to someone signed in.

    Views check the method after the sign-in and role decorators, so ask each role.
    """
    kwargs = {
        name: PLACEHOLDERS[type(converter).__name__]
        for name, converter in pattern.pattern.converters.items()
    }
    url = reverse(pattern.name, kwargs=kwargs)
    for user in users:
        client.force_login(user)
        if client.post(url).status_code == 405:
            return False
    return True


def test_every_address_that_accepts_a_post_is_fuzzed(client, db):
    users = [make_user(role) for role in Role]
    posting = {
        pattern.name for _, pattern in url_patterns() if accepts_post(client, users, pattern)
    }
    missing, stale = sorted(posting - set(TARGETS)), sorted(set(TARGETS) - posting)
    assert not missing, f"Add to TARGETS (who may post, and what it is posted about): {missing}"
    assert not stale, f"These no longer take a POST: take them out of TARGETS: {stale}"


# --- Row counts: what "nothing written" means. ---


def clinical_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in CLINICAL_APPS and model._meta.label not in WRITTEN_ON_READ
    ]


def row_counts(models) -> dict[str, int]:
    """Every table's row count in one query: two per submission, not two hundred."""
    quote = connection.ops.quote_name
    # Table names from the models, quoted: no input reaches this query.
    columns = ", ".join(
        f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})"  # noqa: S608
        for m in models
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        counts = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(models, counts, strict=True)}


def changes(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        label: after[label] - before[label] for label in before if after[label] != before[label]
    }


# --- The fuzz itself. ---


NOW = "2027-03-10 14:00Z"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end.

    Each test's own transaction is then a savepoint inside it, so no test changes the
    world another one sees.
    """
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


def sign_in(client, world: World, persona: str):
    client.logout()
    user = world.users[persona]
    if user is None:
        return
    if persona in PASSWORD_ONLY:
        django.test.Client.force_login(client, user)
    else:
        # The `client` fixture's sign-in gives staff (and patients who chose it) the code.
        client.force_login(user)


def read_form(client, world: World, name: str, target: Target) -> tuple[str, Form]:
    """The address to post to and its form, as the persona's page shows it."""
    url = target.url(world)
    if target.formless:
        return url, Form(urlsplit(url).path)
    page = target.page(world) if target.page else url
    response = client.get(page, follow=target.follow)
    if target.follow and response.redirect_chain:
        url = page = response.redirect_chain[-1][0]
    assert response.status_code == 200, f"{name}: {page} answered {response.status_code}"
    path = urlsplit(url).path
    if target.formless:
        return url, Form(path)
    form = form_posting_to(response.content.decode(), urlsplit(page).path, path)
    assert form is not None, f"{name}: no form on {page} posts to {path}"
    return url, form


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_hostile_submissions_never_fail_the_server_nor_write_half(name, world, db, client):
    target = TARGETS[name]
    sign_in(client, world, target.persona)
    url, form = read_form(client, world, name, target)
    models = clinical_models()
    seen = {"examples": 0}
    # Built once: a strategy made afresh for every example is validated afresh too.
    bodies = hostile.submission(form)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # No shrinking: a failure reports the submission as generated (see the note).
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def submit(data):
        body = data.draw(bodies, label="body")
        seen["examples"] += 1
        with transaction.atomic():
            if target.follow:
                client.get(target.url(world))
            else:
                sign_in(client, world, target.persona)
            before = row_counts(models)
            response = client.post(url, body)
            changed = changes(before, row_counts(models))
            transaction.set_rollback(True)
        note(f"{response.status_code} {response.get('Location', '')} changed {changed}")
        assert response.status_code < 500
        succeeded = response.status_code in (301, 302, 303) or (
            target.shows_result and response.status_code == 200
        )
        if succeeded:
            unexpected = {
                label: delta
                for label, delta in changed.items()
                if abs(delta) > target.writes.get(label, 0)
            }
            assert not unexpected, f"a success that wrote rows it should not: {unexpected}"
        else:
            assert not changed, f"answered {response.status_code} but wrote {changed}"

    submit()
    print(f"fuzz {name}: {seen['examples']} submissions, 0 server errors")

"""Every address in the project, sorted by what the read-access log writes for it.

`tests/patients/test_access_log.py` opens each patient page as the persona named here
and checks that it writes exactly one row naming the scene's patient; each list page
one row without a patient; and that a URL pattern in none of these lists fails the
test, so a new page cannot escape the log by being forgotten.
"""

from django.urls import reverse


def alert_message(s):
    """A care-team message about the scene's alert, which has no report."""
    from tracker.symptoms.replies import send_alert_message

    message = send_alert_message(s.alert, by=s.patient.care_team.first(), body="Please call us.")
    return reverse("my-alert-message", args=[message.pk])


# Patient pages: name -> (persona who opens it, its address given the scene).
PATIENT_PAGES = {
    "patient-detail": (
        "clinician_on_team",
        lambda s: reverse("patient-detail", args=[s.patient.pk]),
    ),
    "patient-edit": ("clinician_on_team", lambda s: reverse("patient-edit", args=[s.patient.pk])),
    "patient-invite": (
        "clinician_on_team",
        lambda s: reverse("patient-invite", args=[s.patient.pk]),
    ),
    "patient-fhir": ("clinician_on_team", lambda s: reverse("patient-fhir", args=[s.patient.pk])),
    "retreatment-lift-request": (
        "clinician_on_team",
        lambda s: reverse("retreatment-lift-request", args=[s.flag.pk]),
    ),
    "retreatment-lift-confirm": (
        "clinician_on_team",
        lambda s: reverse("retreatment-lift-confirm", args=[s.flag.pk]),
    ),
    "retreatment-lift-decline": (
        "clinician_on_team",
        lambda s: reverse("retreatment-lift-decline", args=[s.flag.pk]),
    ),
    # Courses and their calendars.
    "course-create": (
        "clinician_on_team",
        lambda s: reverse("course-create", args=[s.patient.pk]),
    ),
    "course-detail": ("clinician_on_team", lambda s: reverse("course-detail", args=[s.course.pk])),
    "course-summary": (
        "clinician_on_team",
        lambda s: reverse("course-summary", args=[s.course.pk]),
    ),
    "course-move": ("clinician_on_team", lambda s: reverse("course-move", args=[s.course.pk])),
    "course-cancel": ("clinician_on_team", lambda s: reverse("course-cancel", args=[s.course.pk])),
    "course-discontinue": (
        "clinician_on_team",
        lambda s: reverse("course-discontinue", args=[s.course.pk]),
    ),
    "course-discharge": (
        "clinician_on_team",
        lambda s: reverse("course-discharge", args=[s.course.pk]),
    ),
    "course-end-cycle": (
        "clinician_on_team",
        lambda s: reverse("course-end-cycle", args=[s.course.pk]),
    ),
    "course-ics": ("clinician_on_team", lambda s: reverse("course-ics", args=[s.course.pk])),
    "patient-calendar": (
        "clinician_on_team",
        lambda s: reverse("patient-calendar", args=[s.patient.pk]),
    ),
    "patient-calendar-month": (
        "clinician_on_team",
        lambda s: reverse("patient-calendar-month", args=[s.patient.pk, 2027, 3]),
    ),
    "patient-doses": (
        "clinician_on_team",
        lambda s: reverse("patient-doses", args=[s.patient.pk]),
    ),
    "feed-manage": ("clinician_on_team", lambda s: reverse("feed-manage", args=[s.patient.pk])),
    # Read by a calendar app with the secret link: a row without a user.
    "calendar-feed": ("anonymous", lambda s: reverse("calendar-feed", args=[s.feed_token])),
    # Doses and their records.
    "dose-detail": ("clinician_on_team", lambda s: reverse("dose-detail", args=[s.dose.pk])),
    "dose-record": ("nurse_on_team", lambda s: reverse("dose-record", args=[s.dose.pk])),
    "dose-check": ("nurse_on_team", lambda s: reverse("dose-check", args=[s.dose.pk])),
    "dose-authorise": ("clinician_on_team", lambda s: reverse("dose-authorise", args=[s.dose.pk])),
    "record-correct": ("nurse_on_team", lambda s: reverse("record-correct", args=[s.record.pk])),
    "override-withdraw": (
        "clinician_on_team",
        lambda s: reverse("override-withdraw", args=[s.override.pk]),
    ),
    "flowsheet": ("clinician_on_team", lambda s: reverse("flowsheet", args=[s.patient.pk])),
    # The observation chart.
    "chart-vitals": ("nurse_on_team", lambda s: reverse("chart-vitals", args=[s.patient.pk])),
    "chart-vitals-error": (
        "nurse_on_team",
        lambda s: reverse("chart-vitals-error", args=[s.vitals.pk]),
    ),
    "chart-fluids": ("nurse_on_team", lambda s: reverse("chart-fluids", args=[s.patient.pk])),
    "chart-weight": ("nurse_on_team", lambda s: reverse("chart-weight", args=[s.patient.pk])),
    "chart-fluid-error": (
        "nurse_on_team",
        lambda s: reverse("chart-fluid-error", args=[s.fluid.pk]),
    ),
    "chart-weight-error": (
        "nurse_on_team",
        lambda s: reverse("chart-weight-error", args=[s.weight.pk]),
    ),
    "chart-infusions": (
        "nurse_on_team",
        lambda s: reverse("chart-infusions", args=[s.patient.pk]),
    ),
    "chart-infusion-rate": (
        "nurse_on_team",
        lambda s: reverse("chart-infusion-rate", args=[s.infusion.pk]),
    ),
    "chart-infusion-stop": (
        "nurse_on_team",
        lambda s: reverse("chart-infusion-stop", args=[s.infusion.pk]),
    ),
    "chart-infusion-stop-error": (
        "nurse_on_team",
        lambda s: reverse("chart-infusion-stop-error", args=[s.stopped_infusion.pk]),
    ),
    "chart-infusion-error": (
        "nurse_on_team",
        lambda s: reverse("chart-infusion-error", args=[s.infusion.pk]),
    ),
    "chart-rate-change-error": (
        "nurse_on_team",
        lambda s: reverse("chart-rate-change-error", args=[s.rate_change.pk]),
    ),
    "chart-events": ("nurse_on_team", lambda s: reverse("chart-events", args=[s.patient.pk])),
    "chart-event-end": ("nurse_on_team", lambda s: reverse("chart-event-end", args=[s.event.pk])),
    "chart-event-end-error": (
        "nurse_on_team",
        lambda s: reverse("chart-event-end-error", args=[s.ended_event.pk]),
    ),
    "chart-event-error": (
        "nurse_on_team",
        lambda s: reverse("chart-event-error", args=[s.event.pk]),
    ),
    "chart-labs": ("nurse_on_team", lambda s: reverse("chart-labs", args=[s.patient.pk])),
    "chart-labs-error": ("nurse_on_team", lambda s: reverse("chart-labs-error", args=[s.lab.pk])),
    # Side effects.
    "side-effect-timeline": (
        "clinician_on_team",
        lambda s: reverse("side-effect-timeline", args=[s.patient.pk]),
    ),
    "adverse-event-new": (
        "clinician_on_team",
        lambda s: reverse("adverse-event-new", args=[s.patient.pk]),
    ),
    "side-effects-csv": (
        "clinician_on_team",
        lambda s: reverse("side-effects-csv", args=[s.patient.pk]),
    ),
    "symptom-report-review": (
        "clinician_on_team",
        lambda s: reverse("symptom-report-review", args=[s.report.pk]),
    ),
    "report-reply": ("clinician_on_team", lambda s: reverse("report-reply", args=[s.report.pk])),
    "report-message-withdraw": (
        "clinician_on_team",
        lambda s: reverse("report-message-withdraw", args=[s.message.pk]),
    ),
    "adverse-event-error": (
        "clinician_on_team",
        lambda s: reverse("adverse-event-error", args=[s.adverse_event.pk]),
    ),
    # Thyroid results.
    "thyroid-results": (
        "clinician_on_team",
        lambda s: reverse("thyroid-results", args=[s.patient.pk]),
    ),
    "thyroid-new": ("clinician_on_team", lambda s: reverse("thyroid-new", args=[s.patient.pk])),
    "thyroid-csv": ("clinician_on_team", lambda s: reverse("thyroid-csv", args=[s.patient.pk])),
    "thyroid-result-error": (
        "clinician_on_team",
        lambda s: reverse("thyroid-result-error", args=[s.result.pk]),
    ),
    "alert-detail": ("clinician_on_team", lambda s: reverse("alert-detail", args=[s.alert.pk])),
    "alert-acknowledge": (
        "clinician_on_team",
        lambda s: reverse("alert-acknowledge", args=[s.alert.pk]),
    ),
    # The patient's own pages.
    "patient-home": ("the_patient", lambda s: reverse("patient-home")),
    "my-record-access": ("the_patient", lambda s: reverse("my-record-access")),
    "reminder-settings": ("the_patient", lambda s: reverse("reminder-settings")),
    "my-readings": ("the_patient", lambda s: reverse("my-readings")),
    "my-reading-add": ("the_patient", lambda s: reverse("my-reading-add")),
    "my-reading-vitals-error": (
        "the_patient",
        lambda s: reverse("my-reading-vitals-error", args=[s.own_vitals.pk]),
    ),
    "my-reading-weight-error": (
        "the_patient",
        lambda s: reverse("my-reading-weight-error", args=[s.own_weight.pk]),
    ),
    "my-dose-record": ("the_patient", lambda s: reverse("my-dose-record", args=[s.home_dose.pk])),
    "my-dose-missed": ("the_patient", lambda s: reverse("my-dose-missed", args=[s.home_dose.pk])),
    "symptom-report": ("the_patient", lambda s: reverse("symptom-report")),
    "symptom-answer": ("the_patient", lambda s: reverse("symptom-answer", args=["nausea"])),
    "symptom-report-detail": (
        "the_patient",
        lambda s: reverse("symptom-report-detail", args=[s.report.pk]),
    ),
    "symptom-report-edit": (
        "the_patient",
        lambda s: reverse("symptom-report-edit", args=[s.report.pk]),
    ),
    "symptom-report-withdraw": (
        "the_patient",
        lambda s: reverse("symptom-report-withdraw", args=[s.report.pk]),
    ),
    "my-alert-message": ("the_patient", alert_message),
}

# Pages that show several patients at once: one row without a patient.
LIST_PAGES = {
    "patient-list": "clinician_on_team",
    "clinician-home": "clinician_on_team",
    "nurse-home": "nurse_on_team",
    "alert-list": "clinician_on_team",
    "thyroid-due": "clinician_on_team",
}

# Addresses that show no patient's data when opened: the reason.  They write no row.
NO_PATIENT_DATA = {
    "home": "redirects each role to its own home page",
    "login": "the sign-in page",
    "logout": "signing out",
    "password_change": "the user's own password",
    "password_change_done": "the user's own password",
    "password_reset": "the user's own password",
    "password_reset_done": "the user's own password",
    "password_reset_confirm": "the user's own password",
    "password_reset_complete": "the user's own password",
    "invitation-accept": "setting up a login; the invited patient's name is not shown",
    "my-settings": "the user's own settings",
    "patient-create": "a blank registration form",
    "alert-count": "a number of alerts, for the badge",
    "ward-list": "wards",
    "ward-rota": "staff on call",
    "shift-add": "staff on call",
    "shift-cancel": "staff on call",
    "session-status": "how long the user's own session has left",
    "session-keep-alive": "keeping the user's own session",
    "second-factor": "the user's own second factor",
    "second-factor-enrol": "the user's own second factor",
    "second-factor-backup-codes": "the user's own second factor",
    "second-factor-new-backup-codes": "the user's own second factor",
    "second-factor-stop": "the user's own second factor",
}

# Posted to from another page, never opened: GET answers 405 and writes nothing.  A POST
# goes through the same access helpers as a page, so it is logged like one.
POST_ONLY = {
    "symptom-report-answer": "the patient's answer to a message",
    "alert-message": "a care-team message about an alert, from the alert's page",
    "record-verify": "a nurse verifying a patient's own record of a dose",
}

"""Access helpers for side effects: the first call in every symptoms view.

A patient reaches only their own reports.  Another patient's report id is a 404,
so ids cannot be probed; staff on a patient's page get 403 (they have their own).

On the staff side scope follows the patient (tracker.patients.access): out of
scope is 404.  In scope, clinicians and nurses on the care team grade side
effects and mark an entry graded by mistake entered in error; only clinicians
review a patient's report; the admin may look and export.  Anything else is 403.
Nurses and clinicians on the care team write to the patient about a report, or
about an alert that has none; the admin may read the messages, not write them.
A patient reaches only the messages to them; another patient's is a 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from tracker.accounts.roles import (
    CARE_TEAM_ROLES,
    GRADER_ROLES,
    REVIEWER_ROLES,
    STAFF_ROLES,
    Role,
)
from tracker.alerts.access import get_alert_for_user
from tracker.alerts.models import Alert
from tracker.lib.reads import note_read
from tracker.patients.access import get_own_record, get_patient_for_user
from tracker.patients.models import Patient
from tracker.symptoms.models import AdverseEvent, ProSymptom, ReportMessage, SymptomReport


def get_reporting_patient(user) -> Patient:
    """The patient record a signed-in patient reports for; 404 if no record is linked yet."""
    return get_own_record(user)


def get_reportable_symptom(slug) -> ProSymptom:
    """A symptom patients may report now; a retired or unknown one is 404."""
    return get_object_or_404(ProSymptom.objects.filter(is_active=True), slug=slug)


def get_patient_for_grading(user, pk) -> Patient:
    """A patient whose side effects the user may grade: 404 out of scope, 403 not care team."""
    patient = get_patient_for_user(user, pk)
    if not can_grade(user):
        raise PermissionDenied
    return patient


def get_patient_for_export(user, pk) -> Patient:
    patient = get_patient_for_user(user, pk)
    if user.role not in STAFF_ROLES:
        raise PermissionDenied
    return patient


def get_report_for_review(user, pk) -> SymptomReport:
    """A report the user may review: 404 out of scope, 403 unless a clinician."""
    report = get_object_or_404(
        SymptomReport.objects.visible_to(user).select_related(
            "patient", "symptom", "dose__course", "reviewed_by"
        ),
        pk=pk,
    )
    note_read(report.patient_id)
    if not can_review(user):
        raise PermissionDenied
    return report


def get_event_for_correction(user, pk) -> AdverseEvent:
    """A staff entry the user may mark entered in error: 404 out of scope, 403 not care team."""
    event = get_object_or_404(
        AdverseEvent.objects.visible_to(user).select_related(
            "patient", "term", "dose", "recorded_by"
        ),
        pk=pk,
    )
    note_read(event.patient_id)
    if not can_grade(user):
        raise PermissionDenied
    return event


def get_own_report(user, pk) -> SymptomReport:
    """One of the signed-in patient's own reports, with what its page shows."""
    if user.role != Role.PATIENT:
        raise PermissionDenied
    report = get_object_or_404(
        SymptomReport.objects.visible_to(user)
        .filter(patient__user=user)
        .select_related("patient__ward", "symptom", "dose__course__patient")
        .with_patient_status(),
        pk=pk,
    )
    note_read(report.patient_id)
    return report


def get_own_message(user, report_pk, pk) -> ReportMessage:
    """A care-team message on one of the signed-in patient's own reports."""
    if user.role != Role.PATIENT:
        raise PermissionDenied
    message = get_object_or_404(
        ReportMessage.objects.filter(
            report__patient__user=user, report__in=SymptomReport.objects.visible_to(user)
        )
        .from_staff()
        .select_related("report__patient__ward"),
        report_id=report_pk,
        pk=pk,
    )
    note_read(message.report.patient_id)
    return message


def get_report_for_messages(user, pk) -> SymptomReport:
    """A report whose messages the user may read: 404 out of scope, 403 unless staff.

    Writing needs `can_reply` as well.
    """
    report = get_object_or_404(
        SymptomReport.objects.visible_to(user).select_related(
            "patient__ward", "symptom", "dose", "reviewed_by"
        ),
        pk=pk,
    )
    note_read(report.patient_id)
    if user.role not in STAFF_ROLES:
        raise PermissionDenied
    return report


def get_alert_for_message(user, pk) -> Alert:
    """An alert the user may write to the patient about: 404 out of scope, 403 not care team."""
    alert = get_alert_for_user(user, pk, with_source=True)
    if not can_reply(user):
        raise PermissionDenied
    return alert


def get_own_alert_message(user, pk) -> ReportMessage:
    """A care-team message to the signed-in patient about one of their alerts."""
    if user.role != Role.PATIENT:
        raise PermissionDenied
    message = get_object_or_404(
        ReportMessage.objects.filter(alert__patient__user=user)
        .from_staff()
        .select_related("alert__patient__ward", "alert__dose"),
        pk=pk,
    )
    note_read(message.alert.patient_id)
    return message


def can_review(user) -> bool:
    """Reviewing a patient's report is a clinician's call (on the care team: the scope's job)."""
    return user.role in REVIEWER_ROLES


def can_grade(user) -> bool:
    return user.role in GRADER_ROLES


def can_reply(user) -> bool:
    """Writing to a patient about their report: the care team (the scope says whose)."""
    return user.role in CARE_TEAM_ROLES


def get_message_for_withdrawal(user, pk) -> ReportMessage:
    """A care-team message the user sent: 404 out of scope, 403 anyone but its sender."""
    message = get_object_or_404(
        ReportMessage.objects.filter(
            Q(report__in=SymptomReport.objects.visible_to(user))
            | Q(alert__in=Alert.objects.visible_to(user))
        ).select_related("report__patient", "report__symptom", "alert__patient", "author"),
        pk=pk,
        from_patient=False,
    )
    note_read(message.patient.pk)
    if not can_reply(user) or message.author_id != user.pk:
        raise PermissionDenied
    return message

"""Creating the reminders whose time has come, and sending each once.

Each run (Celery beat, every minute) first creates the rows now due, through the
unique constraints, so two runs at once create each reminder once; then it sends
the rows waiting, each claimed first with a conditional UPDATE, so two workers
never send one twice.  A failed send is tried again with back-off, then marked
failed.  Every choice is read again just before sending: a dose recorded, moved
or cancelled, a patient who turned reminders off, or quiet hours begun meanwhile
change what happens to the row.
"""

import logging
from datetime import timedelta

from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone

from regimens.models import Course, Dose, RegimenTemplate
from tracker.lib.mail import message_id, send_message
from tracker.patients.models import Patient
from tracker.reminders import timing, wording
from tracker.reminders.models import Reminder, ReminderSettings
from tracker.thyroid.schedule import due_checks_by_patient

logger = logging.getLogger(__name__)

# The doses patients give themselves, at home: subcutaneous injections.  A ward's IV
# doses are given by a nurse, who needs no e-mail to remember them.
HOME_ROUTE = RegimenTemplate.Route.SC
# A reminder "at the time of the dose" may go out this late; after it, none does.
DOSE_LATE = timedelta(minutes=10)
# Looked at for a reminder: the longest quiet hours, lead and margin before them.
LOOK_AHEAD = timedelta(days=1, hours=3)
# An unrecorded dose older than this gets no reminder: the team has long been told.
UNRECORDED_STALE = timedelta(days=1)
BATCH = 200
# While one worker sends a row; past this, another may take it over.
CLAIM_FOR = timedelta(minutes=5)
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1


def send_due_reminders(now=None) -> int:
    """Create the reminders now due and send those waiting; return how many were sent."""
    now = now or timezone.now()
    queue_due_reminders(now)
    sent = 0
    waiting = (
        Reminder.objects.due(now)
        .select_related("patient__user", "patient__ward", "patient__reminder_settings")
        .select_related("dose__course")
        .order_by("next_attempt_at", "pk")[:BATCH]
    )
    for reminder in waiting:
        sent += send_reminder(reminder, now)
    return sent


def queue_due_reminders(now) -> int:
    """Create a row for each reminder whose time has come; return how many are new."""
    rows = [*_dose_reminders(now), *_unrecorded_reminders(now), *_thyroid_reminders(now)]
    created = Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def _home_doses(kind):
    """Doses still to be recorded, at home, of patients who asked and have an address."""
    return (
        Dose.objects.recordable()
        .filter(
            course__status=Course.Status.OPEN,
            course__template__route=HOME_ROUTE,
            course__patient__reminder_settings__dose_reminders=True,
            course__patient__user__is_active=True,
        )
        .exclude(course__patient__user__email="")
        .exclude(reminders__kind=kind)
        .select_related("course__patient__reminder_settings")
    )


def _new(kind, patient, at, **about) -> Reminder:
    return Reminder(patient=patient, kind=kind, due_at=at, next_attempt_at=at, **about)


def _dose_reminders(now):
    doses = _home_doses(Reminder.Kind.DOSE_DUE).filter(
        planned_at__gt=now - DOSE_LATE, planned_at__lte=now + LOOK_AHEAD
    )
    for dose in doses:
        patient = dose.course.patient
        at = timing.dose_due_at(dose, patient.reminder_settings, patient.zone)
        if at <= now:
            yield _new(Reminder.Kind.DOSE_DUE, patient, at, dose=dose)


def _unrecorded_reminders(now):
    window_end = ExpressionWrapper(
        F("planned_at") + F("course__recording_window"), output_field=DateTimeField()
    )
    doses = (
        _home_doses(Reminder.Kind.DOSE_UNRECORDED)
        .filter(planned_at__gt=now - UNRECORDED_STALE - timedelta(days=2), planned_at__lte=now)
        .alias(window_end=window_end)
        .filter(window_end__lte=now, window_end__gt=now - UNRECORDED_STALE)
    )
    for dose in doses:
        patient = dose.course.patient
        at = timing.unrecorded_at(dose, patient.reminder_settings, patient.zone)
        yield _new(Reminder.Kind.DOSE_UNRECORDED, patient, at, dose=dose)


def _thyroid_reminders(now):
    patients = Patient.objects.filter(
        reminder_settings__thyroid_reminders=True, user__is_active=True
    ).exclude(user__email="")
    opted_in = {
        choice.patient_id: choice
        for choice in ReminderSettings.objects.filter(patient__in=patients).select_related(
            "patient"
        )
    }
    if not opted_in:
        return
    reminded = set(
        Reminder.objects.filter(
            patient__in=patients,
            kind=Reminder.Kind.THYROID_DUE,
            test_due_on__gte=now.date() - timedelta(days=1),
        ).values_list("patient_id", "test_due_on")
    )
    for patient_id, checks in due_checks_by_patient(patients).items():
        choice = opted_in[patient_id]
        zone = choice.patient.zone
        today = timezone.localdate(now, zone)
        for due in checks:
            if due.on != today or due.met_on or (patient_id, due.on) in reminded:
                continue
            at = timing.thyroid_due_at(due.on, choice, zone)
            if at <= now:
                yield _new(Reminder.Kind.THYROID_DUE, choice.patient, at, test_due_on=due.on)


# Sending ------------------------------------------------------------------------------


def send_reminder(reminder: Reminder, now) -> int:
    """Claim `reminder` and send it, put it off, or skip it; 1 if this call sent it."""
    claimed = (
        Reminder.objects.filter(pk=reminder.pk)
        .due(now)
        .update(status=Reminder.Status.SENDING, claimed_until=now + CLAIM_FOR)
    )
    if not claimed:
        return 0
    decision = _decide(reminder, now)
    if decision is not None:
        _settle(reminder, **decision)
        return 0
    attempts = reminder.attempts + 1
    try:
        send_message(
            to=reminder.patient.user.email,
            subject=wording.SUBJECT,
            body=wording.body(reminder, now),
            message_id=message_id("reminder", reminder.pk),
        )
    except Exception as error:  # any failure of the mail path: record it and try again
        logger.warning("Reminder %s not sent (attempt %s): %s", reminder.pk, attempts, error)
        if attempts >= MAX_ATTEMPTS:
            outcome = {"status": Reminder.Status.FAILED}
        else:
            outcome = {
                "status": Reminder.Status.QUEUED,
                "next_attempt_at": now + RETRY_AFTER[attempts - 1],
            }
        _settle(reminder, attempts=attempts, last_error=str(error)[:300], **outcome)
        return 0
    _settle(reminder, status=Reminder.Status.SENT, attempts=attempts, sent_at=now)
    return 1


def _settle(reminder: Reminder, **fields) -> None:
    """Release this worker's claim with the outcome `fields`."""
    Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING).update(
        claimed_until=None, **fields
    )


def _skip(note: str) -> dict:
    return {"status": Reminder.Status.SKIPPED, "note": note}


def _decide(reminder: Reminder, now) -> dict | None:
    """What to do instead of sending now, or None to send: the choices read again."""
    patient = reminder.patient
    user = getattr(patient, "user", None)
    if user is None or not user.is_active or not user.email:
        return _skip("The patient has no e-mail address.")
    choice = getattr(patient, "reminder_settings", None)
    if choice is None or not choice.wants(reminder.kind):
        return _skip("The patient turned these reminders off.")
    dose = reminder.dose
    if dose is not None and dose.status != Dose.Status.SCHEDULED:
        return _skip(f"The dose is {dose.get_status_display().lower()}.")
    zone = patient.zone
    if reminder.kind == Reminder.Kind.DOSE_DUE:
        at = timing.dose_due_at(dose, choice, zone)
        if at > now:  # the dose was moved later, or the lead shortened
            return {"status": Reminder.Status.QUEUED, "due_at": at, "next_attempt_at": at}
        if now > dose.planned_at + DOSE_LATE:
            return _skip("The dose time passed before the reminder could be sent.")
    quiet = choice.quiet_hours_around(now, zone)
    if quiet is None:
        return None
    if reminder.kind == Reminder.Kind.DOSE_DUE and dose.planned_at < quiet[1]:
        return _skip("The dose falls in the patient's quiet hours, which had begun.")
    return {"status": Reminder.Status.QUEUED, "next_attempt_at": quiet[1]}

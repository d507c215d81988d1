"""From a raised alert to an e-mail in the right inbox: who is told, when, and once.

`queue_notifications` (as an alert is raised), `escalate` (every minute) and
`send_digests` (every five minutes) write Notification rows; `send` claims one row
and sends it; `send_due` is the sweep that sends whatever is waiting, retries
included.  tasks.py runs them on Celery; docs/alerts.md ("Who is told, and when")
gives the reasons.
"""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracker.accounts.models import User
from tracker.accounts.roles import CARE_TEAM_ROLES, Role
from tracker.alerts.models import Alert, EscalationStep, Notification, OnCallShift
from tracker.lib import mail
from tracker.patients.models import Patient, Ward

Audience = EscalationStep.Audience
Channel = Notification.Channel
Status = Notification.Status

# A worker holds a notification it claimed this long; past it, the sweep takes it
# over.  Longer than one SMTP conversation (EMAIL_TIMEOUT), so a slow mail server is
# not mistaken for a dead worker.
LEASE = timedelta(minutes=2)
# After a failed attempt the next waits 1, 2, 4, 8 … minutes.
FIRST_RETRY_AFTER = timedelta(minutes=1)
# A repeating step is sent again at most this many times (12 × 15 minutes: three
# hours of reminders); the alert stays at the top of every list after that.
MAX_REPEATS = 12
# escalate() still sends the last step of an alert it reaches this late.
LATE_RUN_GRACE = timedelta(hours=1)
NO_ADDRESS = "no e-mail address"
ERROR_LENGTH = 200


# Who -------------------------------------------------------------------------------


def _staff():
    """People who may hear of a patient's alert: active clinicians and nurses."""
    return User.objects.filter(is_active=True, groups__name__in=CARE_TEAM_ROLES)


class Audiences:
    """Who each audience is for many alerts at one instant, in three queries in all."""

    def __init__(self, alerts, at: datetime):
        patient_ids = {alert.patient_id for alert in alerts}
        ward_ids = {alert.patient.ward_id for alert in alerts if alert.patient.ward_id}
        clinician = User.groups.through.objects.filter(
            user_id=models.OuterRef("user_id"), group__name=Role.CLINICIAN
        )
        self.teams = defaultdict(list)
        members = (
            Patient.care_team.through.objects.filter(patient_id__in=patient_ids, user__in=_staff())
            .annotate(is_clinician=models.Exists(clinician))
            .select_related("user")
            .order_by("user__username")
        )
        for member in members:
            self.teams[member.patient_id].append((member.user, member.is_clinician))
        self.on_call = defaultdict(list)
        shifts = OnCallShift.objects.covering(at).filter(ward_id__in=ward_ids, person__in=_staff())
        for shift in shifts.select_related("person").order_by("person__username"):
            if shift.person not in self.on_call[shift.ward_id]:
                self.on_call[shift.ward_id].append(shift.person)

    def recipients(self, alert: Alert, audience: str) -> list[User]:
        """The people `audience` names for this alert; never the patient themself."""
        patient = alert.patient
        team = [user for user, _ in self.teams[patient.pk]]
        if audience == Audience.ON_CALL:
            people = self.on_call[patient.ward_id] or team
        elif audience == Audience.CONSULTANT:
            consultant = patient.ward.consultant if patient.ward_id else None
            clinicians = [user for user, is_clinician in self.teams[patient.pk] if is_clinician]
            people = [consultant] if consultant and consultant.is_active else clinicians or team
        else:
            people = team
        return [person for person in people if person.pk != patient.user_id]


def _notification(alert, recipient, *, level, round=0, now, channel=Channel.EMAIL):
    notification = Notification(
        alert=alert,
        recipient=recipient,
        channel=channel,
        level=level,
        round=round,
        queued_at=now,
        next_attempt_at=now,
    )
    if not recipient.email:
        # Kept, failed, so that admins see who could not be told.
        notification.status, notification.failed_at = Status.FAILED, now
        notification.last_error = NO_ADDRESS
    return notification


def _send_after_commit(pks) -> None:
    # tasks.py imports this module: import it only when sending.
    from tracker.alerts.tasks import send_notification

    for pk in pks:
        # robust: a broker that is down must not show an error for an entry that is
        # saved; the sweep (send_due) sends what was never handed to a worker.
        # A named callable: Django logs a robust callback's failure by its __qualname__.
        transaction.on_commit(lambda pk=pk: send_notification.delay(pk), robust=True)


# When ------------------------------------------------------------------------------


def queue_notifications(alert: Alert) -> list[Notification]:
    """The first notifications of a newly raised alert, sent once its transaction commits.

    Urgent and high alerts go at once to their severity's level-1 audience (on call,
    unless the steps say otherwise); routine alerts wait for the daily digest; a drill
    goes to its one recipient only.
    """
    now = timezone.now()
    if alert.trigger == Alert.Trigger.DRILL:
        rows = [_notification(alert, alert.drill_recipient, level=1, now=now)]
    elif alert.severity == Alert.Severity.ROUTINE:
        return []
    else:
        first = EscalationStep.objects.filter(severity=alert.severity, level=1).first()
        if first is not None and first.after > timedelta(0):
            return []  # escalate() sends it when its time comes
        audience = first.audience if first else Audience.ON_CALL
        people = Audiences([alert], now).recipients(alert, audience)
        rows = [_notification(alert, person, level=1, now=now) for person in people]
    created = Notification.objects.bulk_create(rows)
    _send_after_commit(row.pk for row in created if row.status == Status.QUEUED)
    return created


def round_due(step: EscalationStep, open_for: timedelta) -> int | None:
    """Which round of `step` an alert open this long is due: None before the step's time.

    Only the latest round is sent: after a pause (a stopped scheduler) the consultant
    gets one reminder, not one for every interval missed.
    """
    if open_for < step.after:
        return None
    if not step.repeat_every:
        return 0
    return min((open_for - step.after) // step.repeat_every, MAX_REPEATS)


def _still_escalating(steps_by_severity, now) -> models.Q:
    """Alerts young enough for one of their steps to be still to come."""
    young = models.Q(pk__in=[])
    for severity, steps in steps_by_severity.items():
        reach = max(
            step.after + (step.repeat_every or timedelta(0)) * MAX_REPEATS for step in steps
        )
        young |= models.Q(severity=severity, created_at__gte=now - reach - LATE_RUN_GRACE)
    return young


@transaction.atomic
def escalate(now: datetime | None = None) -> int:
    """Notify the next level of every open alert not acknowledged in time; how many were queued.

    Safe to run at any moment and in several workers at once: a notification that
    exists already is left alone, and the unique constraint stops a race.
    """
    now = now or timezone.now()
    steps = defaultdict(list)
    for step in EscalationStep.objects.all():
        steps[step.severity].append(step)
    candidates = (
        Alert.objects.real().open().filter(_still_escalating(steps, now), created_at__lte=now)
    )
    alerts = list(candidates.select_related("patient__ward__consultant"))
    if not alerts:
        return 0
    existing = set(
        Notification.objects.filter(alert__in=candidates.values("pk"), channel=Channel.EMAIL)
        .values_list("alert_id", "level", "round")
        .distinct()
    )
    due = [
        (alert, step, round)
        for alert in alerts
        for step in steps[alert.severity]
        if (round := round_due(step, now - alert.created_at)) is not None
        and (alert.pk, step.level, round) not in existing
    ]
    if not due:
        return 0
    audiences = Audiences([alert for alert, _, _ in due], now)
    rows = [
        _notification(alert, person, level=step.level, round=round, now=now)
        for alert, step, round in due
        for person in audiences.recipients(alert, step.audience)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts returns no keys; this run's rows are the ones queued now.
    queued = list(
        Notification.objects.filter(
            channel=Channel.EMAIL, status=Status.QUEUED, queued_at=now
        ).values_list("pk", flat=True)
    )
    _send_after_commit(queued)
    return len(queued)


# Sending ---------------------------------------------------------------------------


def _claim(pk: int) -> bool:
    """Take the notification for this worker, if it is due and no one else holds it.

    One conditional UPDATE: of two workers, the database lets exactly one through.
    """
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=pk)
        .due(now)
        .update(
            status=Status.SENDING,
            claimed_until=now + LEASE,
            attempts=models.F("attempts") + 1,
        )
    )
    return claimed == 1


def _finish(notifications, status: str, **fields) -> None:
    Notification.objects.filter(
        pk__in=[n.pk for n in notifications], status=Status.SENDING
    ).update(status=status, claimed_until=None, **fields)


def retry_after(attempts: int) -> timedelta:
    return FIRST_RETRY_AFTER * 2 ** (attempts - 1)


def _retry_or_fail(notifications, error: str) -> None:
    """Queue each again after its back-off, or give it up after the last attempt."""
    now = timezone.now()
    for notification in notifications:
        if notification.attempts >= settings.ALERT_SEND_ATTEMPTS:
            _finish([notification], Status.FAILED, failed_at=now, last_error=error)
        else:
            next_attempt_at = now + retry_after(notification.attempts)
            _finish(
                [notification], Status.QUEUED, next_attempt_at=next_attempt_at, last_error=error
            )


def _error_text(error: Exception) -> str:
    # The exception's class and message (an SMTP reply): never settings or passwords.
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


def send(notification_id: int) -> str | None:
    """Send one notification if it is due and this worker claims it; its new status.

    None when there was nothing to do (another worker holds it, or it is done). A
    failure to send is recorded for a retry, never raised.
    """
    if not _claim(notification_id):
        return None
    notification = Notification.objects.select_related("alert__patient__ward", "recipient").get(
        pk=notification_id
    )
    if not notification.alert.is_open:
        _finish([notification], Status.CANCELLED)
        return Status.CANCELLED
    if not notification.recipient.email:
        _finish([notification], Status.FAILED, failed_at=timezone.now(), last_error=NO_ADDRESS)
        return Status.FAILED
    subject, body = notification_message(notification)
    try:
        mail.send_message(
            to=notification.recipient.email,
            subject=subject,
            body=body,
            message_id=mail.message_id("notification", notification.pk),
        )
    except Exception as error:
        _retry_or_fail([notification], _error_text(error))
        notification.refresh_from_db(fields=["status"])
        return notification.status
    # The one window: killed here, after the server took the message, it is sent again.
    _finish([notification], Status.SENT, sent_at=timezone.now())
    return Status.SENT


def send_due(now: datetime | None = None) -> int:
    """The sweep: send every notification waiting (retries, and any a worker never got)."""
    now = now or timezone.now()
    due = Notification.objects.due(now)
    sent = 0
    for pk in due.filter(channel=Channel.EMAIL).values_list("pk", flat=True):
        sent += send(pk) == Status.SENT
    digests = due.filter(channel=Channel.DIGEST).values_list("recipient_id", flat=True)
    for recipient_id in sorted(set(digests)):
        sent += _send_digest(recipient_id)
    return sent


# What a message says ---------------------------------------------------------------


def _zone(ward: Ward | None) -> ZoneInfo:
    return ward.zone if ward else ZoneInfo(settings.CLINIC_TIME_ZONE)


def _how_long(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _open_for(notification: Notification) -> timedelta:
    """How long the alert had been open when this level was due, as its step says."""
    alert = notification.alert
    step = EscalationStep.objects.filter(severity=alert.severity, level=notification.level).first()
    if step is None:
        return notification.queued_at - alert.created_at
    return step.after + (step.repeat_every or timedelta(0)) * notification.round


def notification_message(notification: Notification) -> tuple[str, str]:
    """Subject and body: severity, when, the level and a link; no name, no clinical word.

    An e-mail can be read over a shoulder or on a lock screen, so it says only
    enough to make the reader open the app (docs/alerts.md).
    """
    alert = notification.alert
    context = {"alert": alert, "site": settings.SITE_URL}
    if alert.trigger != Alert.Trigger.DRILL:
        ward = alert.patient.ward
        context |= {
            "severity": alert.get_severity_display(),
            "mrn_end": alert.patient.mrn[-4:],
            # Formatted here: the template's date filter would show the server's zone.
            "raised_at": f"{timezone.localtime(alert.created_at, _zone(ward)):%H:%M %Z, %d %b %Y}",
            "escalated": notification.level > 1 or notification.round > 0,
            "open_for": _how_long(_open_for(notification)),
            "link": mail.absolute_url(reverse("alert-detail", args=[alert.pk])),
        }
    return _render("notification", context)


def _render(name: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"alerts/email/{name}_subject.txt", context)
    body = render_to_string(f"alerts/email/{name}.txt", context)
    return " ".join(subject.split()), body


# The daily digest of routine alerts --------------------------------------------------


def digest_time() -> time:
    return time.fromisoformat(settings.DIGEST_TIME)


def digest_window(zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """The day a digest on `zone`'s clock covers: from one digest time to the latest one.

    Built from local dates, so the day before a change of the clocks is 23 or 25
    hours long, and the digest still goes at the digest time.
    """
    today = timezone.localtime(now, zone).date()
    end = datetime.combine(today, digest_time(), tzinfo=zone)
    if end > now:
        end = datetime.combine(today - timedelta(days=1), digest_time(), tzinfo=zone)
    start = datetime.combine(end.date() - timedelta(days=1), digest_time(), tzinfo=zone)
    # As UTC instants: two times on one zone subtract as wall-clock times, not hours.
    return start.astimezone(UTC), end.astimezone(UTC)


def _digest_alerts(now: datetime) -> models.Q:
    """Routine alerts in each ward's latest digest window (no ward: the clinic's clock)."""
    start, end = digest_window(ZoneInfo(settings.CLINIC_TIME_ZONE), now)
    covered = models.Q(patient__ward__isnull=True, created_at__gte=start, created_at__lt=end)
    for ward in Ward.objects.only("pk", "time_zone"):
        start, end = digest_window(ward.zone, now)
        covered |= models.Q(patient__ward=ward, created_at__gte=start, created_at__lt=end)
    return covered


def send_digests(now: datetime | None = None) -> int:
    """Each care-team member's daily digest of open routine alerts; how many were sent.

    Each alert goes in one digest per person (the unique constraint, level 0): runs
    every few minutes find the alerts they already listed and send nothing more.
    """
    now = now or timezone.now()
    alerts = list(
        Alert.objects.real()
        .open()
        .filter(_digest_alerts(now), severity=Alert.Severity.ROUTINE)
        .select_related("patient")
    )
    if alerts:
        audiences = Audiences(alerts, now)
        rows = [
            _notification(alert, person, level=0, now=now, channel=Channel.DIGEST)
            for alert in alerts
            for person in audiences.recipients(alert, Audience.CARE_TEAM)
        ]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    recipients = Notification.objects.filter(channel=Channel.DIGEST).due(now)
    return sum(
        _send_digest(recipient_id)
        for recipient_id in sorted(set(recipients.values_list("recipient_id", flat=True)))
    )


def _send_digest(recipient_id: int) -> int:
    """One e-mail for all of a person's digest rows that are due; 1 if it was sent."""
    due = Notification.objects.filter(recipient_id=recipient_id, channel=Channel.DIGEST)
    # A row at a time: a day's routine alerts for one person are few.
    claimed = [pk for pk in due.due(timezone.now()).values_list("pk", flat=True) if _claim(pk)]
    rows = list(Notification.objects.filter(pk__in=claimed).select_related("alert", "recipient"))
    closed = [row for row in rows if not row.alert.is_open]
    _finish(closed, Status.CANCELLED)
    rows = [row for row in rows if row.alert.is_open]
    if not rows:
        return 0
    recipient = rows[0].recipient
    if not recipient.email:
        _finish(rows, Status.FAILED, failed_at=timezone.now(), last_error=NO_ADDRESS)
        return 0
    subject, body = _render(
        "digest",
        {"count": len(rows), "link": mail.absolute_url(reverse("alert-list"))},
    )
    try:
        mail.send_message(
            to=recipient.email,
            subject=subject,
            body=body,
            message_id=mail.message_id("digest", min(row.pk for row in rows)),
        )
    except Exception as error:
        _retry_or_fail(rows, _error_text(error))
        return 0
    _finish(rows, Status.SENT, sent_at=timezone.now())
    return 1

"""How an alert reaches a person: the ward's on-call rota, the escalation steps, and a
record of every notification sent (or not) for an alert.

The behaviour is in tracker/alerts/delivery.py and tasks.py; docs/alerts.md explains it.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.accounts.roles import Role
from tracker.alerts.models.alert import Alert


class OnCallShiftQuerySet(models.QuerySet):
    def for_ward(self, ward):
        return self.filter(ward=ward)

    def standing(self):
        """Not cancelled: a cancelled shift is kept, with who cancelled it and why."""
        return self.filter(cancelled_at__isnull=True)

    def covering(self, instant):
        return self.standing().filter(starts_at__lte=instant, ends_at__gt=instant)

    def overlapping(self, start, end):
        return self.standing().filter(starts_at__lt=end, ends_at__gt=start)


class OnCallShift(models.Model):
    """One person on call for a ward from `starts_at` to `ends_at` (UTC instants,
    entered on the ward's clock).  Two people may be on call at once."""

    ward = models.ForeignKey("patients.Ward", models.PROTECT, related_name="on_call_shifts")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="on_call_shifts",
        limit_choices_to={"groups__name__in": [Role.CLINICIAN, Role.NURSE]},
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()
    objects = OnCallShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["ward", "starts_at", "ends_at"], name="oncall_ward_time_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="oncall_ends_after_it_starts",
                violation_error_message="A shift must end after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_at__isnull=True, cancelled_by__isnull=True)
                | models.Q(cancelled_at__isnull=False, cancelled_by__isnull=False),
                name="oncall_cancelled_by_someone",
            ),
        ]

    def __str__(self):
        return f"{self.person} on call for {self.ward}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class EscalationStep(models.Model):
    """Who hears of an unacknowledged alert of one severity, and when.

    Step 1 (after zero minutes) is the first notification.  Each later step goes to
    its audience once the alert has stayed open `after` its raising.  A step with
    `repeat_every` is sent again at that interval until someone acknowledges.
    Edited in the admin with a reason; shipped by migration (docs/alerts.md).
    """

    class Audience(models.TextChoices):
        ON_CALL = "on_call", "On call for the ward (the care team if no one is)"
        CARE_TEAM = "care_team", "The patient's whole care team"
        CONSULTANT = "consultant", "The ward's named consultant"

    severity = models.CharField(max_length=8, choices=Alert.Severity)
    level = models.PositiveSmallIntegerField()
    after = models.DurationField(help_text="How long the alert has been open (hh:mm:ss).")
    audience = models.CharField(max_length=16, choices=Audience)
    repeat_every = models.DurationField(
        null=True,
        blank=True,
        help_text="Send this step again at this interval until acknowledged (hh:mm:ss).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["severity", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "level"], name="escalation_one_step_per_level"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1), name="escalation_level_from_one"
            ),
            models.CheckConstraint(
                condition=models.Q(repeat_every__isnull=True)
                | models.Q(repeat_every__gte=timedelta(minutes=5)),
                name="escalation_repeats_five_minutes_apart_or_more",
            ),
        ]

    def __str__(self):
        return f"{self.get_severity_display()} level {self.level}: {self.get_audience_display()}"


class NotificationQuerySet(models.QuerySet):
    def for_alert(self, alert):
        return self.filter(alert=alert)

    def failed(self):
        return self.filter(status=Notification.Status.FAILED)

    def due(self, now):
        """Waiting to be sent, or claimed by a worker that never finished."""
        waiting = models.Q(status=Notification.Status.QUEUED, next_attempt_at__lte=now)
        abandoned = models.Q(status=Notification.Status.SENDING, claimed_until__lte=now)
        return self.filter(waiting | abandoned)


class Notification(models.Model):
    """One message to one person about one alert, at one escalation level.

    The unique constraint makes each (alert, recipient, channel, level, round) one row
    however many workers try; a worker claims a row before sending, so one sends it.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        DIGEST = "digest", "Daily digest e-mail"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Acknowledged before it went: nothing to tell.
        CANCELLED = "cancelled", "Not sent: acknowledged first"

    alert = models.ForeignKey(Alert, models.PROTECT, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=Channel, default=Channel.EMAIL)
    # The escalation step's level (0 for the digest), and which repeat of it.
    level = models.PositiveSmallIntegerField()
    round = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While a worker sends it; past this, another may take it over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at", "pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "status"], name="notification_recipient_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-queued_at", "-id"], name="notification_queued_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient", "channel", "level", "round"],
                name="notification_once_per_recipient_level",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["queued", "sending", "sent", "failed", "cancelled"]
                ),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="notification_sent_at_when_sent",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.recipient} (level {self.level})"

"""E-mail reminders to patients on a home regimen: the patient's choices, and one row
per reminder due, so that each is sent once however many workers run.

When each reminder falls due, and how quiet hours move it, is in `timing.py`;
creating and sending them is in `sending.py`; docs/alerts.md explains both.
"""

from datetime import UTC, datetime, time, timedelta

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.lib.history import save_with_history

DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(7, 0)


class ReminderSettingsQuerySet(models.QuerySet):
    def of(self, patient) -> "ReminderSettings":
        """The patient's settings, or the defaults (unsaved) if they never chose."""
        return self.filter(patient=patient).first() or ReminderSettings(patient=patient)


class ReminderSettings(models.Model):
    """What one patient chose: reminders of doses and thyroid tests, and their quiet hours.

    Quiet hours are on the patient's own clock; a reminder never arrives inside them.
    """

    class Lead(models.IntegerChoices):
        AT_THE_TIME = 0, "At the time of the dose"
        MINUTES_15 = 15, "15 minutes before"
        MINUTES_30 = 30, "30 minutes before"
        HOUR_1 = 60, "1 hour before"
        HOURS_2 = 120, "2 hours before"

    patient = models.OneToOneField(
        "patients.Patient", models.PROTECT, related_name="reminder_settings"
    )
    dose_reminders = models.BooleanField("remind me of each dose", default=False)
    dose_lead_minutes = models.PositiveSmallIntegerField(
        "how long before the dose", choices=Lead, default=Lead.MINUTES_30
    )
    thyroid_reminders = models.BooleanField("remind me when a thyroid test is due", default=False)
    quiet_start = models.TimeField("quiet hours from", default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField("quiet hours until", default=DEFAULT_QUIET_END)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = ReminderSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dose_lead_minutes__in=[0, 15, 30, 60, 120]),
                name="reminder_lead_is_offered",
            ),
            models.CheckConstraint(
                condition=~models.Q(quiet_start=models.F("quiet_end")),
                name="reminder_quiet_hours_have_length",
                violation_error_message="Quiet hours must start and end at different times.",
            ),
        ]

    def __str__(self):
        return f"Reminder settings of patient {self.patient_id}"

    def choose(self, *, by, **choices) -> None:
        """Save the patient's choices; the history row says who changed them."""
        for name, value in choices.items():
            setattr(self, name, value)
        self.updated_at = timezone.now()
        save_with_history(self, by=by, reason="Reminders chosen")

    def wants(self, kind: str) -> bool:
        if kind == Reminder.Kind.THYROID_DUE:
            return self.thyroid_reminders
        return self.dose_reminders

    @property
    def dose_lead(self) -> timedelta:
        return timedelta(minutes=self.dose_lead_minutes)

    def quiet_hours_around(self, instant: datetime, zone) -> tuple[datetime, datetime] | None:
        """The quiet hours `instant` falls in, as UTC instants (start, end), or None.

        Read on the patient's wall clock, so "22:00 to 07:00" stays so across a change
        of the clocks.  Compared in UTC: two times in one zone compare by wall clock.
        """
        local = instant.astimezone(zone)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        start, end = self.quiet_start, self.quiet_end
        if start < end:
            if not start <= clock < end:
                return None
            first = day
        elif clock >= start:
            first = day
        elif clock < end:
            first = day - timedelta(days=1)
        else:
            return None
        last = first if start < end else first + timedelta(days=1)
        return _instant(first, start, zone), _instant(last, end, zone)


def _instant(day, clock, zone) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


class ReminderQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def due(self, now):
        """Waiting to be sent, or claimed by a worker that never finished."""
        waiting = models.Q(status=Reminder.Status.QUEUED, next_attempt_at__lte=now)
        abandoned = models.Q(status=Reminder.Status.SENDING, claimed_until__lte=now)
        return self.filter(waiting | abandoned)


class Reminder(models.Model):
    """One e-mail to a patient: a dose coming up, a dose not recorded, a thyroid test due.

    The unique constraints make each reminder one row however often or by however
    many workers it is created; a worker claims the row before sending, so one sends it.
    """

    class Kind(models.TextChoices):
        DOSE_DUE = "dose_due", "Dose coming up"
        DOSE_UNRECORDED = "dose_unrecorded", "Dose not recorded"
        THYROID_DUE = "thyroid_due", "Thyroid test due"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Not sent, on purpose: `note` says why (quiet hours, the dose recorded first...).
        SKIPPED = "skipped", "Not sent"

    DOSE_KINDS = (Kind.DOSE_DUE, Kind.DOSE_UNRECORDED)

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind)
    dose = models.ForeignKey(
        "regimens.Dose", models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    test_due_on = models.DateField(
        null=True, blank=True, help_text="The day the thyroid test is due, on the patient's clock."
    )
    # When it is to be sent, already moved out of the patient's quiet hours.
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While a worker sends it; past this, another may take it over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # The sender's sweep: rows whose time has come.
            models.Index(fields=["status", "next_attempt_at"], name="reminder_due_idx"),
            models.Index(fields=["patient", "kind"], name="reminder_patient_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-due_at", "-id"], name="reminder_due_at_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dose", "kind"],
                condition=models.Q(kind__in=["dose_due", "dose_unrecorded"]),
                name="reminder_once_per_dose_and_kind",
            ),
            models.UniqueConstraint(
                fields=["patient", "kind", "test_due_on"],
                condition=models.Q(kind="thyroid_due"),
                name="reminder_once_per_thyroid_test",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind__in=["dose_due", "dose_unrecorded"],
                        dose__isnull=False,
                        test_due_on__isnull=True,
                    )
                    | models.Q(kind="thyroid_due", dose__isnull=True, test_due_on__isnull=False)
                ),
                name="reminder_names_what_it_is_about",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed", "skipped"]),
                name="reminder_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="reminder_sent_at_when_sent",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for patient {self.patient_id} ({self.get_status_display()})"

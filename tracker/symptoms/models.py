"""Side effects: what patients report (PRO-CTCAE items) and what staff grade (CTCAE terms).

Both kinds of entry link to a dose, so a symptom can be read against the dose
before it.  The reference data (CTCAE terms with their grade texts, PRO-CTCAE
items with the attributes each asks) is loaded by migrations and versioned.
The care team and the patient exchange a few short messages about a report;
self-care advice for a mild report is reference data with a cited source.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.lib.records import ClinicalEntry, ClinicalEntryQuerySet
from tracker.patients.models import PatientRecordQuerySet


class Attribute(models.TextChoices):
    """PRO-CTCAE attributes, in the order the items ask them."""

    FREQUENCY = "frequency", "Frequency"
    SEVERITY = "severity", "Severity"
    INTERFERENCE = "interference", "Interference"
    PRESENCE = "presence", "Presence"


# The standard PRO-CTCAE wording of each 0–4 answer (docs/clinical-sources.md §2).
SCALES = {
    Attribute.FREQUENCY: ["Never", "Rarely", "Occasionally", "Frequently", "Almost constantly"],
    Attribute.SEVERITY: ["None", "Mild", "Moderate", "Severe", "Very severe"],
    Attribute.INTERFERENCE: ["Not at all", "A little bit", "Somewhat", "Quite a bit", "Very much"],
    Attribute.PRESENCE: ["No", "Yes"],
}

QUESTIONS = {
    Attribute.FREQUENCY: "How often did you have {item}?",
    Attribute.SEVERITY: "What was the severity of your {item} at its worst?",
    Attribute.INTERFERENCE: "How much did {item} interfere with your usual or daily activities?",
    Attribute.PRESENCE: "Did you have any {item}?",
}

GRADES = range(1, 6)

# A temperature a patient can plausibly measure at home, in °C; outside it the
# reading (or the unit) is wrong, so it is refused rather than stored.
TEMPERATURE_RANGE_C = (Decimal("34.0"), Decimal("43.0"))


def version_key(version: str) -> tuple:
    """ "5.0" < "6.0" < "10.0", compared as numbers, not as text."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


class CtcaeTermQuerySet(models.QuerySet):
    def current(self):
        """The active terms of the newest CTCAE version in use (one query for the versions)."""
        active = self.filter(is_active=True)
        versions = set(active.values_list("version", flat=True))
        if not versions:
            return self.none()
        return active.filter(version=max(versions, key=version_key))


class CtcaeTerm(models.Model):
    """One CTCAE term in one version, with the text of each grade it defines."""

    version = models.CharField(max_length=8, help_text="CTCAE version, e.g. 5.0.")
    term = models.CharField(max_length=120)
    category = models.CharField(max_length=120, help_text="System organ class.")
    grade_1 = models.TextField(blank=True)
    grade_2 = models.TextField(blank=True)
    grade_3 = models.TextField(blank=True)
    grade_4 = models.TextField(blank=True, help_text="Empty where the term has no grade 4.")
    grade_5 = models.TextField(blank=True, help_text="Empty where the term has no grade 5.")
    checked_against_source = models.BooleanField(
        default=False,
        help_text="Every grade text was read against this version's row in a cited source.",
    )
    checked_in = models.CharField(
        max_length=200, blank=True, help_text="Where the row was read, when it was checked."
    )
    is_active = models.BooleanField(default=True)

    objects = CtcaeTermQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "term"], name="ctcae_term_once_per_version"
            ),
            # A term may say it was checked only by naming where (docs/clinical-sources.md §2).
            models.CheckConstraint(
                condition=models.Q(checked_against_source=False) | ~models.Q(checked_in=""),
                name="ctcae_term_checked_names_its_source",
            ),
        ]

    def __str__(self):
        return f"{self.term} (CTCAE v{self.version})"

    def grade_text(self, grade: int) -> str:
        return getattr(self, f"grade_{grade}", "") if grade in GRADES else ""

    def grades(self) -> list[tuple[int, str]]:
        """The grades this term defines, with their texts."""
        return [(grade, self.grade_text(grade)) for grade in GRADES if self.grade_text(grade)]


class ProSymptom(models.Model):
    """A symptom patients can report: one PRO-CTCAE item and the attributes it asks."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, help_text="As the patient sees it, e.g. Nausea.")
    item = models.CharField(
        max_length=120, help_text="PRO-CTCAE item wording (or the app's own), lower case."
    )
    is_pro_ctcae = models.BooleanField(
        default=True,
        help_text="A PRO-CTCAE item; false for the app's own items, which PRO-CTCAE lacks.",
    )
    asks_temperature = models.BooleanField(
        default=False, help_text="The patient may add the temperature they measured."
    )
    asks_frequency = models.BooleanField(default=False)
    asks_severity = models.BooleanField(default=False)
    asks_interference = models.BooleanField(default=False)
    asks_presence = models.BooleanField(default=False)
    ctcae_term = models.CharField(
        max_length=120, blank=True, help_text="The CTCAE term staff grade it with, if any."
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(asks_presence=True)
                    & models.Q(asks_frequency=False, asks_severity=False, asks_interference=False)
                )
                | (
                    models.Q(asks_presence=False)
                    & (
                        models.Q(asks_frequency=True)
                        | models.Q(asks_severity=True)
                        | models.Q(asks_interference=True)
                    )
                ),
                name="pro_symptom_asks_presence_or_scales",
            )
        ]

    def __str__(self):
        return self.name

    def attributes(self) -> list[Attribute]:
        return [a for a in Attribute if getattr(self, f"asks_{a.value}")]

    def question(self, attribute: Attribute) -> str:
        return QUESTIONS[attribute].format(item=self.item)


class EntryQuerySet(PatientRecordQuerySet, ClinicalEntryQuerySet):
    pass


class SymptomReportQuerySet(EntryQuerySet):
    def with_patient_status(self):
        """What `SymptomReport.patient_status` reads, in the same query as the reports:
        when the team first saw each report (its alert acknowledged) and its newest reply."""
        replies = ReportMessage.objects.shown().from_staff().filter(report=OuterRef("pk"))
        newest = replies.order_by("-sent_at", "-pk")
        acknowledged = Alert.objects.filter(
            symptom_report=OuterRef("pk"), acknowledged_at__isnull=False
        ).order_by("acknowledged_at")
        return self.annotate(
            alert_seen_at=Subquery(acknowledged.values("acknowledged_at")[:1]),
            alert_seen_by_nurse=Subquery(
                acknowledged.annotate(
                    by_nurse=Exists(
                        Group.objects.filter(name=Role.NURSE, user=OuterRef("acknowledged_by"))
                    )
                ).values("by_nurse")[:1]
            ),
            last_reply_at=Subquery(newest.values("sent_at")[:1]),
            last_reply_body=Subquery(newest.values("body")[:1]),
            has_unread_reply=Exists(replies.filter(read_at__isnull=True)),
        )


@dataclass(frozen=True)
class PatientStatus:
    """Where a report stands, as its patient is told: "Sent", "Seen by your care team"…"""

    words: str
    at: datetime | None = None
    unread: bool = False


def zero_to_four(name):
    return models.CheckConstraint(
        condition=models.Q(**{f"{name}__isnull": True})
        | models.Q(**{f"{name}__gte": 0, f"{name}__lte": 4}),
        name=f"report_{name}_0_to_4",
    )


class SymptomReport(ClinicalEntry):
    """A patient's report of one symptom, linked to a dose."""

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="symptom_reports")
    symptom = models.ForeignKey(ProSymptom, models.PROTECT, related_name="reports")
    dose = models.ForeignKey(
        "regimens.Dose", models.PROTECT, null=True, blank=True, related_name="symptom_reports"
    )
    linked_automatically = models.BooleanField(
        default=True, help_text="Linked to the dose given most recently before the onset."
    )
    onset_at = models.DateTimeField()
    frequency = models.PositiveSmallIntegerField(null=True, blank=True)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    interference = models.PositiveSmallIntegerField(null=True, blank=True)
    present = models.BooleanField(null=True, blank=True)
    temperature_c = models.DecimalField(
        "temperature (°C)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="What the patient measured, for an item that asks it (fever).",
    )
    note = models.CharField(max_length=300, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    reviewed_grade = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The CTCAE grade a clinician gives this report."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = SymptomReportQuerySet.as_manager()

    # The patient withdraws their own report; staff mark their own entries.
    already_in_error = "This report is already withdrawn."
    in_error_history = "Withdrawn by the patient, entered in error"

    class Meta(ClinicalEntry.Meta):
        ordering = ["-onset_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "onset_at"], name="report_patient_onset_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-onset_at", "-id"], name="report_onset_idx"),
        ]
        constraints = [
            *ClinicalEntry.Meta.constraints,
            zero_to_four("frequency"),
            zero_to_four("severity"),
            zero_to_four("interference"),
            models.CheckConstraint(
                condition=models.Q(reviewed_grade__isnull=True)
                | models.Q(reviewed_grade__gte=0, reviewed_grade__lte=5),
                name="report_reviewed_grade_0_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(temperature_c__isnull=True)
                | models.Q(
                    temperature_c__gte=TEMPERATURE_RANGE_C[0],
                    temperature_c__lte=TEMPERATURE_RANGE_C[1],
                ),
                name="report_temperature_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.symptom} reported {self.onset_at:%d %b %Y %H:%M}"

    def answers(self) -> list[tuple[Attribute, int, str]]:
        """(attribute, value, words) for each attribute answered."""
        result = []
        for attribute in self.symptom.attributes():
            if attribute == Attribute.PRESENCE:
                value = None if self.present is None else int(self.present)
            else:
                value = getattr(self, attribute.value)
            if value is not None:
                result.append((attribute, value, SCALES[attribute][value]))
        return result

    @property
    def temperature_text(self) -> str:
        """The measured temperature as staff read it, "38.6 °C"; empty if none was given."""
        return "" if self.temperature_c is None else f"{self.temperature_c} °C"

    @property
    def patient_status(self) -> PatientStatus:
        """Sent, seen (reviewed, or its alert acknowledged) or replied to.

        Reads the annotations of `SymptomReport.objects.with_patient_status()`.
        """
        if not self.is_active:
            return PatientStatus("Withdrawn")
        if self.last_reply_at:
            return PatientStatus(
                "Your care team replied", self.last_reply_at, unread=self.has_unread_reply
            )
        # A review is a clinician's; an alert is acknowledged by a nurse or a clinician.
        seen = [
            (at, by_nurse)
            for at, by_nurse in (
                (self.reviewed_at, False),
                (self.alert_seen_at, self.alert_seen_by_nurse),
            )
            if at
        ]
        if seen:
            at, by_nurse = min(seen, key=lambda pair: pair[0])
            return PatientStatus(f"Seen by {'your nurse' if by_nurse else 'your care team'}", at)
        return PatientStatus("Sent", self.reported_at)


class AdverseEvent(ClinicalEntry):
    """A side effect graded by staff with a CTCAE term."""

    class Attribution(models.TextChoices):
        UNRELATED = "unrelated", "Unrelated"
        UNLIKELY = "unlikely", "Unlikely"
        POSSIBLE = "possible", "Possible"
        PROBABLE = "probable", "Probable"
        DEFINITE = "definite", "Definite"

    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="adverse_events")
    term = models.ForeignKey(CtcaeTerm, models.PROTECT, related_name="events")
    ctcae_version = models.CharField(max_length=8)
    grade = models.PositiveSmallIntegerField()
    onset_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    attribution = models.CharField(max_length=10, choices=Attribution)
    dose = models.ForeignKey(
        "regimens.Dose", models.PROTECT, null=True, blank=True, related_name="adverse_events"
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = EntryQuerySet.as_manager()

    already_in_error = "This entry is already marked entered in error."

    class Meta(ClinicalEntry.Meta):
        ordering = ["-onset_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "onset_at"], name="event_patient_onset_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-onset_at", "-id"], name="event_onset_idx"),
        ]
        constraints = [
            *ClinicalEntry.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=5), name="event_grade_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("onset_at")),
                name="event_resolves_after_onset",
            ),
        ]

    def __str__(self):
        return f"{self.term.term} grade {self.grade}"

    @property
    def grade_text(self) -> str:
        return self.term.grade_text(self.grade)


# Messages about a report ------------------------------------------------------------

MESSAGE_LENGTH = 500
# A thread is a few short notes, not a conversation: past this, the patient calls.
MESSAGES_PER_REPORT = 6
# An alert about something else (a reading, a missed dose) takes the care team's
# messages only, and fewer: the patient answers by phone.
MESSAGES_PER_ALERT = 3


def ward_phone(patient) -> str:
    """The number a patient is told to call: their ward's, else the clinic's."""
    return patient.ward.phone_number if patient.ward_id else settings.WARD_PHONE


class ReportMessageQuerySet(models.QuerySet):
    def shown(self):
        """The messages that stand: a withdrawn one is kept, but no longer counts."""
        return self.filter(withdrawn_at__isnull=True)

    def from_staff(self):
        return self.filter(from_patient=False)

    def unread(self):
        """Care-team messages the patient has not opened yet."""
        return self.shown().from_staff().filter(read_at__isnull=True)


class ReportMessage(models.Model):
    """A short message about one report: the care team's, or the patient's answer to one.

    Or the care team's message about an alert raised by something else the patient
    did at home (a reading, a missed dose); those take no answer.

    Never deleted or edited; a message sent by mistake is withdrawn with a reason and
    stays in the thread, struck through.
    """

    report = models.ForeignKey(
        SymptomReport, models.PROTECT, null=True, blank=True, related_name="messages"
    )
    alert = models.ForeignKey(
        Alert, models.PROTECT, null=True, blank=True, related_name="messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    from_patient = models.BooleanField(default=False)
    # The care-team message a patient's message answers: one answer each.
    answers = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="patient_answers"
    )
    body = models.CharField(max_length=MESSAGE_LENGTH)
    sent_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient first opened a care-team message."
    )
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient was e-mailed that it is waiting."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()
    objects = ReportMessageQuerySet.as_manager()

    class Meta:
        ordering = ["sent_at", "pk"]
        # The thread of a report, oldest first (report pages, the alert page).
        indexes = [
            models.Index(fields=["report", "sent_at"], name="message_report_sent_idx"),
            models.Index(fields=["alert", "sent_at"], name="message_alert_sent_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin).
            models.Index(fields=["-sent_at", "-id"], name="message_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="message_has_a_body"),
            # About a report, or about an alert that has none, and from the care team.
            models.CheckConstraint(
                condition=models.Q(report__isnull=False, alert__isnull=True)
                | models.Q(report__isnull=True, alert__isnull=False, from_patient=False),
                name="message_about_a_report_or_an_alert",
            ),
            models.CheckConstraint(
                condition=models.Q(from_patient=True, answers__isnull=False, read_at__isnull=True)
                | models.Q(from_patient=False, answers__isnull=True),
                name="message_patient_answers_a_staff_message",
            ),
            models.UniqueConstraint(
                fields=["answers"],
                condition=models.Q(from_patient=True),
                name="message_one_answer_per_staff_message",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawn_reason=""
                )
                | (
                    models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~models.Q(withdrawn_reason="")
                ),
                name="message_withdrawn_with_a_reason",
            ),
        ]

    def __str__(self):
        who = "Patient" if self.from_patient else "Care team"
        about = f"report {self.report_id}" if self.report_id else f"alert {self.alert_id}"
        return f"{who} message on {about}, {self.sent_at:%d %b %Y %H:%M}"

    @property
    def patient(self):
        return (self.report or self.alert).patient

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class SelfCareAdvice(models.Model):
    """What a patient may do themselves about a mild symptom, with where it comes from.

    Shown after a report below the "call the ward now" threshold, under the advice to
    call if it gets worse; never instead of it (docs/side-effects.md).
    """

    symptom = models.ForeignKey(ProSymptom, models.PROTECT, related_name="self_care_advice")
    text = models.TextField(help_text="As the patient reads it: short, plain words.")
    source = models.CharField(
        max_length=300, help_text="Where the advice comes from, e.g. the leaflet and its date."
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["symptom", "order", "pk"]
        verbose_name_plural = "self-care advice"
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="advice_has_text"),
            # Advice to patients only with a cited source.
            models.CheckConstraint(condition=~models.Q(source=""), name="advice_names_its_source"),
        ]

    def __str__(self):
        return f"{self.symptom}: {self.text[:60]}"

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from tracker.accounts.roles import Role
from tracker.lib.zones import validate_time_zone

# Physiological bounds, wide enough for any adult or child on IL-2 and narrow
# enough to catch a weight typed into the height box.
MIN_HEIGHT_CM, MAX_HEIGHT_CM = Decimal("30"), Decimal("272")
MIN_WEIGHT_KG, MAX_WEIGHT_KG = Decimal("1"), Decimal("500")


def default_time_zone() -> str:
    return settings.CLINIC_TIME_ZONE


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The patients this user may see: their own record, their care team's, or all (admin)."""
        if not user.is_authenticated:
            return self.none()
        role = user.role
        if role == Role.ADMIN:
            # Every patient's record needs the second factor the admin site asks for.
            verified = getattr(user, "is_verified", None)
            return self.all() if verified and verified() else self.none()
        if role == Role.PATIENT:
            return self.filter(user=user)
        if role in (Role.CLINICIAN, Role.NURSE):
            return self.filter(care_team=user)
        return self.none()

    def same_person(self, given_name: str, family_name: str, date_of_birth):
        """Patients with this name (any case) and date of birth: possibly the same person."""
        return self.filter(
            given_name__iexact=given_name.strip(),
            family_name__iexact=family_name.strip(),
            date_of_birth=date_of_birth,
        )

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        return self.filter(
            models.Q(mrn__iexact=text)
            | models.Q(family_name__icontains=text)
            | models.Q(given_name__icontains=text)
        )


class Ward(models.Model):
    """Where a patient is cared for: its clock, its phone and its named consultant.

    The on-call rota and the escalation of alerts (tracker.alerts) hang from the ward.
    """

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="The ward's clock: its rota and daily digest are in this zone.",
    )
    phone = models.CharField(
        max_length=32, blank=True, help_text="Left blank, patients are given the clinic's number."
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="consultant_of",
        limit_choices_to={"groups__name": Role.CLINICIAN},
        help_text="The named consultant: the last level an unacknowledged alert escalates to.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def phone_number(self) -> str:
        return self.phone or settings.WARD_PHONE


class Patient(models.Model):
    class Sex(models.TextChoices):
        # FHIR AdministrativeGender
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    mrn = models.CharField(
        "MRN",
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9-]*$", "Use letters, digits and hyphens, e.g. MRN-004211."
            )
        ],
        help_text="Medical record number, e.g. MRN-004211.",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=8, choices=Sex)
    height_cm = models.DecimalField(
        "height (cm)",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(MIN_HEIGHT_CM), MaxValueValidator(MAX_HEIGHT_CM)],
    )
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(MIN_WEIGHT_KG), MaxValueValidator(MAX_WEIGHT_KG)],
        help_text="Latest measured weight. Each course records the weight its doses use.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Where the patient lives; their calendar is shown in this zone.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="patient",
        limit_choices_to={"groups__name": Role.PATIENT},
        help_text="The patient's own login, if they have one.",
    )
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="care_patients",
        limit_choices_to={"groups__name__in": [Role.CLINICIAN, Role.NURSE]},
    )
    ward = models.ForeignKey(
        Ward,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="patients",
        help_text="Whose on-call rota hears of this patient's alerts.",
    )
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[care_team])
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="patient_name_idx"),
            # MRN searches ignore case (mrn__iexact is UPPER(mrn) = UPPER(%s)).
            models.Index(Upper("mrn"), name="patient_mrn_upper_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(height_cm__gte=MIN_HEIGHT_CM, height_cm__lte=MAX_HEIGHT_CM),
                name="patient_height_in_range",
                violation_error_message="Height must be between 30 and 272 cm.",
            ),
            models.CheckConstraint(
                condition=models.Q(weight_kg__gte=MIN_WEIGHT_KG, weight_kg__lte=MAX_WEIGHT_KG),
                name="patient_weight_in_range",
                violation_error_message="Weight must be between 1 and 500 kg.",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.mrn})"

    def get_absolute_url(self):
        return reverse("patient-detail", args=[self.pk])

    def clean(self):
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": "Date of birth cannot be in the future."})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - before_birthday

    @cached_property
    def retreatment_contraindications(self) -> list["RetreatmentContraindication"]:
        """The flags that bar this patient from aldesleukin now (not lifted), oldest first.

        One query, kept for the page: the patient header and the course form both read it.
        """
        return list(
            self.retreatment_flags.active().select_related("set_by").order_by("set_at", "pk")
        )

    @property
    def retreatment_contraindicated(self) -> bool:
        return bool(self.retreatment_contraindications)


class PatientRecordQuerySet(models.QuerySet):
    """For records that belong to one patient (a `patient` field): scope follows the patient."""

    def for_patient(self, patient):
        return self.filter(patient=patient)

    def visible_to(self, user):
        return self.filter(patient__in=Patient.objects.visible_to(user))


class RetreatmentContraindicationQuerySet(PatientRecordQuerySet):
    def active(self):
        """Flags that still bar a new course: a lift asked for but not confirmed still bars."""
        return self.exclude(status=RetreatmentContraindication.Status.LIFTED)


# A lift reason must say something a colleague can check, not "ok".
LIFT_REASON_MIN_LENGTH = 20


class RetreatmentContraindication(models.Model):
    """Aldesleukin must not be given to this patient again: a label criterion was met.

    Set when a course is stopped for one of the label's reasons to stop permanently
    (docs/clinical-sources.md §1).  It bars every new course until two different
    clinicians lift it: one asks, with a reason, and another confirms.
    """

    class Criterion(models.TextChoices):
        # The label's events after which aldesleukin is stopped for good, in its order
        # (docs/clinical-sources.md §1).  The codes are also Course.DiscontinueReason's.
        SUSTAINED_VT = "sustained_vt", "Sustained ventricular tachycardia (5 beats or more)"
        UNCONTROLLED_RHYTHM = "rhythm", "Rhythm disturbance not controlled by management"
        CARDIAC_ISCHAEMIA = (
            "ecg_ischaemia",
            "ECG changes of ischaemia or infarction, angina or chest pain",
        )
        TAMPONADE = "tamponade", "Cardiac tamponade"
        INTUBATION = "intubation", "Intubation for more than 72 hours"
        COMA_PSYCHOSIS = "coma_psychosis", "Coma or toxic psychosis for more than 48 hours"
        SEIZURES = "seizures", "Repetitive or hard-to-control seizures"
        BOWEL = "bowel", "Bowel ischaemia or perforation"
        GI_BLEED_SURGERY = "gi_bleed_surgery", "GI bleeding needing surgery"
        DIALYSIS = "dialysis", "Renal failure needing dialysis for more than 72 hours"
        # Courses stopped before the criteria were coded: which one is not known.
        NOT_RECORDED = (
            "not_recorded",
            "Label criterion to stop permanently (criterion not recorded)",
        )

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LIFT_REQUESTED = "lift_requested", "Lift asked for, awaiting a second clinician"
        LIFTED = "lifted", "Lifted"

    patient = models.ForeignKey(Patient, models.PROTECT, related_name="retreatment_flags")
    criterion = models.CharField(max_length=20, choices=Criterion)
    note = models.CharField(max_length=200, blank=True)
    # A reference in the database, not an import: regimens sits above patients.
    course = models.OneToOneField(
        "regimens.Course", models.PROTECT, related_name="retreatment_flag"
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status, default=Status.ACTIVE)
    lift_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_requested_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.CharField(max_length=200, blank=True)
    lift_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_confirmed_at = models.DateTimeField(null=True, blank=True)
    lift_confirm_note = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()
    objects = RetreatmentContraindicationQuerySet.as_manager()

    class Meta:
        ordering = ["-set_at", "-pk"]
        indexes = [
            # Every patient page asks whether the patient has an active flag.
            models.Index(fields=["patient", "status"], name="retreat_flag_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lift_confirmed_by__isnull=True)
                | ~models.Q(lift_confirmed_by=models.F("lift_requested_by")),
                name="retreat_flag_two_clinicians",
                violation_error_message="A second, different clinician must confirm the lift.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="active",
                        lift_requested_by__isnull=True,
                        lift_confirmed_by__isnull=True,
                    )
                    | models.Q(
                        status="lift_requested",
                        lift_requested_by__isnull=False,
                        lift_requested_at__isnull=False,
                        lift_confirmed_by__isnull=True,
                    )
                    | models.Q(
                        status="lifted",
                        lift_requested_by__isnull=False,
                        lift_requested_at__isnull=False,
                        lift_confirmed_by__isnull=False,
                        lift_confirmed_at__isnull=False,
                    )
                )
                & (models.Q(status="active") | ~models.Q(lift_reason="")),
                name="retreat_flag_lift_complete",
                violation_error_message="A lift needs who asked, why, and who confirmed.",
            ),
        ]

    def __str__(self):
        return f"Retreatment contraindicated for {self.patient}: {self.get_criterion_display()}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.LIFTED

    @property
    def summary(self) -> str:
        """What the header and refusals say: "Intubation for more than 72 hours, 12 Mar 2027"."""
        on = timezone.localtime(self.set_at, self.patient.zone)
        return f"{self.get_criterion_display()}, {on:%d %b %Y}"


class RecordAccessQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def by_staff(self):
        """Reads by the care team and the admins: not the patient's own, nor their calendar app's."""
        return self.filter(user__isnull=False).exclude(user__groups__name=Role.PATIENT)


class RecordAccess(models.Model):
    """One reading of a patient's data: who, which patient, what, when and from where.

    Written by tracker.patients.access_log for every page, export and admin page that
    shows a patient's data; never changed or deleted (the database refuses: migration
    0010's triggers).  A page that lists several patients is one row without a patient.
    """

    at = models.DateTimeField(default=timezone.now)
    # Kept with the log: a user or patient who has been read cannot be deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="record_accesses",
        # The composite indexes below lead with this column.
        db_index=False,
        help_text="Empty for a calendar app reading a patient's feed with its secret link.",
    )
    patient = models.ForeignKey(
        Patient,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="record_accesses",
        db_index=False,
        help_text="Empty for a page that lists several patients.",
    )
    what = models.CharField(
        max_length=100, help_text="The page, by its name, e.g. course-detail or patient-fhir."
    )
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    ip = models.GenericIPAddressField("from (IP)", null=True, blank=True)

    objects = RecordAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "read access"
        verbose_name_plural = "read-access log"
        indexes = [
            # A patient's page and the admin's search by patient: newest first.
            models.Index(fields=["patient", "-at"], name="recordaccess_patient_at_idx"),
            # The admin's search by user.
            models.Index(fields=["user", "-at"], name="recordaccess_user_at_idx"),
            # The admin's list, newest first (tracker.lib.admin.LongListAdmin), and its
            # date filter.
            models.Index(fields=["-at", "-id"], name="recordaccess_at_idx"),
        ]

    def __str__(self):
        return f"{self.what} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def description(self) -> str:
        """What was opened, in words for the patient: "your record", "a course's calendar"."""
        if self.what.startswith("admin:"):
            return "your record in the administration site"
        return READ_DESCRIPTIONS.get(self.what, self.what.replace("-", " "))


# The pages a patient will most often see named on their "who opened my record" page;
# any other is named by its page name, "chart vitals".
READ_DESCRIPTIONS = {
    "patient-detail": "your record",
    "patient-edit": "your record, to change it",
    "patient-fhir": "a download of your whole record (FHIR)",
    "course-detail": "a course of treatment",
    "course-summary": "a course's summary",
    "course-ics": "a course's calendar file",
    "dose-detail": "a dose",
    "dose-record": "a dose, to record it",
    "flowsheet": "your flowsheet",
    "chart-vitals": "your vital signs",
    "side-effect-timeline": "your side effects",
    "side-effects-csv": "a download of your side effects",
    "thyroid-results": "your thyroid results",
    "thyroid-csv": "a download of your thyroid results",
    "patient-calendar": "your calendar",
    "patient-calendar-month": "your calendar",
    "patient-doses": "your doses",
    "alert-detail": "an alert about you",
    "symptom-report-review": "a side effect you reported",
    "report-reply": "a side effect you reported, to write to you",
}

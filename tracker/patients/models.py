from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
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
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[care_team])
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]
        indexes = [models.Index(fields=["family_name", "given_name"], name="patient_name_idx")]
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


class PatientRecordQuerySet(models.QuerySet):
    """For records that belong to one patient (a `patient` field): scope follows the patient."""

    def for_patient(self, patient):
        return self.filter(patient=patient)

    def visible_to(self, user):
        return self.filter(patient__in=Patient.objects.visible_to(user))

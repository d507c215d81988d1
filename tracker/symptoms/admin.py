"""Admin for side effects.

CTCAE terms, PRO-CTCAE symptoms and self-care advice are reference data: editable, each change with
a reason kept in the history.  Patient reports and staff-graded entries are
clinical records made through the app (which links the dose and raises alerts):
read-only here, with their history, never deleted; so are the messages about a
report or an alert.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from tracker.alerts.models import Alert
from tracker.lib.admin import (
    LongListAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonedHistoryAdmin,
    RegimenListFilter,
    values_filter,
)
from tracker.patients.admin import patient_columns, patient_search
from tracker.symptoms.models import (
    AdverseEvent,
    CtcaeTerm,
    ProSymptom,
    ReportMessage,
    SelfCareAdvice,
    SymptomReport,
)


class AlertingAnswerFilter(admin.SimpleListFilter):
    """Reports whose answers raised an alert (thresholds: tracker/alerts/rules.py)."""

    title = "raised an alert"
    parameter_name = "alerting"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        alerting = Exists(Alert.objects.filter(symptom_report=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(alerting)
        if self.value() == "no":
            return queryset.exclude(alerting)
        return queryset


def ctcae_versions():
    return CtcaeTerm.objects.order_by("version").values_list("version", flat=True).distinct()


@admin.register(CtcaeTerm)
class CtcaeTermAdmin(ReasonedHistoryAdmin):
    list_display = ["term", "version", "category", "checked_against_source", "is_active"]
    list_filter = ["version", "category", "checked_against_source", "is_active"]
    search_fields = ["term", "category"]
    fields = [
        "version",
        "term",
        "category",
        "grade_1",
        "grade_2",
        "grade_3",
        "grade_4",
        "grade_5",
        "checked_against_source",
        "checked_in",
        "is_active",
        "change_reason",
    ]


@admin.register(ProSymptom)
class ProSymptomAdmin(ReasonedHistoryAdmin):
    list_display = ["name", "slug", "item", "asks", "ctcae_term", "order", "is_active"]
    list_filter = [
        "is_active",
        "is_pro_ctcae",
        "asks_frequency",
        "asks_severity",
        "asks_interference",
        "asks_temperature",
    ]
    search_fields = ["name", "slug", "item", "ctcae_term"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="asks")
    def asks(self, symptom):
        return ", ".join(attribute.label.lower() for attribute in symptom.attributes())


@admin.register(SelfCareAdvice)
class SelfCareAdviceAdmin(ReasonedHistoryAdmin):
    """Advice a patient sees after a mild report; each row names its source."""

    list_display = ["symptom", "text", "source", "order", "is_active"]
    list_filter = ["is_active", "symptom"]
    list_select_related = ["symptom"]
    search_fields = ["text", "source", "symptom__name"]
    fields = ["symptom", "text", "source", "order", "is_active", "change_reason"]


@admin.register(ReportMessage)
class ReportMessageAdmin(LongListAdmin, ReadOnlyAdmin):
    # A message is about a report or an alert: the patient is reached through either.
    @admin.display(description="MRN")
    def patient_mrn(self, message):
        return message.patient.mrn

    patient_mrn.zone_of = lambda message: message.patient.zone

    @admin.display(description="patient")
    def patient_name(self, message):
        return f"{message.patient.family_name}, {message.patient.given_name}"

    list_display = [
        "patient_mrn",
        "patient_name",
        "report",
        "alert",
        "from_patient",
        "author",
        "sent_at",
        "read_at",
        "emailed_at",
        "withdrawn_at",
    ]
    list_filter = ["from_patient", "sent_at"]
    list_select_related = ["report__patient", "report__symptom", "alert__patient", "author"]
    search_fields = patient_search("report__patient") + patient_search("alert__patient")
    ordering = ["-sent_at", "-id"]


class EntryAdmin(LongListAdmin, ReadOnlyAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    ordering = ["-onset_at", "-id"]

    @admin.display(description="regimen", ordering="dose__course__template__name")
    def regimen(self, entry):
        return entry.dose.course.template.name if entry.dose else None


@admin.register(SymptomReport)
class SymptomReportAdmin(EntryAdmin):
    list_display = [
        "patient_mrn",
        "patient_name",
        "symptom",
        "onset_at",
        "frequency",
        "severity",
        "interference",
        "present",
        "reviewed_grade",
        "regimen",
        "dose",
        "state",
    ]
    list_filter = [
        "symptom",
        AlertingAnswerFilter,
        ("reviewed_grade", values_filter(lambda: [*range(6), None])),
        "state",
        ("dose__course__template", RegimenListFilter),
        "onset_at",
    ]
    list_select_related = ["patient", "symptom", "dose__course__template"]
    search_fields = ["symptom__name", "symptom__ctcae_term", *patient_search("patient")]


@admin.register(AdverseEvent)
class AdverseEventAdmin(EntryAdmin):
    list_display = [
        "patient_mrn",
        "patient_name",
        "term",
        "grade",
        "ctcae_version",
        "attribution",
        "onset_at",
        "resolved_at",
        "regimen",
        "dose",
        "state",
        "recorded_by",
    ]
    list_filter = [
        ("grade", values_filter(lambda: range(1, 6))),
        ("ctcae_version", values_filter(ctcae_versions)),
        "term__category",
        "attribution",
        "state",
        ("dose__course__template", RegimenListFilter),
        "onset_at",
    ]
    list_select_related = ["patient", "term", "dose__course__template", "recorded_by"]
    search_fields = ["term__term", *patient_search("patient")]


class SymptomReportInline(ReadOnlyInline):
    """What the patient reported after this dose."""

    model = SymptomReport
    fk_name = "dose"
    verbose_name_plural = "side effects reported by the patient"
    fields = [
        "symptom",
        "onset_at",
        "frequency",
        "severity",
        "interference",
        "present",
        "reviewed_grade",
        "state",
    ]
    select_related = ("symptom",)


class AdverseEventInline(ReadOnlyInline):
    """What staff graded after this dose."""

    model = AdverseEvent
    fk_name = "dose"
    verbose_name_plural = "side effects graded by staff"
    fields = [
        "term",
        "grade",
        "attribution",
        "onset_at",
        "resolved_at",
        "state",
        "recorded_by",
    ]
    select_related = ("term", "recorded_by")

"""Admin for side effects.

CTCAE terms and PRO-CTCAE symptoms are reference data: editable, each change with
a reason kept in the history.  Patient reports and staff-graded entries are
clinical records made through the app (which links the dose and raises alerts):
read-only here, with their history, never deleted.
"""

from django.contrib import admin

from tracker.lib.admin import ReadOnlyAdmin, ReasonedHistoryAdmin
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom, SymptomReport

PATIENT_SEARCH = ["patient__mrn", "patient__family_name", "patient__given_name"]


class NoDeleteReasonedAdmin(ReasonedHistoryAdmin):
    def has_delete_permission(self, request, obj=None):
        # Switch it off instead: past entries keep pointing at it.
        return False


@admin.register(CtcaeTerm)
class CtcaeTermAdmin(NoDeleteReasonedAdmin):
    list_display = ["term", "version", "category", "is_active"]
    list_filter = ["version", "category", "is_active"]
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
        "is_active",
        "change_reason",
    ]


@admin.register(ProSymptom)
class ProSymptomAdmin(NoDeleteReasonedAdmin):
    list_display = ["name", "slug", "ctcae_term", "order", "is_active"]
    list_filter = ["is_active", "asks_frequency", "asks_severity", "asks_interference"]
    search_fields = ["name", "slug", "item", "ctcae_term"]
    prepopulated_fields = {"slug": ["name"]}


class EntryAdmin(ReadOnlyAdmin):
    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn


@admin.register(SymptomReport)
class SymptomReportAdmin(EntryAdmin):
    list_display = [
        "symptom",
        "patient",
        "patient_mrn",
        "onset_at",
        "frequency",
        "severity",
        "interference",
        "present",
        "reviewed_grade",
        "dose",
        "state",
    ]
    list_filter = ["symptom", "reviewed_grade", "state", "onset_at"]
    list_select_related = ["patient", "symptom", "dose"]
    search_fields = ["symptom__name", "symptom__ctcae_term", *PATIENT_SEARCH]
    date_hierarchy = "onset_at"


@admin.register(AdverseEvent)
class AdverseEventAdmin(EntryAdmin):
    list_display = [
        "term",
        "patient",
        "patient_mrn",
        "grade",
        "ctcae_version",
        "attribution",
        "onset_at",
        "resolved_at",
        "dose",
        "state",
        "recorded_by",
    ]
    list_filter = ["ctcae_version", "term__category", "grade", "state", "attribution", "onset_at"]
    list_select_related = ["patient", "term", "dose", "recorded_by"]
    search_fields = ["term__term", *PATIENT_SEARCH]
    date_hierarchy = "onset_at"

"""Admin for dose records and hold rules.

Records and checks are read-only here: they are made at the bedside through
tracker.ward.recording, which keeps each dose's status and history in step.
A wrong record is corrected there ("entered in error"), never edited or deleted.
"""

from django.contrib import admin

from tracker.lib.admin import ReadOnlyAdmin, ReadOnlyInline, ReasonedHistoryAdmin
from tracker.ward.models import Administration, HoldRule, PreDoseCheck


class DoseRecordAdmin(ReadOnlyAdmin):
    """A dose's record or check: viewable with its history, never edited here."""

    @admin.display(description="MRN", ordering="dose__course__patient__mrn")
    def patient_mrn(self, obj):
        return obj.dose.course.patient.mrn


@admin.register(HoldRule)
class HoldRuleAdmin(ReasonedHistoryAdmin):
    list_display = ["__str__", "hold_reason", "source", "is_active", "order"]
    list_filter = ["is_active", "measure", "hold_reason"]
    search_fields = ["source"]

    def has_delete_permission(self, request, obj=None):
        # Switch a rule off instead: checks keep what each rule said when it fired.
        return False


@admin.register(Administration)
class AdministrationAdmin(DoseRecordAdmin):
    list_display = [
        "dose",
        "patient_mrn",
        "outcome",
        "given_at",
        "hold_reason",
        "not_given_reason",
        "state",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = ["outcome", "state", "hold_reason", "not_given_reason", "recorded_at"]
    list_select_related = ["dose__course__patient", "recorded_by"]
    search_fields = ["dose__course__patient__mrn", "dose__course__patient__family_name"]
    date_hierarchy = "recorded_at"


@admin.register(PreDoseCheck)
class PreDoseCheckAdmin(DoseRecordAdmin):
    list_display = [
        "dose",
        "patient_mrn",
        "taken_at",
        "systolic_bp",
        "spo2",
        "mental_status",
        "decision",
        "recorded_by",
    ]
    list_filter = ["decision", "mental_status", "on_pressors", "taken_at"]
    list_select_related = ["dose__course__patient", "recorded_by"]
    search_fields = ["dose__course__patient__mrn", "dose__course__patient__family_name"]
    date_hierarchy = "taken_at"


class AdministrationInline(ReadOnlyInline):
    model = Administration
    fk_name = "dose"
    fields = ["outcome", "given_at", "amount_iu", "hold_reason", "not_given_reason", "state"]

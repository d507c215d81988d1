"""Admin for dose records and hold rules.

Records and checks are read-only here: they are made at the bedside through
tracker.ward.recording, which keeps each dose's status and history in step.
A wrong record is corrected there ("entered in error"), never edited or deleted.
"""

from django.contrib import admin

from tracker.lib.admin import (
    LongListAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonedHistoryAdmin,
    RegimenListFilter,
)
from tracker.patients.admin import patient_columns, patient_search
from tracker.ward.models import DoseRecord, HoldRule, PreDoseCheck, WithholdOverride


class RulesFiredFilter(admin.SimpleListFilter):
    title = "hold rules fired"
    parameter_name = "fired"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(fired_rules=[])
        if self.value() == "no":
            return queryset.filter(fired_rules=[])
        return queryset


class DoseRecordAdmin(LongListAdmin, ReadOnlyAdmin):
    """A dose's record or check: viewable with its history, never edited here."""

    patient_mrn, patient_name = patient_columns("dose__course__patient")
    list_select_related = ["dose__course__patient", "dose__course__template", "recorded_by"]
    search_fields = patient_search("dose__course__patient")

    @admin.display(description="regimen", ordering="dose__course__template__name")
    def regimen(self, obj):
        return obj.dose.course.template.name


@admin.register(HoldRule)
class HoldRuleAdmin(ReasonedHistoryAdmin):
    list_display = [
        "__str__",
        "measure",
        "comparison",
        "threshold",
        "hold_reason",
        "source",
        "is_active",
        "order",
    ]
    # Which rows are the label's and which a centre's: the source says (docs/clinical-sources.md §1).
    list_filter = ["is_active", "source", "measure", "hold_reason"]
    search_fields = ["source"]


@admin.register(DoseRecord)
class AdministrationAdmin(DoseRecordAdmin):
    list_display = [
        "patient_mrn",
        "patient_name",
        "regimen",
        "dose",
        "outcome",
        "given_at",
        "amount_iu",
        "hold_reason",
        "not_given_reason",
        "partial_reason",
        "state",
        "is_correction",
        "source",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = [
        "outcome",
        "state",
        "source",
        "hold_reason",
        "not_given_reason",
        "partial_reason",
        ("dose__course__template", RegimenListFilter),
        "recorded_at",
    ]
    ordering = ["-recorded_at", "-id"]  # the latest first, for review

    @admin.display(description="corrects a record", boolean=True)
    def is_correction(self, record):
        return record.replaces_id is not None


@admin.register(PreDoseCheck)
class PreDoseCheckAdmin(DoseRecordAdmin):
    list_display = [
        "patient_mrn",
        "patient_name",
        "regimen",
        "dose",
        "taken_at",
        "systolic_bp",
        "heart_rate",
        "temperature_c",
        "spo2",
        "mental_status",
        "on_pressors",
        "rules_fired",
        "decision",
        "against_suggestion",
        "recorded_by",
    ]
    list_filter = [
        "decision",
        RulesFiredFilter,
        "mental_status",
        "on_pressors",
        ("dose__course__template", RegimenListFilter),
        "taken_at",
    ]
    ordering = ["-taken_at", "-id"]

    @admin.display(description="hold rules fired")
    def rules_fired(self, check):
        # The check's own copy of the rules, as they read when they fired.
        return "; ".join(rule["text"] for rule in check.fired_rules)

    @admin.display(description="against the suggestion", boolean=True)
    def against_suggestion(self, check):
        return check.went_against_suggestion


class AdministrationInline(ReadOnlyInline):
    model = DoseRecord
    fk_name = "dose"
    fields = [
        "outcome",
        "given_at",
        "amount_iu",
        "given_by",
        "hold_reason",
        "not_given_reason",
        "partial_reason",
        "reason_note",
        "withhold_override",
        "state",
        "source",
        "injection_site",
        "recorded_by",
        "recorded_at",
        "verified_by",
        "verified_at",
    ]
    select_related = ("given_by", "recorded_by", "withhold_override", "verified_by")


@admin.register(WithholdOverride)
class WithholdOverrideAdmin(DoseRecordAdmin):
    """A prescriber's decisions to give past a withhold: who authorised what, and why."""

    list_select_related = [
        "dose__course__patient",
        "dose__course__template",
        "authorised_by",
        "pre_dose_check",
    ]
    list_display = [
        "patient_mrn",
        "patient_name",
        "regimen",
        "dose",
        "kind",
        "reason",
        "authorised_by",
        "recorded_at",
        "state",
    ]
    list_filter = [
        "kind",
        "state",
        ("dose__course__template", RegimenListFilter),
        "recorded_at",
    ]
    ordering = ["-recorded_at", "-id"]

"""The observation chart in the admin: read-only, with history (tracker.lib.admin)."""

from django.contrib import admin

from tracker.lib.admin import LongListAdmin, ReadOnlyAdmin, ReasonedHistoryAdmin, RegimenListFilter
from tracker.lib.history import save_with_history
from tracker.observations.models import (
    ChartRule,
    ClinicalEvent,
    FluidEntry,
    Infusion,
    InfusionRateChange,
    LabResult,
    RuleCondition,
    RuleFiring,
    VitalSigns,
    WeightEntry,
)
from tracker.patients.admin import patient_columns, patient_search


@admin.register(Infusion)
class InfusionAdmin(LongListAdmin, ReadOnlyAdmin):
    """Infusions are started, changed and stopped on the chart's infusions page."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "agent",
        "other_name",
        "starting_rate",
        "dose_unit",
        "taken_at",
        "stopped_at",
        "state",
        "recorded_by",
    ]
    list_filter = ["agent", "state", "taken_at"]
    list_select_related = ["patient", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]


@admin.register(InfusionRateChange)
class InfusionRateChangeAdmin(LongListAdmin, ReadOnlyAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "infusion",
        "rate",
        "taken_at",
        "state",
        "recorded_by",
    ]
    list_filter = ["state", "taken_at"]
    list_select_related = ["patient", "infusion", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]


@admin.register(ClinicalEvent)
class ClinicalEventAdmin(LongListAdmin, ReadOnlyAdmin):
    """Events are started and ended on the chart's events page."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "kind",
        "other_name",
        "taken_at",
        "ended_at",
        "state",
        "recorded_by",
    ]
    list_filter = ["kind", "state", "taken_at"]
    list_select_related = ["patient", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]


@admin.register(FluidEntry)
class FluidEntryAdmin(LongListAdmin, ReadOnlyAdmin):
    """Fluids are charted on the ward's fluid page, which checks urine periods."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "taken_at",
        "direction",
        "kind",
        "volume_ml",
        "period_start",
        "regimen",
        "state",
        "recorded_by",
    ]
    list_filter = [
        "direction",
        "kind",
        "state",
        ("course__template", RegimenListFilter),
        "taken_at",
    ]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None


@admin.register(WeightEntry)
class WeightEntryAdmin(LongListAdmin, ReadOnlyAdmin):
    """Weights are charted on the ward's weight page."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "taken_at",
        "weight_kg",
        "regimen",
        "state",
        "recorded_by",
    ]
    list_filter = ["state", ("course__template", RegimenListFilter), "taken_at"]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None


@admin.register(VitalSigns)
class VitalSignsAdmin(LongListAdmin, ReadOnlyAdmin):
    """Charted on the patient's vital signs page, which checks the values and the time."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "taken_at",
        "systolic_bp",
        "diastolic_bp",
        "heart_rate",
        "rhythm",
        "respiratory_rate",
        "spo2",
        "oxygen_device",
        "oxygen_flow_l_min",
        "temperature_c",
        "alert_oriented",
        "cognitive_test",
        "sedation",
        "regimen",
        "state",
        "recorded_by",
    ]
    list_filter = [
        "state",
        "oxygen_device",
        "rhythm",
        "sedation",
        ("course__template", RegimenListFilter),
        "taken_at",
    ]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None


class RuleConditionInline(admin.TabularInline):
    model = RuleCondition
    extra = 0
    fields = ["group", "parameter", "test", "comparison", "threshold", "hours"]


@admin.register(ChartRule)
class ChartRuleAdmin(ReasonedHistoryAdmin):
    """The chart's rules: each change, to the rule or its conditions, carries the reason."""

    inlines = [RuleConditionInline]
    list_display = ["name", "slug", "action", "hold_reason", "source", "is_active", "order"]
    list_filter = ["is_active", "action", "source"]
    search_fields = ["name", "slug", "label_row"]
    prepopulated_fields = {"slug": ["name"]}

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data["change_reason"]
        for condition in formset.save(commit=False):
            save_with_history(condition, by=request.user, reason=reason)
        for condition in formset.deleted_objects:
            condition._change_reason, condition._history_user = reason, request.user
            condition.delete()


@admin.register(RuleFiring)
class RuleFiringAdmin(LongListAdmin, ReadOnlyAdmin):
    """When each rule was met on a course's chart, why, and the alert it raised."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = ["patient_mrn", "patient_name", "rule", "fired_at", "cleared_at", "why"]
    list_select_related = ["patient", "rule"]
    list_filter = ["rule", "fired_at"]
    ordering = ["-fired_at", "-id"]
    search_fields = patient_search("patient")
    raw_id_fields = ["patient", "course", "alert"]


@admin.register(LabResult)
class LabResultAdmin(LongListAdmin, ReadOnlyAdmin):
    """Charted on the patient's laboratory results page, which checks units, values and time."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "taken_at",
        "test",
        "shown_value",
        "unit",
        "range_low",
        "range_high",
        "flag",
        "regimen",
        "state",
        "recorded_by",
    ]
    list_filter = ["test", "flag", "state", ("course__template", RegimenListFilter), "taken_at"]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-taken_at", "-id"]

    @admin.display(description="result")
    def shown_value(self, result):
        return result.shown_value

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None

"""The observation chart in the admin: read-only, with history (tracker.lib.admin)."""

from django.contrib import admin

from tracker.lib.admin import ReadOnlyAdmin, RegimenListFilter
from tracker.observations.models import (
    ClinicalEvent,
    FluidEntry,
    Infusion,
    InfusionRateChange,
    LabResult,
    VitalSigns,
    WeightEntry,
)
from tracker.patients.admin import patient_columns, patient_search


@admin.register(Infusion)
class InfusionAdmin(ReadOnlyAdmin):
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
    date_hierarchy = "taken_at"


@admin.register(InfusionRateChange)
class InfusionRateChangeAdmin(ReadOnlyAdmin):
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
    date_hierarchy = "taken_at"


@admin.register(ClinicalEvent)
class ClinicalEventAdmin(ReadOnlyAdmin):
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
    date_hierarchy = "taken_at"


@admin.register(FluidEntry)
class FluidEntryAdmin(ReadOnlyAdmin):
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
    list_filter = ["direction", "kind", "state", ("course__template", RegimenListFilter)]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    date_hierarchy = "taken_at"

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None


@admin.register(WeightEntry)
class WeightEntryAdmin(ReadOnlyAdmin):
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
    list_filter = ["state", ("course__template", RegimenListFilter)]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    date_hierarchy = "taken_at"

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None


@admin.register(VitalSigns)
class VitalSignsAdmin(ReadOnlyAdmin):
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
    date_hierarchy = "taken_at"

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None


@admin.register(LabResult)
class LabResultAdmin(ReadOnlyAdmin):
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
    date_hierarchy = "taken_at"

    @admin.display(description="result")
    def shown_value(self, result):
        return result.shown_value

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, entry):
        return entry.course.template.name if entry.course else None

"""The observation chart in the admin: read-only, with history (tracker.lib.admin)."""

from django.contrib import admin

from tracker.lib.admin import ReadOnlyAdmin, RegimenListFilter
from tracker.observations.models import FluidEntry, WeightEntry
from tracker.patients.admin import patient_columns, patient_search


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

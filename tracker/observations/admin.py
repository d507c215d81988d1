"""The observation chart in the admin: read-only, with history (tracker.lib.admin)."""

from django.contrib import admin

from tracker.lib.admin import ReadOnlyAdmin, RegimenListFilter
from tracker.observations.models import VitalSigns
from tracker.patients.admin import patient_columns, patient_search


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

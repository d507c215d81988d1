from django.contrib import admin

from tracker.lib.admin import LongListAdmin, ReadOnlyAdmin, ReasonedHistoryAdmin, RegimenListFilter
from tracker.patients.admin import patient_columns, patient_search
from tracker.thyroid.models import FollowUpCheck, ThyroidResult


@admin.register(ThyroidResult)
class ThyroidResultAdmin(LongListAdmin, ReadOnlyAdmin):
    """Results are entered on the ward pages, which flag them and raise alerts."""

    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "test",
        "value",
        "unit",
        "range_low",
        "range_high",
        "flag",
        "collected_at",
        "regimen",
        "state",
        "recorded_by",
    ]
    list_filter = [
        "test",
        "flag",
        "state",
        ("course__template", RegimenListFilter),
        "collected_at",
    ]
    list_select_related = ["patient", "course__template", "recorded_by"]
    search_fields = patient_search("patient")
    ordering = ["-collected_at", "test", "-id"]

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, result):
        return result.course.template.name if result.course else None


@admin.register(FollowUpCheck)
class FollowUpCheckAdmin(ReasonedHistoryAdmin):
    """The TSH checks after treatment: changed with a reason, switched off, never deleted."""

    list_display = ["label", "after_last_dose_days", "is_active", "order", "source"]
    list_filter = ["is_active"]
    search_fields = ["label", "source"]

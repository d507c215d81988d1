"""Admin for alerts: read-only, with history.

Alerts are raised by the operations that save each entry and closed by the care
team on the alerts page, where the acknowledgement says who and when.  Nothing
here adds, edits or deletes one.
"""

from django.contrib import admin

from tracker.alerts.models import Alert
from tracker.lib.admin import ReadOnlyAdmin
from tracker.patients.admin import patient_columns, patient_search


class OpenFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("acknowledged", "Acknowledged")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "acknowledged":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "trigger",
        "text",
        "created_at",
        "is_open",
        "acknowledged_by",
        "acknowledged_at",
    ]
    list_filter = ["trigger", OpenFilter, "created_at", "acknowledged_at"]
    list_select_related = ["patient", "acknowledged_by"]
    search_fields = patient_search("patient")
    date_hierarchy = "created_at"

    @admin.display(description="open", boolean=True)
    def is_open(self, alert):
        return alert.is_open

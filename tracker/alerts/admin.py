"""Admin for alerts: read-only, with history.

Alerts are raised by the operations that save each entry and closed by the care
team on the alerts page, where the acknowledgement says who and when.  Nothing
here adds, edits or deletes one.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.alerts.models import Alert


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
class AlertAdmin(SimpleHistoryAdmin):
    list_display = [
        "patient_mrn",
        "trigger",
        "text",
        "created_at",
        "acknowledged_by",
        "acknowledged_at",
    ]
    list_filter = ["trigger", OpenFilter, "created_at"]
    list_select_related = ["patient", "acknowledged_by"]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "created_at"

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

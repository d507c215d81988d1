from django.contrib import admin

from tracker.lib.admin import HistoryAdmin
from tracker.patients.models import Patient


@admin.register(Patient)
class PatientAdmin(HistoryAdmin):
    list_display = [
        "mrn",
        "family_name",
        "given_name",
        "date_of_birth",
        "sex",
        "time_zone",
        "user",
        "created",
    ]
    list_filter = ["sex", "time_zone", "created"]
    list_select_related = ["user"]
    search_fields = ["mrn", "family_name", "given_name"]
    date_hierarchy = "created"
    raw_id_fields = ["user"]
    filter_horizontal = ["care_team"]

    def has_delete_permission(self, request, obj=None):
        # A patient's record is kept with everything recorded against it.
        return False

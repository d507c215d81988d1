from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.patients.models import Patient


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "date_of_birth", "sex", "time_zone"]
    list_filter = ["sex", "time_zone"]
    search_fields = ["mrn", "family_name", "given_name"]
    date_hierarchy = "created"
    raw_id_fields = ["user"]
    filter_horizontal = ["care_team"]

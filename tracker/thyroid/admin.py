from django.contrib import admin

from tracker.lib.admin import ReadOnlyAdmin
from tracker.thyroid.models import ThyroidResult


@admin.register(ThyroidResult)
class ThyroidResultAdmin(ReadOnlyAdmin):
    """Results are entered on the ward pages, which flag them and raise alerts."""

    list_display = [
        "patient",
        "test",
        "value",
        "unit",
        "range_low",
        "range_high",
        "flag",
        "collected_at",
        "state",
    ]
    list_filter = ["test", "flag", "state", "collected_at"]
    list_select_related = ["patient"]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "collected_at"

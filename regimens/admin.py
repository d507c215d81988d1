from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from regimens.models import CalendarFeed, Course, Dose, RegimenTemplate
from tracker.lib.admin import ReadOnlyInline, ReasonedHistoryAdmin
from tracker.ward.admin import AdministrationInline


@admin.register(RegimenTemplate)
class RegimenTemplateAdmin(ReasonedHistoryAdmin):
    list_display = ["name", "slug", "route", "dose_amount", "dose_unit", "mode", "is_active"]
    list_filter = ["route", "mode", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "drug", "route", "is_active", "notes"]}),
        ("Dose", {"fields": ["dose_amount", "dose_unit", "infusion_minutes"]}),
        ("Schedule", {"fields": ["mode", "dose_time"]}),
        ("Every N hours", {"fields": ["every_hours", "max_doses_per_cycle", "window_days"]}),
        (
            "Days on / days off",
            {
                "fields": [
                    "days_on",
                    "days_off",
                    "pattern_days",
                    "rest_days",
                    "days_chosen_per_course",
                ]
            },
        ),
        (
            "Cycles",
            {"fields": ["cycle_start_days", "cycle_length_days", "default_cycles", "max_cycles"]},
        ),
        ("Ward", {"fields": ["overdue_after", "retreatment_gap_days", "thyroid_every_days"]}),
        ("Why", {"fields": ["change_reason"]}),
    ]


class DoseInline(ReadOnlyInline):
    model = Dose
    fields = [
        "dose_in_course",
        "cycle",
        "dose_in_cycle",
        "day",
        "planned_at",
        "status",
        "dst_note",
    ]


@admin.register(Course)
class CourseAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "template", "start_date", "time_zone", "cycles", "status"]
    list_filter = ["template", "status", "start_date"]
    list_select_related = ["patient", "template"]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "start_date"
    raw_id_fields = ["patient", "created_by"]
    # Status, discharge and retreatment change through the app, which keeps doses in step.
    readonly_fields = [
        "rule",
        "dose_iu",
        "status",
        "status_reason",
        "discontinue_reason",
        "discharged_on",
        "retreatment_override",
        "created",
        "created_by",
    ]
    inlines = [DoseInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dose)
class DoseAdmin(SimpleHistoryAdmin):
    list_display = ["course", "dose_in_course", "cycle", "dose_in_cycle", "planned_at", "status"]
    list_filter = ["status", "course__template", "planned_at"]
    list_select_related = ["course__patient", "course__template"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]
    date_hierarchy = "planned_at"
    raw_id_fields = ["course"]
    # A dose's status follows its records; change it by recording at the bedside.
    readonly_fields = ["uid", "original_planned_at", "status"]
    inlines = [AdministrationInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "created", "created_by", "revoked_at"]
    list_select_related = ["patient", "created_by"]
    list_filter = ["revoked_at"]
    search_fields = ["patient__mrn", "patient__family_name"]
    raw_id_fields = ["patient", "created_by", "revoked_by"]
    readonly_fields = ["token"]

from django.contrib import admin

from regimens.models import (
    CalendarChoice,
    CalendarFeed,
    Course,
    CycleEnd,
    Discharge,
    Dose,
    RegimenTemplate,
)
from tracker.lib.admin import (
    HistoryAdmin,
    LongListAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonedHistoryAdmin,
    RegimenListFilter,
)
from tracker.patients.admin import patient_columns, patient_search


@admin.register(RegimenTemplate)
class RegimenTemplateAdmin(ReasonedHistoryAdmin):
    list_display = [
        "name",
        "slug",
        "route",
        "dose_amount",
        "dose_unit",
        "mode",
        "overdue_after",
        "retreatment_gap_days",
        "thyroid_every_days",
        "is_active",
    ]
    list_filter = ["route", "mode", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "drug", "route", "is_active", "notes"]}),
        ("Dose", {"fields": ["dose_amount", "dose_unit", "dose_steps", "infusion_minutes"]}),
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
        (
            "Ward",
            {
                "fields": [
                    "overdue_after",
                    "recording_window",
                    "retreatment_gap_days",
                    "thyroid_every_days",
                ]
            },
        ),
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
        "dose_iu",
        "status",
        "dst_note",
    ]


class CycleEndInline(ReadOnlyInline):
    model = CycleEnd
    fields = ["cycle", "reason", "note", "doses_cancelled", "ended_by", "ended_at"]
    select_related = ("ended_by",)


class DischargeInline(ReadOnlyInline):
    model = Discharge
    verbose_name_plural = "discharges between cycles"
    fields = ["after_cycle", "on", "note", "recorded_by", "recorded_at"]
    select_related = ("recorded_by",)


class ActiveFeedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "template",
        "start_date",
        "cycles",
        "status",
        "discontinue_reason",
        "discharged_on",
        "retreatment_overridden",
        "created",
    ]
    list_filter = [
        ("template", RegimenListFilter),
        "status",
        "discontinue_reason",
        "start_date",
        "discharged_on",
    ]
    list_select_related = ["patient", "template"]
    search_fields = patient_search("patient")
    # A course or two per patient: the start date filter narrows, without the date
    # hierarchy's scan or a count of the whole table.
    show_full_result_count = False
    # Read-only: status, discharge, times and dosing change through the app, which
    # keeps doses, records and history in step.
    inlines = [CycleEndInline, DischargeInline, DoseInline]

    @admin.display(description="retreatment gap overridden", boolean=True)
    def retreatment_overridden(self, course):
        return bool(course.retreatment_override)


@admin.register(Dose)
class DoseAdmin(LongListAdmin, ReadOnlyAdmin):
    patient_mrn, patient_name = patient_columns("course__patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "regimen",
        "dose_in_course",
        "cycle",
        "dose_in_cycle",
        "day",
        "planned_at",
        "status",
    ]
    list_filter = ["status", ("course__template", RegimenListFilter), "planned_at"]
    list_select_related = ["course__patient", "course__template"]
    search_fields = patient_search("course__patient")
    # The latest first, for review; dose_due_idx (planned_at, status) serves it.
    ordering = ["-planned_at", "-id"]
    # The records, reports and entries against a dose are added by tracker/clinic/admin.py.

    @admin.display(description="regimen", ordering="course__template__name")
    def regimen(self, dose):
        return dose.course.template.name


@admin.register(CalendarFeed)
class CalendarFeedAdmin(HistoryAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "created",
        "created_by",
        "active",
        "revoked_at",
        "revoked_by",
    ]
    list_filter = [ActiveFeedFilter, "created", "revoked_at"]
    list_select_related = ["patient", "created_by", "revoked_by"]
    search_fields = patient_search("patient")
    date_hierarchy = "created"
    raw_id_fields = ["patient", "created_by", "revoked_by"]
    # The token's hash is not shown: it opens nothing, and no one needs it.

    @admin.display(description="active", boolean=True)
    def active(self, feed):
        return feed.revoked_at is None

    def has_delete_permission(self, request, obj=None):
        # Revoke a feed instead: its history says who shared the calendar, and when.
        return False


@admin.register(CalendarChoice)
class CalendarChoiceAdmin(HistoryAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    list_display = ["patient_mrn", "patient_name", "neutral_titles", "changed_at", "changed_by"]
    list_filter = ["neutral_titles"]
    list_select_related = ["patient", "changed_by"]
    search_fields = patient_search("patient")
    raw_id_fields = ["patient", "changed_by"]

"""Admin for alerts: read-only, with history; and the alert rules, edited with a reason.

Alerts are raised by the operations that save each entry and closed by the care
team on the alerts page, where the acknowledgement says who and when.  Nothing
here adds, edits or deletes one.
"""

from django.contrib import admin

from tracker.alerts.models import Alert, AlertRule, EscalationStep, Notification, OnCallShift
from tracker.lib.admin import (
    LongListAdmin,
    ReadLoggedAdmin,
    ReadOnlyAdmin,
    ReasonedHistoryAdmin,
    export_as_csv,
    values_filter,
)
from tracker.lib.forms import SafeModelForm
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
class AlertAdmin(LongListAdmin, ReadOnlyAdmin):
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
    ordering = ["-created_at", "-id"]

    @admin.display(description="open", boolean=True)
    def is_open(self, alert):
        return alert.is_open


@admin.register(AlertRule)
class AlertRuleAdmin(ReasonedHistoryAdmin):
    """The thresholds that raise alerts: each change carries its reason into the history.

    An edit applies to the next entry saved.  A rule is switched off, never deleted:
    alerts point to the rule that set their severity.
    """

    list_display = [
        "name",
        "trigger",
        "severity",
        "active",
        "symptom",
        "attribute",
        "term",
        "test",
        "flag",
        "event_kind",
        "measure",
        "at_least",
        "strictly_above",
        "below",
        "high_dose_only",
        "source",
    ]
    list_filter = ["trigger", "severity", "active", "high_dose_only"]
    search_fields = ["name", "symptom", "term", "test", "event_kind", "source"]
    fieldsets = [
        (None, {"fields": ["name", "trigger", "severity", "active"]}),
        (
            "What the entry must match (empty matches any)",
            {
                "description": (
                    "Patient answers: the symptom's slug and the answer read (0–4; "
                    "presence 1 is yes; the temperature in °C). Staff grades: the CTCAE "
                    "term and the grade. Thyroid and laboratory results: the test code and "
                    "the flag against the lab's range; a threshold is read in the test's "
                    "first unit. Charted events: the kind. Readings at home: the measure "
                    "and its threshold (a weight gain in % of the baseline weight), "
                    "“below” for a low blood pressure."
                ),
                "fields": [
                    "symptom",
                    "attribute",
                    "term",
                    "test",
                    "flag",
                    "event_kind",
                    "measure",
                    "at_least",
                    "strictly_above",
                    "below",
                    "high_dose_only",
                ],
            },
        ),
        (None, {"fields": ["source", "change_reason"]}),
    ]


# Delivery: who is told, when, and what was sent (docs/alerts.md) ----------------------


@admin.register(EscalationStep)
class EscalationStepAdmin(ReasonedHistoryAdmin):
    """When an unacknowledged alert of each severity goes to whom: each change says why."""

    list_display = ["severity", "level", "after", "audience", "repeat_every"]
    list_filter = ["severity", "audience"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(ReadOnlyAdmin):
    """The rota is kept by clinicians on the ward's rota page; here it is read, with history."""

    list_display = ["ward", "person", "starts_at", "ends_at", "is_cancelled", "created_by"]
    list_filter = ["ward", "starts_at"]
    list_select_related = ["ward", "person", "created_by"]
    search_fields = ["person__username", "person__first_name", "person__last_name", "ward__name"]
    date_hierarchy = "starts_at"

    @admin.display(description="cancelled", boolean=True)
    def is_cancelled(self, shift):
        return shift.is_cancelled


def escalation_levels():
    return EscalationStep.objects.order_by("level").values_list("level", flat=True).distinct()


@admin.register(Notification)
class NotificationAdmin(LongListAdmin, ReadLoggedAdmin):
    """Every e-mail an alert caused, and what became of it: written only by the delivery."""

    form = SafeModelForm
    actions = [export_as_csv]
    list_display = [
        "alert_about",
        "recipient",
        "channel",
        "level",
        "round",
        "status",
        "attempts",
        "queued_at",
        "sent_at",
        "failed_at",
        "last_error",
    ]
    list_filter = ["status", "channel", ("level", values_filter(escalation_levels)), "queued_at"]
    list_select_related = ["alert__patient", "recipient"]
    search_fields = ["recipient__username", "recipient__email", *patient_search("alert__patient")]
    raw_id_fields = ["alert", "recipient"]
    ordering = ["-queued_at", "-id"]

    @admin.display(description="about", ordering="alert__patient__mrn")
    def alert_about(self, notification):
        patient = notification.alert.patient
        return patient.mrn if patient else "Drill"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

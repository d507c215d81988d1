from django.contrib import admin

from tracker.lib.admin import LongListAdmin, ReadLoggedAdmin, ReadOnlyAdmin, ReadOnlyPermissions
from tracker.lib.forms import SafeModelForm
from tracker.patients.admin import patient_columns, patient_search
from tracker.reminders.models import Reminder, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(ReadOnlyAdmin):
    """The patient chooses their reminders on their own page; staff only look."""

    patient_mrn, patient_name = patient_columns()
    list_display = [
        "patient_mrn",
        "patient_name",
        "dose_reminders",
        "dose_lead_minutes",
        "thyroid_reminders",
    ]
    list_select_related = ["patient"]
    search_fields = patient_search()
    raw_id_fields = ["patient"]


@admin.register(Reminder)
class ReminderAdmin(LongListAdmin, ReadOnlyPermissions, ReadLoggedAdmin):
    """What was sent, skipped (and why) or failed; read only (a log, without history)."""

    form = SafeModelForm
    patient_mrn, patient_name = patient_columns()
    list_display = [
        "patient_mrn",
        "patient_name",
        "kind",
        "due_at",
        "status",
        "attempts",
        "sent_at",
        "note",
    ]
    list_filter = ["status", "kind", "due_at"]
    list_select_related = ["patient"]
    search_fields = patient_search()
    raw_id_fields = ["patient", "dose"]
    ordering = ["-due_at", "-id"]

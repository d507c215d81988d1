"""The patient admin, and the MRN and name columns of every admin of a patient's rows."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin

from tracker.lib.admin import (
    HistoryAdmin,
    LongListAdmin,
    ReadLoggedAdmin,
    ReadOnlyAdmin,
    ReadOnlyPermissions,
    export_as_csv,
    values_filter,
)
from tracker.lib.forms import SafeModelForm
from tracker.patients.models import Patient, RecordAccess, RetreatmentContraindication, Ward


def patient_columns(path: str = "patient"):
    """The MRN and name columns of a model that reaches its patient through `path`.

    Use in a ModelAdmin body: ``patient_mrn, patient_name = patient_columns("dose__course__patient")``
    and select `path` related, so the columns cost no query per row.
    """

    def patient_of(obj):
        for part in path.split("__"):
            obj = getattr(obj, part)
        return obj

    @admin.display(description="MRN", ordering=f"{path}__mrn")
    def patient_mrn(self, obj):
        return patient_of(obj).mrn

    @admin.display(description="patient", ordering=f"{path}__family_name")
    def patient_name(self, obj):
        patient = patient_of(obj)
        return f"{patient.family_name}, {patient.given_name}"

    # The CSV export writes each row's times in its patient's zone (tracker.lib.admin.row_zone).
    patient_mrn.zone_of = lambda obj: patient_of(obj).zone
    return patient_mrn, patient_name


def patient_search(path: str = "patient") -> list[str]:
    """Search fields that find a patient's rows (or, with path "", patients) by their whole MRN, in any case (as the
    app's patient search does), or by part of a name.

    A part of an MRN is not searched: "MRN-1" would also list MRN-10 to MRN-19999.
    """
    prefix = f"{path}__" if path else ""
    return [f"={prefix}mrn", f"{prefix}family_name", f"{prefix}given_name"]


@admin.register(Ward)
class WardAdmin(HistoryAdmin):
    list_display = ["name", "time_zone", "phone", "consultant"]
    list_select_related = ["consultant"]
    search_fields = ["name"]
    raw_id_fields = ["consultant"]

    def has_delete_permission(self, request, obj=None):
        # Its patients, rota and alerts' escalations point to it.
        return False


@admin.register(Patient)
class PatientAdmin(HistoryAdmin):
    list_display = [
        "mrn",
        "family_name",
        "given_name",
        "date_of_birth",
        "sex",
        "time_zone",
        "ward",
        "user",
        "created",
    ]
    # One row per patient, so no date hierarchy or list of every zone in use (each
    # reads the whole table) and no count of it: the ward and the dates narrow.
    list_filter = ["sex", "ward", "created"]
    list_select_related = ["user", "ward"]
    search_fields = patient_search("")
    show_full_result_count = False
    raw_id_fields = ["user"]
    autocomplete_fields = ["ward"]
    filter_horizontal = ["care_team"]

    def zone_of(self, patient):
        # The CSV export writes a patient's times in their own zone (tracker.lib.admin.row_zone).
        return patient.zone

    def has_delete_permission(self, request, obj=None):
        # A patient's record is kept with everything recorded against it.
        return False


@admin.register(RetreatmentContraindication)
class RetreatmentContraindicationAdmin(ReadOnlyAdmin):
    patient_mrn, patient_name = patient_columns("patient")
    list_display = [
        "patient_mrn",
        "patient_name",
        "criterion",
        "set_at",
        "status",
        "lift_requested_by",
        "lift_confirmed_by",
    ]
    list_filter = ["status", "criterion", "set_at"]
    list_select_related = ["patient", "lift_requested_by", "lift_confirmed_by"]
    search_fields = patient_search("patient")
    date_hierarchy = "set_at"
    # Read-only: a flag is set by stopping a course and lifted by two clinicians in the
    # app, each step with its history row.


@admin.register(RecordAccess)
class RecordAccessAdmin(LongListAdmin, ReadOnlyPermissions, ReadLoggedAdmin):
    """The read-access log: searched by patient or user, filtered by date, exported.

    Nobody adds, changes or deletes a row here, the superuser included: the log is
    written by the app (tracker.patients.access_log) and the database refuses changes.
    """

    form = SafeModelForm

    actions = [export_as_csv]
    list_display = ["at", "who", "patient_mrn", "patient_name", "what", "method", "path", "ip"]
    list_filter = [
        ("at", admin.DateFieldListFilter),
        ("method", values_filter(lambda: ["GET", "HEAD", "POST"])),
    ]
    list_select_related = ["patient", "user"]
    search_fields = [
        *patient_search("patient"),
        "user__username",
        "user__first_name",
        "user__last_name",
    ]
    search_help_text = "A patient's whole MRN or name, or a user's username or name."
    ordering = ["-at", "-id"]

    @admin.display(description="user", ordering="user__username")
    def who(self, read):
        if read.user is None:
            return "calendar app (secret link)"
        return f"{read.user.username} ({read.user.get_full_name()})"

    # A list page is a row without a patient.
    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, read):
        return read.patient.mrn if read.patient else "(a list)"

    @admin.display(description="patient", ordering="patient__family_name")
    def patient_name(self, read):
        return f"{read.patient.family_name}, {read.patient.given_name}" if read.patient else ""

    def zone_of(self, read):
        # One clock for the whole log, whoever the patients are (tracker.lib.admin.row_zone).
        return ZoneInfo(settings.CLINIC_TIME_ZONE)

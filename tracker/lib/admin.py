"""Admin pieces shared by the apps.

Every changelist can be exported as CSV.  Every history page says, for each
row, which fields changed and from what to what.  Clinical records are shown
read-only and their history offers no revert; every change to reference data
says why.
"""

import html
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field
from django.contrib.admin.utils import lookup_field as admin_lookup_field
from django.core.exceptions import (
    FieldDoesNotExist,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeData
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import ObjDiffDisplay

from tracker.lib.forms import NUL, SafeInputMixin, SafeModelForm
from tracker.lib.history import save_with_history
from tracker.lib.pagination import EstimatedCountPaginator
from tracker.lib.reads import note_list, note_read
from tracker.lib.spreadsheets import csv_response
from tracker.lib.units import IU_PER_MIU

# An old or new value longer than this is shortened around the part that changed.
CHANGE_SHOWN_CHARS = 100
EMPTY = "—"


# Columns -----------------------------------------------------------------------------


class RegimenListFilter(admin.RelatedFieldListFilter):
    """Filter by the regimen template, however far away it is ("dose__course__template")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "regimen"


def values_filter(values):
    """A list filter by a field's value that offers `values()` (an iterable; None for
    "empty"), where Django's own would read every distinct value from the table, which
    on a long table is a scan of it on every page."""

    class ValuesFilter(admin.AllValuesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Replaces the table's distinct values, a query not yet run.
            self.lookup_choices = list(values())

    return ValuesFilter


# CSV export --------------------------------------------------------------------------


def shown_in_column(model_admin, name, obj) -> str:
    """A changelist column's value for `obj` as the changelist shows it, as plain text."""
    try:
        field, _attr, value = admin_lookup_field(name, obj, model_admin)
    except ObjectDoesNotExist:
        return ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field is None or field.auto_created:
        shown = display_for_value(value, "")
    elif isinstance(field.remote_field, models.ManyToOneRel):
        shown = str(value)
    else:
        shown = display_for_field(value, field, "")
    if isinstance(shown, SafeData):
        # A display method's HTML: keep what a reader sees.
        return html.unescape(strip_tags(shown))
    return str(shown)


def is_iu_field(field) -> bool:
    return isinstance(field, models.DecimalField) and field.name.endswith("_iu")


def row_zone(model_admin, obj) -> ZoneInfo:
    """The zone a row's times are exported in: its patient's, or UTC for other rows.

    An admin names the zone with `zone_of(obj)`, on itself or on its `patient_mrn`
    column; tracker.patients.admin gives both for a patient's rows.
    """
    zone_of = getattr(model_admin, "zone_of", None) or getattr(
        getattr(model_admin, "patient_mrn", None), "zone_of", None
    )
    return zone_of(obj) if zone_of else ZoneInfo("UTC")


def csv_value(model_admin, name, obj) -> str:
    """A column's value for a spreadsheet: a time in ISO 8601 with its offset, an IU
    amount in MIU with its unit ("48.9 MIU"), anything else as the changelist shows it.

    IU amounts are the DecimalFields named ``*_iu``.
    """
    try:
        field, _attr, value = admin_lookup_field(name, obj, model_admin)
    except ObjectDoesNotExist:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(row_zone(model_admin, obj)).isoformat(timespec="seconds")
    if isinstance(value, Decimal) and is_iu_field(field):
        return f"{(value / IU_PER_MIU).normalize():f} MIU"
    return shown_in_column(model_admin, name, obj)


def csv_label(model_admin, name) -> str:
    """A column's heading; an IU amount's loses its "(IU)", as its cells carry the unit."""
    label = capfirst(str(label_for_field(name, model_admin.model, model_admin)))
    try:
        field = model_admin.model._meta.get_field(name)
    except FieldDoesNotExist:
        return label
    return label.removesuffix(" (IU)") if is_iu_field(field) else label


@admin.action(description="Export selected rows as CSV", permissions=["view"])
def export_as_csv(modeladmin, request, queryset):
    """The selected rows' changelist columns, headed by the column labels.

    Each exported row's patient is noted for the read-access log.
    """
    # The action is only offered with view permission; refuse a hand-made request too.
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    model = modeladmin.model
    columns = [c for c in modeladmin.get_list_display(request) if c != "action_checkbox"]
    today = timezone.localdate(timezone=ZoneInfo(settings.CLINIC_TIME_ZONE))
    path = patient_path(model)
    if path:
        # The path to the patient comes with the rows, so noting costs no query per row.
        queryset = queryset.select_related(*hops_to_patient(path))

    def rows():
        for obj in queryset:
            if path is not None:
                note_read(patient_id_of(obj, path))
            yield [csv_value(modeladmin, c, obj) for c in columns]

    return csv_response(
        f"{model._meta.model_name}-{today:%Y%m%d}.csv",
        [csv_label(modeladmin, c) for c in columns],
        rows(),
    )


# Read-access log ---------------------------------------------------------------------

PATIENT_MODEL = "patients.Patient"
# The longest chain of foreign keys from a row to its patient: a dose record's
# "dose__course__patient", an alert notification's "alert__patient".
MAX_HOPS = 4


def patient_path(model) -> str | None:
    """The foreign keys from `model` to the patient its rows belong to ("dose__course__patient"),
    "" for the patient model itself, None for rows about no patient (reference data, users).

    The shortest chain, found from the models' fields, so that no admin has to name it.
    """
    if model._meta.label == PATIENT_MODEL:
        return ""
    paths = [(model, "")]
    for _hop in range(MAX_HOPS):
        further = []
        for current, prefix in paths:
            for field in current._meta.concrete_fields:
                if not field.many_to_one and not field.one_to_one:
                    continue
                name = f"{prefix}{field.name}"
                if field.related_model._meta.label == PATIENT_MODEL:
                    return name
                further.append((field.related_model, f"{name}__"))
        paths = further
    return None


def hops_to_patient(path: str) -> list[str]:
    """The related objects to select to read the patient's id from a row ("dose__course")."""
    hops = path.rsplit("__", 1)[0] if "__" in path else ""
    return [hops] if hops else []


def patient_id_of(obj, path: str) -> int | None:
    """The id of the patient `obj` belongs to, through `path` (see patient_path)."""
    if path == "":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


class WholeKeySearch:
    """A search that, given a whole key (a search field marked "=", such as an MRN), finds
    the rows of that key alone, read through the key's index.

    Django ORs every search field together, and a part of a name (`icontains`) reads
    every row of a big table.  A term that is one of the keys is answered by the key;
    any other term is searched as Django does.
    """

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term and not any(c.isspace() for c in term) and NUL not in term:
            for field in self.get_search_fields(request):
                if field.startswith("="):
                    found = queryset.filter(**{f"{field[1:]}__iexact": term})
                    if found.exists():
                        return found, False
        return super().get_search_results(request, queryset, search_term)


class LightRows:
    """A changelist whose cost is its rows' rendering, kept small."""

    # Rendering the rows, not reading them, is most of a page's time: 50 rather than
    # Django's 100 halves it, and the filters and search narrow the rest.
    list_per_page = 50

    def action_checkbox(self, obj):
        # Django's renders a form widget through the template engine for every row; the
        # same tag from format_html costs a tenth of that.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class ReadLoggedAdmin(WholeKeySearch, LightRows, admin.ModelAdmin):
    """An admin whose pages of a patient's rows are noted for the read-access log.

    A change, history or past-version page notes its row's patient; a changelist of
    patients' rows notes a list.  Every admin of a model with a patient uses it
    (tests/patients/test_access_log.py walks the admin site to check).
    """

    @property
    def patient_path(self) -> str | None:
        return patient_path(self.model)

    def with_path_to_patient(self, queryset):
        """`queryset` with the rows' path to their patient: no query to note it."""
        hops = hops_to_patient(self.patient_path or "")
        return queryset.select_related(*hops) if hops else queryset

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        # The history page reads its row here, not through get_object.  Not for the
        # changelist: a queryset that selects anything skips its list_select_related.
        if match and match.url_name and match.url_name.endswith("_history"):
            queryset = self.with_path_to_patient(queryset)
        return queryset

    def get_object(self, request, object_id, from_field=None):
        # Django's, and then noting the row's patient.
        queryset = self.with_path_to_patient(self.get_queryset(request))
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            object_id = field.to_python(object_id)
            obj = queryset.get(**{field.name: object_id})
        except (model.DoesNotExist, ValidationError, ValueError):
            return None
        self.note_read_of(obj)
        return obj

    def changelist_view(self, request, extra_context=None):
        if self.patient_path is not None:
            note_list()
        return super().changelist_view(request, extra_context)

    def note_read_of(self, obj) -> None:
        if self.patient_path is not None:
            note_read(patient_id_of(obj, self.patient_path))


# History with changes ----------------------------------------------------------------


def shown_in_history(value) -> str:
    """A field's value in a history row: the stored value, in words where it is not text."""
    if value is None or value == "":
        return EMPTY
    # diff_against stands a DeletedObject in for every related object it cannot load,
    # an empty foreign key too: "Deleted user (pk=None)" for a field never filled in.
    if isinstance(value, DeletedObject) and value.pk is None:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(v) for v in value)) or EMPTY
    return str(display_for_value(value, EMPTY))


def m2m_members(records, field) -> dict[int, list]:
    """Each history row's members of a many-to-many field, in one query for all rows."""
    rows_model = getattr(type(records[0]), field.name).model
    member = field.m2m_reverse_field_name()
    members = {record.history_id: [] for record in records}
    rows = rows_model.objects.filter(history__in=list(members)).select_related(member)
    for row in rows:
        members[row.history_id].append(getattr(row, member))
    return members


def changes_between(record, previous, members: dict) -> list[dict]:
    """What changed from `previous` to `record`: [{"field", "old", "new"}], by field."""
    model = record.instance_type
    fields = [f for f in record.tracked_fields if not f.primary_key]
    editable = [f.name for f in fields if f.editable]
    # Related objects were selected with the rows (get_history_queryset), so no query here.
    delta = record.diff_against(previous, included_fields=editable, foreign_keys_are_objs=True)
    # diff_against skips fields no form edits, but a result's flag changes with its value.
    computed = [
        (f.name, getattr(previous, f.attname), getattr(record, f.attname))
        for f in fields
        if not f.editable and getattr(previous, f.attname) != getattr(record, f.attname)
    ]
    shorten = ObjDiffDisplay(max_length=CHANGE_SHOWN_CHARS).common_shorten_repr
    changes = []
    for name, old, new in sorted(
        [*((c.field, c.old, c.new) for c in delta.changes), *computed], key=lambda c: c[0]
    ):
        old, new = shorten(shown_in_history(old), shown_in_history(new))
        changes.append({"field": model._meta.get_field(name).verbose_name, "old": old, "new": new})
    for field in record._history_m2m_fields:
        old = shown_in_history(members[field.name][previous.history_id])
        new = shown_in_history(members[field.name][record.history_id])
        if old != new:
            changes.append({"field": field.verbose_name, "old": old, "new": new})
    return changes


def with_related_objects(record):
    """The row's object as it was, reusing the related objects selected with the row.

    The history page names the object on every row; without this, a name built from
    related objects (a course's patient and regimen) costs queries on every row.
    """
    obj = record.history_object
    for field in record.tracked_fields:
        if isinstance(field, models.ForeignKey) and field.is_cached(record):
            related = field.get_cached_value(record)
            if related is not None:
                obj._meta.get_field(field.name).set_cached_value(obj, related)
    return obj


class HistoryAdmin(ReadLoggedAdmin, SimpleHistoryAdmin):
    """A history-keeping admin: CSV export, and a history page that shows each change.

    Reverting to a past version is off unless `allow_revert`: for clinical records it
    would skip the operations that keep doses, records and alerts in step.
    """

    actions = [export_as_csv]
    form = SafeModelForm
    object_history_list_template = "admin/history/object_history_list.html"
    allow_revert = False

    def revert_disabled(self, request, obj=None):
        return not self.allow_revert or super().revert_disabled(request, obj)

    def history_view_title(self, request, obj):
        # The history page loads its row through get_queryset, without get_object.
        self.note_read_of(obj)
        return super().history_view_title(request, obj)

    def history_form_view_title(self, request, obj):
        self.note_read_of(obj)
        return super().history_form_view_title(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        # A past version is shown, not offered as a form to resubmit.
        request.showing_past_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if getattr(request, "showing_past_version", False) and self.revert_disabled(request, obj):
            opts = self.model._meta
            readonly += [
                f.name
                for f in (*opts.concrete_fields, *opts.many_to_many)
                if f.editable and not f.auto_created and f.name not in readonly
            ]
        return readonly

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Give every row on the page its changes from the row before it.

        Rows are newest first, so each row's previous version is the next row; the
        oldest row on a page is compared with the first row of the next page, read
        in one query.  Many-to-many members are read in one query per field.
        """
        records = list(historical_records)
        if not records:
            return
        older = None
        if getattr(historical_records, "has_next", lambda: False)():
            end = historical_records.end_index()
            older = next(iter(historical_records.paginator.object_list[end : end + 1]), None)
        everyone = [*records, older] if older else records
        members = {
            field.name: m2m_members(everyone, field) for field in records[0]._history_m2m_fields
        }
        for record, previous in zip(records, [*records[1:], older], strict=True):
            record.history_delta_changes = (
                changes_between(record, previous, members) if previous else []
            )
            record.history_object = with_related_objects(record)


# Bases -------------------------------------------------------------------------------


class ReasonForm(SafeInputMixin, forms.ModelForm):
    change_reason = forms.CharField(
        max_length=200,
        help_text="Why you are making this change. Kept in the history.",
    )


class ReasonedHistoryAdmin(HistoryAdmin):
    """Reference data: add and change forms (and reverts) ask for a reason.

    Never deleted: past entries point at it, and the history would lose the why.
    Switch it off instead.
    """

    form = ReasonForm
    allow_revert = True

    def save_model(self, request, obj, form, change):
        save_with_history(obj, by=request.user, reason=form.cleaned_data["change_reason"])

    def has_delete_permission(self, request, obj=None):
        return False


class LongListAdmin:
    """For the admin of a table that grows without bound (doses, records, reports,
    chart entries, alerts, notifications, logs): its changelist's cost stays that of
    one page.

    A filtered or searched page does not also count the whole table, and the
    unfiltered page numbers its pages by the planner's estimate of the rows on
    PostgreSQL (tracker.lib.pagination).  Such an admin has no date hierarchy, which
    reads every row's date to draw its links; a date filter in list_filter narrows by
    date instead.  Each sets an ordering that ends in the id, with an index to match
    (tests/admin/test_long_lists.py).
    """

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = None


class ReadOnlyPermissions:
    """For a model admin whose rows are only ever written by the app: no one adds,
    changes or deletes them in the admin, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, HistoryAdmin):
    """Clinical records made through the app: viewable with their history, never
    added, changed or deleted in the admin."""


class ReadOnlyInline(admin.TabularInline):
    """Rows shown inside their parent, linked, never added or deleted there.

    `select_related` names the related objects the row's fields show, so a long
    list of rows costs one query.
    """

    extra = 0
    can_delete = False
    show_change_link = True
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.select_related)

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

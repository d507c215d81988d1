"""Admin pieces shared by the apps: every change to reference data says why."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin


class ReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=200,
        help_text="Why you are making this change. Kept in the history.",
    )


class ReasonedHistoryAdmin(SimpleHistoryAdmin):
    """A history-keeping admin whose add and change forms ask for a reason."""

    form = ReasonForm

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data["change_reason"]
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Clinical records made through the app: viewable with their history, never
    added, changed or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown inside their parent, linked, never added or deleted there."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

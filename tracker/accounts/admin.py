from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tracker.accounts.models import User
from tracker.lib.admin import export_as_csv


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "roles",
        "patient_mrn",
        "is_staff",
        "is_superuser",
        "is_active",
        "last_login",
        "date_joined",
    ]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active", "last_login", "date_joined"]
    # A patient's login is found by their MRN too.
    search_fields = ["username", "first_name", "last_name", "email", "patient__mrn"]
    date_hierarchy = "date_joined"
    list_select_related = ["patient"]
    actions = [export_as_csv]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Ward clock", {"fields": ["time_zone"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "—"

    @admin.display(description="patient MRN", ordering="patient__mrn")
    def patient_mrn(self, user):
        patient = getattr(user, "patient", None)
        return patient.mrn if patient else None

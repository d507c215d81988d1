"""The dose admin, with what was recorded against each dose in the apps above regimens.

Regimens registers the dose admin without the ward's and symptoms' rows, as it may
not import them; this app, above all three, registers it again with their inlines.
"""

from django.contrib import admin

from regimens.admin import DoseAdmin
from regimens.models import Dose
from tracker.symptoms.admin import AdverseEventInline, SymptomReportInline
from tracker.ward.admin import AdministrationInline

admin.site.unregister(Dose)


@admin.register(Dose)
class DoseWithEntriesAdmin(DoseAdmin):
    # What happened at the bedside, then what the patient and staff noted after it.
    inlines = [AdministrationInline, SymptomReportInline, AdverseEventInline]

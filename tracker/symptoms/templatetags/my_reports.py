"""The patient's own recent reports, for their home page.

`{% load my_reports %}{% my_recent_reports patient %}`: the last few reports with
where each stands and the newest reply, in one query however many there are.
"""

from django import template

from tracker.symptoms.models import SymptomReport

register = template.Library()

RECENT = 5


@register.inclusion_tag("symptoms/includes/my_recent_reports.html")
def my_recent_reports(patient):
    reports = []
    if patient is not None:
        reports = list(
            SymptomReport.objects.for_patient(patient)
            .select_related("symptom")
            .with_patient_status()
            .order_by("-reported_at", "-pk")[:RECENT]
        )
    return {"patient": patient, "reports": reports}

"""The patient's own recent reports, for their home page.

`{% load my_reports %}{% my_recent_reports patient %}`: the last few reports with
where each stands and the newest reply, in one query however many there are.
`{% my_care_team_messages patient %}`: the care team's messages about the patient's
alerts that have no report (a reading, a missed dose), unread or recent; nothing
when there are none.
"""

from datetime import timedelta

from django import template
from django.db.models import Q
from django.utils import timezone

from tracker.symptoms.models import ReportMessage, SymptomReport

register = template.Library()

RECENT = 5
# A message read longer ago than this leaves the home page (its page stays).
RECENT_MESSAGES = timedelta(days=14)


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


@register.inclusion_tag("symptoms/includes/my_care_team_messages.html")
def my_care_team_messages(patient):
    messages = []
    if patient is not None:
        messages = list(
            ReportMessage.objects.shown()
            .from_staff()
            .filter(alert__patient=patient)
            .filter(Q(read_at__isnull=True) | Q(sent_at__gte=timezone.now() - RECENT_MESSAGES))
            .order_by("-sent_at", "-pk")[:RECENT]
        )
    return {"patient": patient, "care_team_messages": messages}

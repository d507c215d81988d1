"""The care team's view of the messages about a report, with the reply form.

`{% load report_messages %}{% report_thread report %}` on a staff page (the review
page, an alert's page; `level=3` where it sits under an h2): one query for the thread.  The form posts to `report-reply`
and comes back to the page it was sent from.
"""

from django import template

from tracker.symptoms.access import can_reply
from tracker.symptoms.forms.messages import ReplyForm
from tracker.symptoms.models import MESSAGES_PER_REPORT

register = template.Library()


@register.inclusion_tag("symptoms/includes/staff_report_thread.html", takes_context=True)
def report_thread(context, report, form=None, next=None, level=2):
    request = context["request"]
    thread = list(report.messages.select_related("author", "withdrawn_by"))
    standing = sum(not message.is_withdrawn for message in thread)
    return {
        "report": report,
        "patient": report.patient,
        "thread": thread,
        "may_reply": can_reply(request.user),
        "full": standing >= MESSAGES_PER_REPORT,
        "limit": MESSAGES_PER_REPORT,
        "form": form or ReplyForm(),
        "next": request.get_full_path() if next is None else next,
        "level": level,
        "request": request,
        "withdraw_next": request.get_full_path(),
    }

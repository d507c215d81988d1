"""iCalendar export: a download per course, and a revocable subscription per patient.

See regimens/ics.py for what goes into a calendar (and what never does).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from regimens import ics
from regimens.access import get_course_for_user
from regimens.feeds import issue_feed, replace_feed, revoke_feed
from regimens.models import CalendarFeed, Dose
from tracker.lib.reads import note_read
from tracker.patients.access import get_patient_for_user

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(body: bytes, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def course_ics(request, pk):
    course = get_course_for_user(request.user, pk)
    doses = ics.doses_for_export(course.doses.all())
    return _calendar_response(
        ics.course_calendar(course, doses), filename=f"il2-course-{course.pk}.ics"
    )


@login_required
@require_http_methods(["GET", "POST"])
def feed_manage(request, patient_pk):
    # Anyone who may see the patient may manage the link: the patient and their team.
    patient = get_patient_for_user(request.user, patient_pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("create", "revoke", "replace"):
            messages.error(request, "Unknown action: nothing was changed.")
            return _render_manage(request, patient, status=400)
        if action == "create":
            _, issued = issue_feed(patient, by=request.user)
            if issued:
                messages.success(request, "Subscription link created.")
            else:
                messages.info(request, "A subscription link already exists.")
        elif action == "revoke":
            if revoke_feed(patient, by=request.user):
                messages.success(
                    request, "Subscription link revoked: calendars using it stop updating."
                )
            else:
                messages.info(request, "There is no subscription link to revoke.")
        else:
            replace_feed(patient, by=request.user)
            messages.success(
                request, "New subscription link created; the old one no longer works."
            )
        return redirect("feed-manage", patient_pk=patient.pk)
    return _render_manage(request, patient)


def _render_manage(request, patient, status=200):
    feed = CalendarFeed.objects.active().filter(patient=patient).first()
    feed_url = webcal_url = None
    if feed:
        feed_url = request.build_absolute_uri(feed.get_absolute_url())
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(
        request,
        "regimens/feed_manage.html",
        {"patient": patient, "feed": feed, "feed_url": feed_url, "webcal_url": webcal_url},
        status=status,
    )


@require_GET
def calendar_feed(request, token):
    # No login: calendar apps cannot sign in, so the secret token is the only key.
    feed = CalendarFeed.objects.active().select_related("patient").filter(token=token).first()
    if feed is None:
        raise Http404
    # Logged without a user: the calendar app read the patient's doses with the link.
    note_read(feed.patient_id)
    doses = ics.doses_for_export(Dose.objects.for_patient(feed.patient))
    response = _calendar_response(ics.patient_calendar(feed.patient, doses))
    response["Cache-Control"] = "private, max-age=300"
    return response

"""iCalendar export: a download per course, and a revocable subscription per patient.

See regimens/ics.py for what goes into a calendar (and what never does).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_http_methods

from regimens import ics
from regimens.access import get_course_for_user
from regimens.feeds import IssuedFeed, choose_titles, issue_feed, replace_feed, revoke_feed
from regimens.forms import CalendarTitlesForm
from regimens.models import CalendarFeed, Dose, feed_path
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
    # The file's name is seen wherever it is imported, so it follows the titles chosen.
    choices = ics.patient_choices(course.patient_id)
    name = "treatment" if choices.neutral else "il2-course"
    return _calendar_response(
        ics.course_calendar(course, doses, choices), filename=f"{name}-{course.pk}.ics"
    )


@login_required
@require_http_methods(["GET", "POST"])
def feed_manage(request, patient_pk):
    # Anyone who may see the patient may manage the link: the patient and their team.
    patient = get_patient_for_user(request.user, patient_pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("create", "revoke", "replace", "titles"):
            messages.error(request, "Unknown action: nothing was changed.")
            return _render_manage(request, patient, status=400)
        if action == "create":
            issued = issue_feed(patient, by=request.user)
            if issued is None:
                # Another tab or a double click made it first: its URL was shown there.
                messages.info(request, "A subscription link already exists.")
            else:
                messages.success(request, "Subscription link created.")
                return _render_manage(request, patient, issued=issued)
        elif action == "replace":
            issued = replace_feed(patient, by=request.user)
            messages.success(
                request, "New subscription link created; the old one no longer works."
            )
            return _render_manage(request, patient, issued=issued)
        elif action == "revoke":
            if revoke_feed(patient, by=request.user):
                messages.success(
                    request, "Subscription link revoked: calendars using it stop updating."
                )
            else:
                messages.info(request, "There is no subscription link to revoke.")
        else:
            form = CalendarTitlesForm(request.POST)
            if not form.is_valid():
                return _render_manage(request, patient, titles_form=form, status=400)
            neutral = form.cleaned_data["titles"] == CalendarTitlesForm.NEUTRAL
            if choose_titles(patient, neutral=neutral, by=request.user):
                messages.success(request, "Calendar titles saved.")
            else:
                messages.info(request, "The calendar titles were already as chosen.")
        return redirect("feed-manage", patient_pk=patient.pk)
    return _render_manage(request, patient)


def _render_manage(
    request, patient, *, issued: IssuedFeed | None = None, titles_form=None, status=200
):
    feed = issued.feed if issued else CalendarFeed.objects.active().filter(patient=patient).first()
    feed_url = webcal_url = None
    if issued:
        feed_url = request.build_absolute_uri(feed_path(issued.token))
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    if titles_form is None:
        neutral = ics.neutral_titles(patient.pk)
        titles_form = CalendarTitlesForm(
            initial={"titles": CalendarTitlesForm.NEUTRAL if neutral else CalendarTitlesForm.NAMED}
        )
    response = render(
        request,
        "regimens/feed_manage.html",
        {
            "patient": patient,
            "feed": feed,
            "feed_url": feed_url,
            "webcal_url": webcal_url,
            "titles_form": titles_form,
        },
        status=status,
    )
    if issued:
        # The one page that carries the token: no copy in the browser's cache.
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def calendar_feed(request, token):
    # No login: calendar apps cannot sign in, so the secret token is the only key.  A
    # token of any other shape, a revoked one and an unknown one all get the same 404,
    # whatever the request's If-None-Match: the key is checked before the version.
    feed = CalendarFeed.objects.active().with_token(token).select_related("patient").first()
    if feed is None:
        raise Http404
    # Logged without a user: the calendar app read the patient's doses with the link,
    # or was told that the copy it holds is still what they are.
    note_read(feed.patient_id)
    # Calendar apps poll every few minutes and the calendar seldom changes, so most
    # polls are answered 304 from one query.  The version is read before the doses: a
    # change in between is written with the older version, and fetched again next time.
    version = ics.feed_version(feed.patient, timezone.now())
    headers = {
        "ETag": version.etag,
        "Last-Modified": http_date(version.last_modified.timestamp()),
        "Cache-Control": "private, max-age=300",
    }
    not_modified = get_conditional_response(
        request, etag=version.etag, last_modified=int(version.last_modified.timestamp())
    )
    if not_modified is None:
        doses = ics.doses_for_export(Dose.objects.for_patient(feed.patient))
        response = _calendar_response(ics.patient_calendar(feed.patient, doses, version.choices))
    else:
        response = not_modified
    for name, value in headers.items():
        response[name] = value
    return response

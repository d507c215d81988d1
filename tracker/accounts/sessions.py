"""Signing out on its own: after a spell without activity, and after a fixed time in all.

A ward computer is shared and often left signed in.  A session ends after
STAFF_IDLE_MINUTES without activity for staff (PATIENT_IDLE_MINUTES for patients,
who sign in on their own devices), and SESSION_ABSOLUTE_HOURS after signing in
whatever the activity.  `IdleLogoff` enforces both on every request; the page
warns a minute before (static/js/idle-logoff.js), and the sign-in page says why
the user was signed out.

Activity is any request the user made, except the ones a page makes by itself
(the alert count's poll, the warning's own status check): views marked
`@background` do not keep a session alive.
"""

import math
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from tracker.accounts.roles import Role

# Session keys, as seconds since the epoch (the session is stored as JSON).
SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY = "last_activity"
# Why the last session ended, for the page that follows (the sign-in page).
SIGNED_OUT_BECAUSE = "signed_out_because"

# Activity is written to the session at most this often: writing it on every request
# would be a database write per page.  A session can so end up to this much early,
# never late; the page's warning reads the time written, so it is not misled.
ACTIVITY_RESOLUTION = timedelta(seconds=15)

# The page warns this long before the session ends.
WARNING = timedelta(minutes=1)


def idle_limit(user) -> timedelta:
    """How long `user` may stay without activity: patients longer than staff.

    Anyone who is not plainly a patient (staff, a login in no role) gets the staff limit.
    """
    if user.role == Role.PATIENT and not user.is_staff:
        return timedelta(minutes=settings.PATIENT_IDLE_MINUTES)
    return timedelta(minutes=settings.STAFF_IDLE_MINUTES)


def absolute_limit() -> timedelta:
    return timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)


def _instant(session, key: str) -> datetime | None:
    value = session.get(key)
    if not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _store(session, key: str, at: datetime) -> None:
    session[key] = math.floor(at.timestamp())


def start_session_clock(session, now: datetime) -> None:
    _store(session, SIGNED_IN_AT, now)
    _store(session, LAST_ACTIVITY, now)


@receiver(user_logged_in, dispatch_uid="start-session-clock")
def _start_on_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session_clock(request.session, timezone.now())


def ending(session, user) -> tuple[datetime, str]:
    """When this session ends, and why: "idle" or "absolute".

    A session signed in before idle logoff was switched on has no clock yet: it
    starts when first seen.
    """
    signed_in_at = _instant(session, SIGNED_IN_AT)
    last_activity = _instant(session, LAST_ACTIVITY)
    if signed_in_at is None or last_activity is None:
        now = timezone.now()
        start_session_clock(session, now)
        signed_in_at = last_activity = now
    idle_end = last_activity + idle_limit(user)
    absolute_end = signed_in_at + absolute_limit()
    if absolute_end <= idle_end:
        return absolute_end, "absolute"
    return idle_end, "idle"


def seconds_left(session, user) -> int:
    ends_at, _ = ending(session, user)
    return max(0, math.floor((ends_at - timezone.now()).total_seconds()))


def record_activity(session, now: datetime, *, exactly: bool = False) -> None:
    """Start the idle time again from `now`; within ACTIVITY_RESOLUTION of the last
    time written, only if `exactly` (the page's "Stay signed in" says how long is left)."""
    last_activity = _instant(session, LAST_ACTIVITY)
    if exactly or last_activity is None or now - last_activity >= ACTIVITY_RESOLUTION:
        _store(session, LAST_ACTIVITY, now)


def signed_out_message(reason: str, user) -> str:
    if reason == "absolute":
        hours = settings.SESSION_ABSOLUTE_HOURS
        return (
            f"You were signed out because you had been signed in for {hours} hours. "
            "Sign in again to carry on."
        )
    minutes = idle_limit(user) / timedelta(minutes=1)
    return (
        f"You were signed out after {minutes:g} minutes without activity, "
        "so that no one else can use your session. Sign in again to carry on."
    )


def background(view):
    """Mark a view that pages call by themselves (polls): it does not count as activity."""
    view.counts_as_activity = False
    return view


def _is_signed_in(request) -> bool:
    # Read from the session, not request.user: an anonymous request costs no user query.
    return SESSION_KEY in request.session


def _page_to_return_to(request, htmx: HtmxDetails) -> str | None:
    """The page to come back to after signing in again, if there is one to come back to."""
    if request.path == reverse("logout"):
        return None
    if htmx:
        return htmx.current_url_abs_path or None
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    # What was posted is lost, and its address may take only posts: the page the form
    # was on is offered again, if the browser said which and it is on this site.
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        page = urlsplit(referer)
        if page.path.startswith("/"):
            return page.path + (f"?{page.query}" if page.query else "")
    return None


class IdleLogoff:
    """Sign out a session that was idle too long or has lasted too long in all.

    Runs after AuthenticationMiddleware.  The check is made before anything else
    reads the user; activity is recorded once the URL is known (`process_view`), so
    that a `@background` view does not count.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.IDLE_LOGOFF_ENABLED and _is_signed_in(request):
            ends_at, reason = ending(request.session, request.user)
            if timezone.now() >= ends_at:
                response = self.sign_out(request, reason)
                if response is not None:
                    return response
        return self.get_response(request)

    def sign_out(self, request, reason: str) -> HttpResponse | None:
        """Sign out, and send the user to the sign-in page, to come back where they were."""
        message = signed_out_message(reason, request.user)
        # HtmxMiddleware runs after this one: read htmx's headers here.
        htmx = HtmxDetails(request)
        back_to = _page_to_return_to(request, htmx)
        logout(request)
        request.session[SIGNED_OUT_BECAUSE] = message
        if request.path == reverse(settings.LOGIN_URL):
            return None  # the sign-in page itself: shown, with the reason
        login_page = redirect_to_login(back_to) if back_to else redirect(settings.LOGIN_URL)
        if htmx:
            # A poll or a part of a page: the whole page goes to the sign-in page.
            return HttpResponseClientRedirect(login_page.url)
        return login_page

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.IDLE_LOGOFF_ENABLED:
            return None
        if SIGNED_OUT_BECAUSE in request.session:
            # The message framework is only set up by now, after this middleware's call.
            messages.info(request, request.session.pop(SIGNED_OUT_BECAUSE))
        if _is_signed_in(request) and getattr(view_func, "counts_as_activity", True):
            record_activity(request.session, timezone.now())
        return None


def session_clock(request) -> dict:
    """Template context: the seconds until this session ends, for the page's warning."""
    if not settings.IDLE_LOGOFF_ENABLED or not _is_signed_in(request):
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    _, reason = ending(request.session, user)
    return {
        "session_clock": {
            "ends_in": seconds_left(request.session, user),
            "ends_because": reason,
            "warning_seconds": int(WARNING.total_seconds()),
            "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
        }
    }

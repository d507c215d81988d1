"""The second factor, asked for on every page but the few a signed-in user needs to give it."""

from urllib.parse import urlsplit

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from tracker.accounts.second_factor import requires_second_factor, verify_by_remembered_computer

# Pages open to a signed-in user who has not given a code yet, by URL name: signing in
# and out, giving or setting up the second factor, resetting a password, accepting an
# invitation, and the session's own status and keep-alive (tracker.accounts.sessions). Every other page, including any
# added later, asks for the code first. Static files never reach Django's views.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "login",
        "logout",
        "admin:logout",
        "second-factor",
        "second-factor-enrol",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "invitation-accept",
        "session-status",
        "session-keep-alive",
    }
)


class SecondFactorRequired:
    """Send a user who must give a second factor, and has not, to the second step.

    After django-otp's OTPMiddleware, which tells whether the session is verified.
    A computer remembered for this user (`remember_this_computer`) verifies the session
    here, without asking.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not requires_second_factor(user) or verify_by_remembered_computer(request):
            return None
        htmx = getattr(request, "htmx", None)
        if htmx:
            # A fragment must not land in the page: htmx reloads the whole page to the step.
            back = urlsplit(htmx.current_url or "/")
            step = _second_step(back.path + (f"?{back.query}" if back.query else ""))
            return HttpResponse(status=204, headers={"HX-Redirect": step})
        return redirect(_second_step(request.get_full_path()))


def _second_step(next_page: str) -> str:
    return f"{reverse('second-factor')}?{urlencode({'next': next_page})}"

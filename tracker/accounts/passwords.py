"""Password reset for every user: Django's views, with a rate limit and a quiet reply.

The reset page answers the same for an address with a login and one without, and
takes the same time: the request only counts the attempt and queues a task, and
the task (a Celery worker) looks the address up and sends the e-mail.

Rate limit: at most RESET_LIMIT requests an hour per client address and per e-mail
address, counted in Django's cache.  With the default local-memory cache each web
process counts on its own, so N processes allow up to N times the limit; a shared
cache (Redis, CACHES) makes it exact.  Beyond the limit the same page is shown and
nothing is sent.
"""

import hashlib
import logging
from urllib.parse import urlsplit

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_lockout_response
from axes.utils import reset as reset_axes_lockouts
from django.conf import settings
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.urls import reverse_lazy

from tracker.accounts.forms import NewPasswordForm, ResetPasswordForm

logger = logging.getLogger(__name__)

RESET_LIMIT = 5
RESET_WINDOW_SECONDS = 60 * 60

RESET_TEMPLATES = {
    "email_template_name": "registration/password_reset_email.txt",
    "subject_template_name": "registration/password_reset_subject.txt",
}


def _count(key: str) -> int:
    """Count one attempt under `key` in the current window; the count so far."""
    if cache.add(key, 1, RESET_WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, RESET_WINDOW_SECONDS)
        return 1


def reset_allowed(ip_address: str | None, email: str) -> bool:
    """Count this request against its client address and its e-mail; False past the limit.

    Both are counted whatever the answer, so a caller cannot tell the limits apart.
    """
    by_ip = _count(f"password-reset:ip:{ip_address or 'unknown'}")
    # Hashed: a cache key has a length limit and no spaces (memcached), an address neither.
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    by_email = _count(f"password-reset:email:{address}")
    return by_ip <= RESET_LIMIT and by_email <= RESET_LIMIT


def send_reset_emails(email: str) -> None:
    """Look the address up and e-mail each active login with a password its reset link.

    Django's form skips logins without a usable password (an invited patient who has
    not yet set one): the care team sends a new invitation instead.
    """
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            from_email=None,
            **RESET_TEMPLATES,
        )


def _queue_reset(email: str) -> None:
    from tracker.accounts.tasks import send_password_reset

    try:
        send_password_reset.delay(email)
    except Exception:  # a broker that is down: logged, and the page still says the same
        logger.exception("Password reset e-mail not queued")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if reset_allowed(get_client_ip_address(self.request), email):
            _queue_reset(email)
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reads the mailbox may sign in again: a lockout from wrong guesses
        # (django-axes, by username and address) would otherwise last its hour.
        reset_axes_lockouts(username=form.user.get_username())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, whose wrong current passwords count as failed sign-ins.

    Otherwise a session left open would let anyone guess the password without limit.
    Each wrong guess is a failed sign-in for django-axes (by username and address, as
    on the sign-in page); at the limit the user is signed out and shown the lockout
    page, and a locked user is refused before any guess is checked.
    """

    success_url = reverse_lazy("password_change_done")

    def credentials(self) -> dict:
        return {settings.AXES_USERNAME_FORM_FIELD: self.request.user.get_username()}

    def is_locked_out(self) -> bool:
        return settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(
            self.request, self.credentials()
        )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.is_locked_out():
            return self.locked_out()
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("old_password", "password_incorrect"):
            credentials = self.credentials()
            # The signal django-axes counts failed sign-ins by.
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            if self.is_locked_out():
                return self.locked_out()
        return super().form_invalid(form)

    def locked_out(self):
        credentials = self.credentials()
        logout(self.request)
        return get_lockout_response(self.request, credentials=credentials)

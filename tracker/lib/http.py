"""Small request helpers shared by the views."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The `next` page the form came from, if it is on this site; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: anything else (a bare word such as "2026-03-29") would be
    # read by redirect() as the name of a view.
    local = target.startswith("/") and not target.startswith("//")
    if local and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default

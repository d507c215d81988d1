"""Small request helpers shared by the views."""

from django.core.exceptions import DisallowedHost
from django.utils.http import url_has_allowed_host_and_scheme

# Longer than any address of ours: a page's own address with its query string.
LONGEST_NEXT = 2000


def safe_next(request, default: str) -> str:
    """The `next` page the form came from, if it is on this site; else `default`.

    Every redirect to a page named by the request goes through here. It never raises:
    anything it cannot vouch for gives `default`.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: anything else (a bare word such as "2026-03-29") would be
    # read by redirect() as the name of a view.  Control characters (a tab or newline
    # that browsers drop, turning "/\t/evil" into "//evil"; NUL) are never in our paths.
    local = (
        target.startswith("/")
        and not target.startswith("//")
        and len(target) <= LONGEST_NEXT
        and target.isprintable()
    )
    if not local:
        return default
    try:
        allowed = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    except (DisallowedHost, ValueError):
        return default
    return target if allowed else default


def id_from_query(raw) -> int | None:
    """A primary key from the query string, or None for anything that cannot be one.

    Only ASCII digits: int() also reads "٣" and "²".isdigit() is true, and the
    database refuses a number past its integer column.
    """
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value < 2**31 else None

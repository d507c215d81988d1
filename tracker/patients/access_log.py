"""The read-access log: every request that read a patient's data writes who, which
patient, what, when and from where (RecordAccess).

The access helpers and the admin note what a request read (tracker.lib.reads); the
middleware here collects those notes around the view and writes them in one insert
once the response is known.  A refused request (403, 404, 405) or a failed one
(5xx) showed nothing and writes nothing.
"""

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db.backends.signals import connection_created

from tracker.lib.reads import Reads, collecting
from tracker.patients.models import RecordAccess

# Responses that showed no patient data, whatever the helpers had fetched.
REFUSED = {401, 403, 404, 405, 410}


class RecordAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collecting() as reads:
            response = self.get_response(request)
        status = response.status_code
        if (reads.patient_ids or reads.listed) and status < 500 and status not in REFUSED:
            write(request, reads)
        return response


def write(request, reads: Reads) -> None:
    """The request's rows: one per patient read, or one without a patient for a list."""
    user = request.user if request.user.is_authenticated else None
    match = request.resolver_match
    what = match.view_name if match else ""
    fields = {
        "user": user,
        "what": what[:100],
        "method": request.method[:8],
        "path": shown_path(request)[:500],
        "ip": client_ip(request),
    }
    patients = sorted(reads.patient_ids) or [None]
    RecordAccess.objects.bulk_create(
        [RecordAccess(patient_id=patient_id, **fields) for patient_id in patients]
    )


def client_ip(request) -> str | None:
    """Where the request came from: the proxy's header if one is named, else REMOTE_ADDR.

    Anything that is not an IP address is left out rather than refused: the page was read.
    """
    header = settings.READ_LOG_CLIENT_IP_HEADER or "REMOTE_ADDR"
    value = request.META.get(header, "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def shown_path(request) -> str:
    """The path read, without a secret in it: a calendar feed's token is its only key."""
    path = request.path
    token = request.resolver_match.kwargs.get("token") if request.resolver_match else None
    return path.replace(token, "…") if token else path


# Emptying the log ----------------------------------------------------------------------
#
# SQLite has no TRUNCATE: `manage.py flush` (and the test runner after a transactional
# test) empties a table with DELETE, which the log's trigger refuses.  The trigger asks
# this connection function first; it answers yes only inside `purging()`, which the
# project's flush command opens.  A connection without the function (the sqlite3
# shell) fails the DELETE on the unknown function, so it is refused there too.
# PostgreSQL's flush truncates, which row triggers do not see.

_purging = False


@contextmanager
def purging() -> Iterator[None]:
    global _purging
    _purging = True
    try:
        yield
    finally:
        _purging = False


def _purge_allowed() -> bool:
    return _purging


def register_purge_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "recordaccess_purge_allowed", 0, _purge_allowed, deterministic=False
        )


connection_created.connect(register_purge_function, dispatch_uid="recordaccess_purge")

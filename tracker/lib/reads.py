"""Which patients' data the current request read, for the read-access log.

The access helpers (every view's first call) and the admin note the patient whose
data they fetched; a page that lists several patients notes that it did.  The log's
middleware (tracker.patients.access_log) opens a collection around each request and
writes it as one insert once the response is known.  Outside a request (a
management command, a test calling a helper) there is no collection and noting
does nothing.

It lives here, below every app, so that the admin bases in tracker.lib can note
reads without importing the patients app.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Reads:
    patient_ids: set[int] = field(default_factory=set)
    # A page that shows several patients at once (a list, a ward's shift).
    listed: bool = False


_current: ContextVar[Reads | None] = ContextVar("patient_reads", default=None)


def note_read(patient_id: int | None) -> None:
    """This request reads the data of the patient with this id."""
    reads = _current.get()
    if reads is not None and patient_id is not None:
        reads.patient_ids.add(patient_id)


def note_list() -> None:
    """This request shows a list of patients, or rows about several of them."""
    reads = _current.get()
    if reads is not None:
        reads.listed = True


@contextmanager
def collecting() -> Iterator[Reads]:
    reads = Reads()
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)

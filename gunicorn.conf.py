"""gunicorn's settings: it reads this file from the directory it starts in.

How many workers, and why, is in docs/deploy.md ("Sizing").  WEB_CONCURRENCY
overrides the count; `--workers` on the command line overrides both.
"""

import os


def worker_count() -> int:
    """Sync workers: 2 per core and 1, unless WEB_CONCURRENCY says how many."""
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    if not value:
        return 2 * (os.cpu_count() or 1) + 1
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"WEB_CONCURRENCY must be a whole number of at least 1, not {value!r}.")
    return int(value)


workers = worker_count()
# One request at a time per worker: a page waits on PostgreSQL, not on other requests.
worker_class = "sync"

"""Real Celery workers on Redis, on the test's own database, mailing an SMTP server here.

The tests here are transactional: a worker in another process sees only what the
test has committed.  On a laptop without Redis they are skipped; CI sets
REQUIRE_REDIS=1, which makes a missing Redis a failure instead.
"""

import os

import pytest
from django.db import connection

from tracker.lib.live_workers import (
    REDIS_URL,
    MailSink,
    Workers,
    database_url,
    flush_redis,
    publishing_to,
    redis_missing,
)

# Each pytest-xdist process has its own Redis database (1 to 6), flushed before and after.
FIRST_REDIS_DB, LAST_REDIS_DB = 1, 6


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if "workers" in item.keywords]
    if not ours:
        return
    missing = redis_missing()
    if not missing:
        return
    if os.environ.get("REQUIRE_REDIS"):
        raise pytest.UsageError(f"REQUIRE_REDIS is set but {missing}.")
    skip = pytest.mark.skip(reason=f"{missing}: the worker tests need Redis")
    for item in ours:
        item.add_marker(skip)


@pytest.fixture
def broker_url(worker_id):
    number = FIRST_REDIS_DB + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    assert number <= LAST_REDIS_DB, "more pytest-xdist processes than Redis databases"
    url = f"{REDIS_URL.rstrip('/')}/{number}"
    flush_redis(url)
    yield url
    flush_redis(url)


@pytest.fixture
def mail_sink():
    with MailSink() as sink:
        yield sink


@pytest.fixture
def start_workers(transactional_db, broker_url, mail_sink):
    """Start `count` workers; this process's tasks go to them until the test ends.

    Extra keywords become the workers' environment (settings read from it).
    """
    started = []

    def start(count=2, **env):
        workers = Workers(
            count,
            broker_url=broker_url,
            database_url=database_url(connection.settings_dict),
            env={
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(mail_sink.port),
                **env,
            },
        )
        started.append(workers)
        return workers.start()

    with publishing_to(broker_url):
        yield start
    for workers in started:
        workers.stop()

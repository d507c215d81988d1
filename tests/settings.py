"""The test suite's settings: tracker.settings with fast, self-contained tweaks.

The database still comes from DATABASE_URL, so the same suite runs on SQLite
and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-key-not-secret-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("WARD_PHONE", "+44 20 7946 0999")
os.environ.setdefault("SITE_URL", "https://il2.example.org")
# Tasks run in the process that queues them; tests/tasks start real workers on Redis.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from tracker.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Templates resolve {% static %} without a collectstatic manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = False
# Tests move the clock by hours between requests; idle logoff's own tests switch it on.
IDLE_LOGOFF_ENABLED = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Serve static files from the app folders, as runserver does, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Every request thread (live_server) and worker process the suite starts closes its
# connection when done, so none is left holding the test database when pytest-django
# drops it.  tests/test_settings.py checks production's persistent connections.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: the worker tests (tests/workers) start Celery workers in
    # other processes on the same database (docs/decisions.md).  A crash loses
    # nothing the suite needs, so nothing waits for the disk.
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] += " PRAGMA synchronous=OFF;"  # noqa: F405

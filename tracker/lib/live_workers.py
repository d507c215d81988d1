"""Real Celery workers and a local mail server, for the tests and the benchmark.

The workers are `celery -A tracker worker` processes, as production runs them, on
a Redis broker and on the same database as the process that starts them; their
e-mail goes by SMTP to a server in this process that keeps what it receives.
"""

import asyncio
import contextlib
import email
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")


def redis_missing(url: str = REDIS_URL) -> str | None:
    """Why Redis at `url` cannot be used, or None if it answers."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:
        return f"Redis does not answer at {url} ({error.__class__.__name__})"
    return None


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def database_url(settings_dict) -> str:
    """A DATABASE_URL for the database `settings_dict` names (the test one, once set up)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        name = str(settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("Workers in other processes cannot share an in-memory database.")
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    host = settings_dict.get("HOST") or "localhost"
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


class MailSink:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[email.message.Message] = []
        self.delay = delay
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        if self.delay:
            # A slower server keeps each worker inside its task for longer.
            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]

    def __enter__(self):
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Workers:
    """`count` worker processes (one task at a time each), started and stopped together.

    Each runs in its own process group, so killing a worker kills its pool child too,
    as when its machine dies.
    """

    def __init__(self, count: int, *, broker_url: str, database_url: str, env=None):
        self.count = count
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tracker.settings"),
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.processes: list[subprocess.Popen] = []
        self.logs = Path(tempfile.mkdtemp(prefix="il2-workers-"))

    def start(self, timeout: float = 60):
        for n in range(1, self.count + 1):
            log = (self.logs / f"worker{n}.log").open("wb")
            self.processes.append(
                subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "tracker",
                        "worker",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        "1",
                        "--hostname",
                        f"worker{n}-{os.getpid()}@%h",
                        "--loglevel",
                        "info",
                        # Nothing to agree with other workers: start at once.
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    cwd=settings.BASE_DIR,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        self.wait_until_ready(timeout)
        return self

    def wait_until_ready(self, timeout: float):
        deadline = time.monotonic() + timeout
        pending = set(range(self.count))
        while pending:
            for n in list(pending):
                if self.processes[n].poll() is not None:
                    raise RuntimeError(f"Worker {n + 1} exited:\n{self.log(n)}")
                if " ready." in self.log(n):
                    pending.discard(n)
            if time.monotonic() > deadline:
                raise RuntimeError(f"Workers not ready in {timeout} s:\n{self.log(min(pending))}")
            time.sleep(0.1)

    def log(self, n: int) -> str:
        return (self.logs / f"worker{n + 1}.log").read_text(errors="replace")

    def kill(self, n: int) -> None:
        """SIGKILL worker `n` (from 0) and its pool: no shutdown, no acknowledgement."""
        os.killpg(self.processes[n].pid, signal.SIGKILL)
        self.processes[n].wait()

    def stop(self, timeout: float = 15) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL for whatever is still running."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
        for process in self.processes:
            # The pool child can outlive its parent: the group goes either way.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(self.logs, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class publishing_to:
    """Send this process's tasks to `broker_url` instead of running them here.

    The app reads its configuration through the CELERY_ prefix, and the broker from
    the environment first, so both are set for the duration.  The producer pool is
    dropped on the way in and out, to reconnect to whichever broker is configured.
    """

    KEYS = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS")

    def __init__(self, broker_url: str):
        self.broker_url = broker_url

    def __enter__(self):
        from tracker.celery import app

        self.app = app
        self.saved_conf = {key: app.conf.get(key) for key in self.KEYS}
        self.saved_env = os.environ.get("CELERY_BROKER_URL")
        os.environ["CELERY_BROKER_URL"] = self.broker_url
        app.conf.update(dict(zip(self.KEYS, (self.broker_url, False, {}), strict=True)))
        self._reset_pool()
        return self

    def __exit__(self, *exc):
        self._reset_pool()
        self.app.conf.update(self.saved_conf)
        if self.saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = self.saved_env

    def _reset_pool(self):
        from kombu import pools

        # kombu keeps its pools by connection, process-wide: close and forget them all.
        pools.reset()
        self.app._after_fork()

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test.utils import (
    override_settings,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

from tracker import benchmarks

PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


class Command(BaseCommand):
    help = (
        "Time the heavy operations and pages in a throwaway test database and print "
        "the table (or write it with --write docs/benchmarks.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--write", metavar="FILE", help="Write the Markdown table here.")
        parser.add_argument(
            "--alerts",
            type=int,
            metavar="N",
            help="Instead: raise N urgent alerts in a burst and time their delivery "
            "by real workers on Redis, to an SMTP server in this process.",
        )
        parser.add_argument("--workers", type=int, default=2, help="With --alerts (default 2).")
        parser.add_argument(
            "--broker",
            default="redis://127.0.0.1:6379/1",
            metavar="URL",
            help="With --alerts: the Redis to use (default redis://127.0.0.1:6379/1).",
        )

    def handle(self, *args, write=None, alerts=None, workers=2, broker=None, **options):
        if alerts is not None and not (1 <= alerts <= 100_000 and 1 <= workers <= 16):
            raise CommandError("Give --alerts from 1 to 100000 and --workers from 1 to 16.")
        if alerts and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            # The workers are other processes: the test database must be a file.
            test = connections["default"].settings_dict["TEST"]
            test["NAME"] = str(settings.BASE_DIR / "var" / "benchmark-db.sqlite3")
            (settings.BASE_DIR / "var").mkdir(exist_ok=True)
        setup_test_environment()
        # A test database: created from the migrations, dropped afterwards.  Static
        # files are served plain (no collectstatic needed) and the test client talks
        # plain HTTP; everything else runs as configured.
        databases = setup_databases(verbosity=0, interactive=False)
        try:
            with override_settings(
                STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}},
                SECURE_SSL_REDIRECT=False,
                AXES_ENABLED=False,
            ):
                if alerts:
                    markdown = benchmarks.delivery_section(
                        benchmarks.run_alert_delivery(alerts, workers=workers, broker_url=broker)
                    )
                else:
                    markdown = benchmarks.section(benchmarks.run())
        finally:
            teardown_databases(databases, verbosity=0)
        self.stdout.write(markdown)
        if write:
            path = Path(write)
            existing = path.read_text() if path.exists() else ""
            path.write_text(benchmarks.merge(existing, markdown))
            self.stdout.write(f"Written to {write}.")

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
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

    def handle(self, *args, write=None, **options):
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
                markdown = benchmarks.section(benchmarks.run())
        finally:
            teardown_databases(databases, verbosity=0)
        self.stdout.write(markdown)
        if write:
            path = Path(write)
            existing = path.read_text() if path.exists() else ""
            path.write_text(benchmarks.merge(existing, markdown))
            self.stdout.write(f"Written to {write}.")

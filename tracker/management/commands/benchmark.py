import argparse
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

from tracker import benchmark_pages, benchmarks, loadtest

PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def sizes(text: str) -> list[int]:
    """ "50,200,1000" as numbers; "" as none."""
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not numbers separated by commas: {text!r}") from None
    if any(n < 1 for n in numbers):
        raise argparse.ArgumentTypeError("each size must be at least 1")
    return numbers


class Command(BaseCommand):
    help = (
        "Time the heavy operations and pages in a throwaway test database and print "
        "the table (or write it with --write docs/benchmarks.md); then the pages of care "
        "teams of --teams patients, and the admin's changelists, against an empty page."
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
        parser.add_argument(
            "--workers",
            type=int,
            help="With --alerts (default 2) or --load (default: gunicorn.conf.py's count).",
        )
        parser.add_argument(
            "--broker",
            default="redis://127.0.0.1:6379/1",
            metavar="URL",
            help="With --alerts: the Redis to use (default redis://127.0.0.1:6379/1).",
        )
        parser.add_argument(
            "--load",
            action="store_true",
            help="Instead: simulated nurses, patients and clinicians against gunicorn "
            "(locust; the bench extra) in a PostgreSQL database made for the run.",
        )
        parser.add_argument(
            "--users",
            type=int,
            default=loadtest.DEFAULT_USERS,
            help="With --load (default 50; at least 3, one of each kind).",
        )
        parser.add_argument("--seconds", type=int, default=60, help="With --load (default 60).")
        parser.add_argument(
            "--patients", type=int, default=1000, help="With --load: seeded (default 1000)."
        )

        parser.add_argument(
            "--pages",
            action="store_true",
            help="Only the pages against the floor (not the operations).",
        )
        parser.add_argument(
            "--teams",
            type=sizes,
            default=benchmark_pages.TEAMS,
            metavar="N,N",
            help="Care-team sizes whose pages are timed (default 50,200,1000; '' for none).",
        )
        parser.add_argument(
            "--changelists",
            type=sizes,
            default=benchmark_pages.CHANGELISTS,
            metavar="N,N",
            help="Time the admin's changelists with this many patients (default 1000).",
        )
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="Also the changelists at N patients (10000 takes minutes to seed).",
        )
        parser.add_argument(
            "--rounds", type=int, default=benchmark_pages.ROUNDS, help="Rounds (default 5)."
        )

    def handle(self, *args, write=None, alerts=None, workers=None, broker=None, **options):
        if options["load"]:
            return self.load_test(write, workers, options)
        workers = workers or 2
        if alerts is not None and not (1 <= alerts <= 100_000 and 1 <= workers <= 16):
            raise CommandError("Give --alerts from 1 to 100000 and --workers from 1 to 16.")
        if alerts and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            # The workers are other processes: the test database must be a file.
            test = connections["default"].settings_dict["TEST"]
            test["NAME"] = str(settings.BASE_DIR / "var" / "benchmark-db.sqlite3")
            (settings.BASE_DIR / "var").mkdir(exist_ok=True)
        # DEBUG off, as in production, even when it is on for the defaults it gives.
        setup_test_environment(debug=False)
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
                    markdown = "" if options["pages"] else benchmarks.section(benchmarks.run())
                    changelists = [*options["changelists"], *filter(None, [options["scale"]])]
                    if options["teams"] or changelists:
                        rows = benchmark_pages.run(
                            options["teams"],
                            changelists,
                            rounds=options["rounds"],
                            progress=lambda text: self.stderr.write(f"Benchmark: {text}"),
                        )
                        pages = benchmark_pages.section(rows, options["rounds"])
                        markdown = "\n".join(filter(None, [markdown, pages]))
        finally:
            teardown_databases(databases, verbosity=0)
        self.stdout.write(markdown)
        if write:
            path = Path(write)
            document = path.read_text() if path.exists() else ""
            for section in markdown.split("\n## "):
                document = benchmarks.merge(document, "## " + section.removeprefix("## "))
            path.write_text(document)
            self.stdout.write(f"Written to {write}.")

    def load_test(self, write, workers, options):
        users, seconds, patients = options["users"], options["seconds"], options["patients"]
        if not (loadtest.MIN_USERS <= users <= 1000 and 10 <= seconds <= 3600):
            raise CommandError(
                f"Give --users from {loadtest.MIN_USERS} (one nurse, one patient and one "
                "clinician) to 1000, and --seconds from 10 to 3600."
            )
        if not 100 <= patients <= 100_000:
            raise CommandError("Give --patients from 100 (one nurse's team) to 100000.")
        try:
            run = loadtest.run(
                users=users,
                seconds=seconds,
                workers=workers,
                patients=patients,
                say=self.stderr.write,
            )
        except (RuntimeError, ImportError) as problem:
            raise CommandError(str(problem)) from problem
        markdown = loadtest.section(run)
        self.stdout.write(markdown)
        if write:
            path = Path(write)
            existing = path.read_text() if path.exists() else ""
            path.write_text(benchmarks.merge(existing, markdown))
            self.stdout.write(f"Written to {write}.")

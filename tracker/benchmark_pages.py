"""Pages timed against a floor, in the same run (`manage.py benchmark --pages`).

The floor is an empty page behind the same middleware and the same signed-in session
as the page it is compared with: the session and user, the second factor, the access
log, the security headers.  Each round asks for the floor, then a page, then the
floor, then the next page, so that whatever else the machine is doing slows both
alike: on a busy machine the milliseconds move, the ratio (page median / floor
median) much less.  The teams are made by `tracker.scale`: a nurse and a clinician on
the care team of every one of N seeded patients, with months of history.
"""

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpResponse
from django.template.base import Template
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from regimens.feeds import issue_feed
from regimens.models import Course, Dose
from tracker import scale
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.accounts.second_factor import requires_second_factor
from tracker.patients.models import Patient

URLCONF = "tracker.benchmark_urls"
TEAMS = (50, 200, 1000)
CHANGELISTS = (1000,)
ROUNDS = 5
# The project's own admin pages; Django's and the libraries' tables stay small.
PROJECT_APPS = ("tracker", "regimens")


def floor(request):
    # Nothing but the middleware stack, which every page pays for too.
    return HttpResponse("floor")


@dataclass
class Page:
    name: str
    path: str
    client: Client
    who: str


@dataclass
class Timed:
    name: str
    size: str
    who: str
    queries: int
    times: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times)

    @property
    def floor_ms(self) -> float:
        return statistics.median(self.floor_times)

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_ms


def signed_in(user: User | None) -> Client:
    """A client signed in as `user` (None: no one), with the second factor if asked for."""
    client = Client()
    if user is None:
        return client
    client.force_login(user)
    if requires_second_factor(user):
        device, _ = StaticDevice.objects.get_or_create(user=user, name="Benchmark")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def elapsed_ms(client: Client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return ms


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        elapsed_ms(client, path)
    return len(queries)


def _render_as_served(self, context):
    # Template._render as Django defines it.  The test environment wraps it to hand each
    # template and a copy of its context to the test client, for assertions; a page of
    # includes paid for a copy per include, which production never does and the floor,
    # rendering no template, never paid.
    return self.nodelist.render(context)


def time_pages(pages: list[Page], size: str, rounds: int) -> list[Timed]:
    """Each page's times and the floor's just before it, with the same client; then a
    floor row for each client, from every floor it was asked for.  Templates render as
    they are served, not as the test client records them."""
    with mock.patch.object(Template, "_render", _render_as_served):
        return _time_pages(pages, size, rounds)


def _time_pages(pages: list[Page], size: str, rounds: int) -> list[Timed]:
    floor_path = reverse("benchmark-floor")
    timed = []
    for page in pages:
        # Warm the caches, the imports and the query plans; then count.
        elapsed_ms(page.client, floor_path)
        timed.append(Timed(page.name, size, page.who, count_queries(page.client, page.path)))
    for _ in range(rounds):
        for page, row in zip(pages, timed, strict=True):
            row.floor_times.append(elapsed_ms(page.client, floor_path))
            row.times.append(elapsed_ms(page.client, page.path))
    floors = {}
    for page, row in zip(pages, timed, strict=True):
        if page.who not in floors:
            queries = count_queries(page.client, floor_path)
            floors[page.who] = Timed("Floor (an empty page)", size, page.who, queries)
        floors[page.who].times += row.floor_times
        floors[page.who].floor_times += row.floor_times
    return list(floors.values()) + timed


# The teams ----------------------------------------------------------------------------


@dataclass
class Team:
    size: int
    nurse: User
    clinician: User
    patients: list[Patient]


def seed(count: int) -> list[Patient]:
    """`count` made-up patients with their history (tracker.scale), in a team of their own."""
    tag = Patient.objects.count()
    scale.seed_patients(count, seed=tag)
    return list(Patient.objects.filter(mrn__startswith=f"SC{tag}-").order_by("pk"))


def seed_team(size: int) -> Team:
    """`size` patients, and a nurse and a clinician on the care team of every one."""
    patients = seed(size)
    nurse = User.objects.create_with_role(f"bench-nurse-{size}", Role.NURSE)
    clinician = User.objects.create_with_role(f"bench-clinician-{size}", Role.CLINICIAN)
    through = Patient.care_team.through
    through.objects.bulk_create(
        through(patient=p, user=u) for p in patients for u in (nurse, clinician)
    )
    if connection.vendor == "postgresql":
        # As autovacuum would soon: else the planner takes the new team for one patient.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {through._meta.db_table}")
    return Team(size, nurse, clinician, patients)


def busiest_course(team: Team) -> Course:
    """An open course of the team's with the most doses recorded: the fullest pages."""
    courses = Course.objects.filter(patient__in=team.patients).annotate(
        recorded=Count("doses", filter=Q(doses__status__in=Dose.RECORDED))
    )
    open_courses = courses.filter(status=Course.Status.OPEN)
    chosen = (open_courses if open_courses.exists() else courses).order_by("-recorded", "pk")
    return chosen.select_related("patient__user").first()


def team_pages(team: Team) -> list[Page]:
    course = busiest_course(team)
    patient = course.patient
    nurse, clinician = signed_in(team.nurse), signed_in(team.clinician)
    feed = issue_feed(patient, by=team.clinician)
    if feed is None:
        raise RuntimeError(f"{patient} already has a calendar feed.")
    return [
        Page("Shift page", reverse("nurse-home"), nurse, "nurse"),
        Page("Clinician dashboard", reverse("clinician-home"), clinician, "clinician"),
        Page("Alerts", reverse("alert-list"), nurse, "nurse"),
        Page("Thyroid checks due", reverse("thyroid-due"), clinician, "clinician"),
        Page("Patient list", reverse("patient-list"), clinician, "clinician"),
        Page(
            "Patient detail", reverse("patient-detail", args=[patient.pk]), clinician, "clinician"
        ),
        Page("Course detail", reverse("course-detail", args=[course.pk]), clinician, "clinician"),
        Page("Flowsheet", reverse("flowsheet", args=[patient.pk]), nurse, "nurse"),
        Page("Patient's home", reverse("patient-home"), signed_in(patient.user), "patient"),
        Page(
            "Calendar feed (.ics)",
            reverse("calendar-feed", args=[feed.token]),
            signed_in(None),
            "no login",
        ),
    ]


# The admin ----------------------------------------------------------------------------


def big_tables(patients: int) -> list[tuple[type, int]]:
    """The project's admin changelists of tables with a row or more per patient, with
    their row counts, biggest first."""
    counts = [
        (model, model._default_manager.count())
        for model in admin.site._registry
        if model._meta.app_config.name.startswith(PROJECT_APPS)
    ]
    big = [(model, rows) for model, rows in counts if rows >= patients]
    return sorted(big, key=lambda pair: (-pair[1], pair[0]._meta.label))


def admin_pages(admin_user: User, patients: int) -> list[Page]:
    client = signed_in(admin_user)
    pages = []
    for model, rows in big_tables(patients):
        opts = model._meta
        path = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        pages.append(
            Page(f"Admin: {opts.verbose_name_plural} ({rows:,} rows)", path, client, "admin")
        )
    # The history tables have no changelist: a row's history page reads them.
    dose = Dose.objects.filter(status__in=Dose.RECORDED).order_by("pk").first()
    patient = Patient.objects.order_by("pk").first()
    for name, obj in (("dose", dose), ("patient", patient)):
        if obj is not None:
            opts = obj._meta
            path = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
            pages.append(Page(f"Admin: one {name}'s history", path, client, "admin"))
    return pages


def make_admin() -> User:
    return User.objects.create_with_role("bench-admin", Role.ADMIN, is_superuser=True)


# The run --------------------------------------------------------------------------------


def run(
    teams=TEAMS, changelists=CHANGELISTS, rounds: int = ROUNDS, progress=lambda text: None
) -> list[Timed]:
    """Seed the teams, biggest first, and time their pages; time the admin's changelists
    once the database holds each of `changelists` patients (seeding more if need be)."""
    rows: list[Timed] = []
    pending = sorted(changelists)
    admin_user = make_admin() if pending else None
    with override_settings(ROOT_URLCONF=URLCONF):

        def changelists_up_to(total: int) -> None:
            while pending and pending[0] <= total:
                pending.pop(0)
                progress(f"admin changelists at {total:,} patients")
                pages = admin_pages(admin_user, total)
                rows.extend(time_pages(pages, f"{total:,} patients", rounds))

        for size in sorted(teams, reverse=True):
            progress(f"seeding a team of {size:,}")
            team = seed_team(size)
            progress(f"pages of the team of {size:,}")
            total = Patient.objects.count()
            rows.extend(
                time_pages(team_pages(team), f"team of {size:,} ({total:,} in all)", rounds)
            )
            changelists_up_to(total)
        while pending:
            total = Patient.objects.count()
            progress(f"seeding {pending[0] - total:,} more patients")
            seed(pending[0] - total)
            changelists_up_to(Patient.objects.count())
    return rows


def database_version() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            check=True,
            cwd=settings.BASE_DIR,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def section(rows: list[Timed], rounds: int, measured_at=None) -> str:
    """This database's section of docs/benchmarks.md, titled with the day and commit."""
    at = measured_at or timezone.now()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    lines = [
        f"## pages against the floor on {connection.vendor}, {at:%Y-%m-%d} at {commit()}",
        "",
        f"Measured {at:%Y-%m-%d %H:%M} UTC, {database_version()}, Python "
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores (load "
        f"average {load} when it ended); {rounds} rounds. Ratio: the page's median over the "
        "median of the floor asked for just before it, with the same session.",
        "",
        "| page | size | as | median ms | floor ms | ratio | queries |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.size} | {r.who} | {r.median_ms:,.1f} | {r.floor_ms:,.1f} "
            f"| {r.ratio:,.2f} | {r.queries} |"
        )
    return "\n".join(lines) + "\n"

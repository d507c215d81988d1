"""Benchmarks: how long the heavy operations and pages take, and how much memory.

Run with `python manage.py benchmark`; the results go to docs/benchmarks.md.  They
run in a throwaway test database (SQLite unless DATABASE_URL says otherwise), so
real data is never touched.  Timings are medians of several runs on this machine;
compare them with each other and over time, not across machines.
"""

import platform
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regimens import calendar
from regimens.courses import start_course
from regimens.models import RegimenTemplate
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.exchange.fhir import patient_bundle
from tracker.patients.models import Patient

RUNS = 5
# The local wall-clock start the calendar arithmetic takes (naive on purpose).
LOCAL_START = datetime.fromisoformat("2027-03-10T08:00")


@dataclass
class Result:
    name: str
    size: str
    median_ms: float
    peak_kib: float | None = None
    queries: int | None = None


def measure(fn, runs=RUNS) -> tuple[float, float]:
    """(median milliseconds, peak KiB of Python allocations in one run)."""
    fn()  # warm caches, imports and the query plan
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1024


def plan(slug: str, cycles: int, treatment_days=None):
    template = RegimenTemplate.objects.get(slug=slug)
    schedule = template.schedule(treatment_days)
    return lambda: calendar.plan_course(schedule, LOCAL_START, "America/New_York", cycles)


def make_staff() -> tuple[User, User]:
    # No passwords: the benchmark signs its clients in directly.
    clinician = User.objects.create_with_role("bench-clinician", Role.CLINICIAN)
    nurse = User.objects.create_with_role("bench-nurse", Role.NURSE)
    return clinician, nurse


def make_patients(count: int, clinician, nurse, start, first: int = 0) -> list[Patient]:
    """`count` patients, each on a high-dose course that started at `start`."""
    patients = []
    for n in range(first, first + count):
        patient = Patient.objects.create(
            mrn=f"BENCH-{n:05d}",
            given_name="Bench",
            family_name=f"Patient {n:05d}",
            date_of_birth=date(1970, 1, 1),
            sex=Patient.Sex.FEMALE,
            height_cm=Decimal("170.0"),
            weight_kg=Decimal("70.0"),
            time_zone="America/New_York",
        )
        patient.care_team.set([clinician, nurse])
        start_course(
            patient=patient,
            created_by=clinician,
            template=RegimenTemplate.objects.get(slug="hd-iv-label"),
            start=start,
            time_zone=patient.time_zone,
            cycles=2,
            weight_kg=patient.weight_kg,
            height_cm=patient.height_cm,
        )
        patients.append(patient)
    return patients


def page(client, path):
    def get():
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    return get


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def run() -> list[Result]:
    results = []
    for slug, cycles, days, size in [
        ("hd-iv-label", 2, None, "28 doses"),
        ("sc-5on2off", 12, None, "240 doses"),
        ("sc-low-dose", 1, 365, "365 doses"),
    ]:
        ms, kib = measure(plan(slug, cycles, days))
        results.append(Result("Plan a calendar (pure, no database)", f"{slug}, {size}", ms, kib))

    clinician, nurse = make_staff()
    local_now = timezone.localtime(timezone.now(), calendar.ZoneInfo("America/New_York"))
    start = (local_now - timedelta(hours=2)).replace(tzinfo=None, second=0, microsecond=0)

    started = []
    ms, kib = measure(
        lambda: started.extend(make_patients(1, clinician, nurse, start, len(started)))
    )
    results.append(Result("Start a course (28 doses, with history)", "hd-iv-label", ms, kib))

    client = Client()
    client.force_login(nurse)
    existing = len(started)
    for total in (10, 50, 200):
        make_patients(total - existing, clinician, nurse, start, existing)
        existing = total
        fn = page(client, "/ward/")
        ms, kib = measure(fn)
        results.append(
            Result("Shift page, all patients", f"{total} patients", ms, kib, count_queries(fn))
        )
    clinician_client = Client()
    clinician_client.force_login(clinician)
    fn = page(clinician_client, "/clinic/")
    ms, kib = measure(fn)
    results.append(Result("Clinician home", f"{existing} patients", ms, kib, count_queries(fn)))

    patient = Patient.objects.order_by("pk").first()
    course = patient.courses.get()
    for path, name in [
        (f"/courses/{course.pk}/", "Course page"),
        (f"/courses/{course.pk}/summary/", "Course summary"),
        (f"/courses/{course.pk}/calendar.ics", "Course .ics download"),
    ]:
        fn = page(clinician_client, path)
        ms, kib = measure(fn)
        results.append(Result(name, "28 doses", ms, kib, count_queries(fn)))

    ms, kib = measure(lambda: patient_bundle(patient))
    results.append(Result("FHIR Bundle, built and validated", "1 patient, 28 doses", ms, kib))
    return results


HEADER = """# Benchmarks

Written by `python manage.py benchmark --write docs/benchmarks.md` (run it once
with SQLite and once with `DATABASE_URL` set to PostgreSQL: each database keeps
its own section). It runs `tracker/benchmarks.py` in a throwaway test database,
with DEBUG off. Times are the median of 5 runs after one warm-up; memory is the
peak of Python allocations in one run (tracemalloc), not the process's resident
size. Query counts that stay flat as data grows are also asserted by the tests;
these numbers show the time that is left.
"""


def section(results: list[Result]) -> str:
    """This database's section of docs/benchmarks.md."""
    lines = [
        f"## {connection.vendor}",
        "",
        f"Measured {timezone.now():%Y-%m-%d %H:%M} UTC, Python {platform.python_version()} "
        f"on {platform.machine()}.",
        "",
        "| what | size | median ms | peak KiB | queries |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        peak = f"{r.peak_kib:,.0f}" if r.peak_kib is not None else ""
        queries = "" if r.queries is None else str(r.queries)
        lines.append(f"| {r.name} | {r.size} | {r.median_ms:,.1f} | {peak} | {queries} |")
    return "\n".join(lines) + "\n"


def merge(existing: str, new_section: str) -> str:
    """The document with this database's section replaced (or added), others kept."""
    sections = {}
    for chunk in existing.split("\n## ")[1:]:
        name = chunk.split("\n", 1)[0].strip()
        sections[name] = "## " + chunk.rstrip() + "\n"
    sections[new_section.split("\n", 1)[0][3:].strip()] = new_section
    return HEADER + "".join("\n" + sections[name] for name in sorted(sections))

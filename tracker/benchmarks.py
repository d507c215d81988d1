"""Benchmarks: how long the heavy operations and pages take, and how much memory.

Run with `python manage.py benchmark`; the results go to docs/benchmarks.md.  They
run in a throwaway test database (SQLite unless DATABASE_URL says otherwise), so
real data is never touched.  Timings are medians of several runs on this machine;
compare them with each other and over time, not across machines.
"""

import os
import platform
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regimens import calendar
from regimens.courses import start_course
from regimens.models import RegimenTemplate
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert, Notification, OnCallShift
from tracker.alerts.rules import raise_alert
from tracker.benchmark_pages import signed_in
from tracker.exchange.fhir import patient_bundle
from tracker.lib.live_workers import MailSink, Workers, database_url, publishing_to
from tracker.patients.models import Patient, Ward
from tracker.symptoms.models import AdverseEvent, CtcaeTerm

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

    client = signed_in(nurse)
    existing = len(started)
    for total in (10, 50, 200):
        make_patients(total - existing, clinician, nurse, start, existing)
        existing = total
        fn = page(client, "/ward/")
        ms, kib = measure(fn)
        results.append(
            Result("Shift page, all patients", f"{total} patients", ms, kib, count_queries(fn))
        )
    clinician_client = signed_in(clinician)
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

The alert delivery sections are written by `python manage.py benchmark --alerts
1000 --write docs/benchmarks.md`: that many urgent alerts raised one after
another as fast as one process can (each a grade 4 event saved with its alert, in
one transaction), sent by real Celery workers (`--workers`, each one task at a
time) on Redis (`--broker`) to an SMTP server in the benchmark's process. The
latency is from an alert's `created_at` to its notification's `sent_at`. SQLite
lets one process write at a time, and the process raising the burst takes the lock
back as soon as it lets it go: there the workers send mostly after the burst. That
is the laptop set-up (`bin/run`); production runs on PostgreSQL.

The "pages against the floor" sections (`tracker/benchmark_pages.py`) time the
pages of a nurse and a clinician on the care team of every one of 50, 200 and
1,000 patients seeded by `tracker/scale.py` (`--teams`), and the admin's
changelists of the tables with a row or more per patient, as a superuser, at
1,000 patients (`--changelists`; `--scale 10000` adds 10,000). The floor is an
empty page behind the same middleware and signed-in session, in the benchmark's
own urlconf; each round asks for the floor, then a page, then the floor, then the
next page, so a busy machine slows both alike. The ratio (page median over floor
median) is the number to compare; `--pages` leaves out the operations above.
Each run keeps its own section, titled with its day and commit.
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


# Alert delivery on real workers ------------------------------------------------------


@dataclass
class Delivery:
    alerts: int
    workers: int
    broker: str
    raised_in_s: float
    all_sent_in_s: float
    latencies_s: list[float]
    messages: int

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[p - 1]


def run_alert_delivery(count: int, *, workers: int, broker_url: str, timeout=900) -> Delivery:
    """Raise `count` urgent alerts in a burst; time each from raising to "sent"."""
    clinician, nurse = make_staff()
    nurse.email = "bench-nurse@example.org"
    nurse.save()
    ward = Ward.objects.create(name="Bench ward")
    now = timezone.now()
    OnCallShift.objects.create(
        ward=ward,
        person=nurse,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=12),
        created_by=clinician,
    )
    patients = make_patients(10, clinician, nurse, start=LOCAL_START)
    Patient.objects.filter(pk__in=[p.pk for p in patients]).update(ward=ward)
    term, _ = CtcaeTerm.objects.get_or_create(
        version="5.0", term="Hypotension", defaults={"category": "Vascular disorders"}
    )
    with (
        MailSink() as sink,
        Workers(
            workers,
            broker_url=broker_url,
            database_url=database_url(connection.settings_dict),
            env={
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(sink.port),
            },
        ),
        publishing_to(broker_url),
    ):
        start = time.perf_counter()
        for n in range(count):
            with transaction.atomic():
                raise_urgent_alert(patients[n % len(patients)], term, nurse)
        raised = time.perf_counter() - start
        sent = Notification.objects.filter(status=Notification.Status.SENT)
        deadline = time.monotonic() + timeout
        while sent.count() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Only {sent.count()} of {count} sent in {timeout} s.")
            time.sleep(0.5)
        messages = len(sink.messages)
    rows = list(sent.values_list("sent_at", "alert__created_at"))
    first_raised = min(created for _, created in rows)
    return Delivery(
        alerts=count,
        workers=workers,
        broker=broker_url.split("://", 1)[0],
        raised_in_s=raised,
        all_sent_in_s=(max(sent_at for sent_at, _ in rows) - first_raised).total_seconds(),
        latencies_s=[(sent_at - created).total_seconds() for sent_at, created in rows],
        messages=messages,
    )


def raise_urgent_alert(patient, term, nurse) -> Alert:
    at = timezone.now()
    event = AdverseEvent.objects.create(
        patient=patient,
        term=term,
        ctcae_version=term.version,
        grade=4,
        onset_at=at,
        attribution="possible",
        recorded_by=nurse,
    )
    return raise_alert(
        patient=patient,
        trigger=Alert.Trigger.STAFF_GRADE,
        severity=Alert.Severity.URGENT,
        adverse_event=event,
        text="Hypotension, grade 4.",
    )


def delivery_section(d: Delivery) -> str:
    """This database's alert delivery section of docs/benchmarks.md."""
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (
        "\n".join(
            [
                f"## alert delivery on {connection.vendor}",
                "",
                f"Measured {timezone.now():%Y-%m-%d %H:%M} UTC, Python {platform.python_version()} "
                f"on {platform.machine()}, {os.cpu_count()} cores (load average {load} when it "
                f"ended); {d.workers} workers on {d.broker}, SMTP on 127.0.0.1.",
                "",
                "| alerts | raised in s | all sent in s | p50 s | p95 s | max s | e-mails |",
                "|---:|---:|---:|---:|---:|---:|---:|",
                f"| {d.alerts:,} | {d.raised_in_s:.1f} | {d.all_sent_in_s:.1f} "
                f"| {d.percentile(50):.2f} | {d.percentile(95):.2f} | {max(d.latencies_s):.2f} "
                f"| {d.messages:,} |",
            ]
        )
        + "\n"
    )

"""The load test: simulated nurses, patients and clinicians against gunicorn on PostgreSQL.

`manage.py benchmark --load` makes a database for the run (never one with real
patients: it is created here and dropped at the end), migrates it, seeds made-up
patients (`tracker.scale`), gives the personas a password and, for staff, backup
codes, and picks what each will write: due doses of its own team that the app
would accept now, and open alerts.  Then it serves the app with gunicorn (DEBUG
off, settings from the environment as in docs/deploy.md), runs the users of
bench/locustfile.py with locust, and checks that each write the app answered as
saved made exactly one record.
"""

import csv
import io
import json
import math
import os
import platform
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

from regimens.courses import start_course
from regimens.models import Dose, RegimenTemplate
from tracker import scale
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.accounts.second_factor import issue_backup_codes
from tracker.alerts.models import Alert
from tracker.lib.records import Refused
from tracker.patients.models import Patient
from tracker.symptoms.models import SymptomReport
from tracker.ward.models import DoseRecord
from tracker.ward.recording import RecordRefused, record_check, record_dose
from tracker.ward.sites import ROTATION

SECTION = "load test on postgresql"
PASSWORD = "load-test-" + "x" * 8  # made-up users in a throwaway database
# Shares of the simulated users; clinicians take the rest.
NURSES, PATIENTS = 0.4, 0.4
MIN_USERS = 3
# The run the issue's targets are set for; another count's section is kept beside it.
DEFAULT_USERS = 50
# One dose in this many is submitted twice at once, as a double click.
DOUBLE_EVERY = 5
# How often a simulated nurse records a dose: one round (shift page, flowsheet, check,
# form, record) and a wait, about every 4 s when the app keeps up.
SECONDS_PER_DOSE = 4
# The widest recording window (subcutaneous, 12 h); the dry run decides within it.
DUE_WITHIN = timedelta(hours=12)


class _Rollback(Exception):
    pass


# Choosing what the simulated users do -------------------------------------------------


def _accounts(role: Role) -> list[User]:
    return list(
        User.objects.filter(groups__name=role, username__startswith="scale").order_by("pk")
    )


def _share(users: int) -> dict[Role, int]:
    """How many simulated users of each kind: at least one of each (so `users` >= 3)."""
    if users < MIN_USERS:
        raise ValueError(f"A load test needs at least {MIN_USERS} users, one of each kind.")
    nurses = min(max(1, round(users * NURSES)), users - 2)
    patients = min(max(1, round(users * PATIENTS)), users - nurses - 1)
    return {Role.NURSE: nurses, Role.PATIENT: patients, Role.CLINICIAN: users - nurses - patients}


def _accepted_now(dose: Dose, nurse: User, now) -> bool:
    """Whether the app would take a check and a given record of `dose` from `nurse` now.

    Tried for real, then rolled back: the rules (windows, the double-dose guard,
    urgent alerts, the chart's hold rules) are the app's own.
    """
    try:
        with transaction.atomic():
            check = None
            if dose.course.needs_pre_dose_check:
                check, held = record_check(
                    dose, by=nurse, decision="give", now=now, **scale.NORMAL_READINGS
                )
                if held:
                    return False
            record_dose(
                dose,
                by=nurse,
                now=now,
                outcome="given",
                given_at=now,
                given_by=nurse,
                amount_iu=dose.dose_iu or dose.course.dose_iu,
                injection_site="" if check else ROTATION[0],
                pre_dose_check=check,
            )
            raise _Rollback
    except _Rollback:
        return True
    except RecordRefused:
        return False


def due_doses(nurse: User, now) -> list[Dose]:
    """At most one dose per course (the next would wait for this one), all accepted now."""
    candidates = (
        Dose.objects.filter(
            status=Dose.Status.SCHEDULED,
            course__patient__care_team=nurse,
            planned_at__range=(now - DUE_WITHIN, now + DUE_WITHIN),
        )
        .select_related("course__patient", "course__template")
        .order_by("course", "planned_at")
    )
    doses, courses = [], set()
    for dose in candidates:
        if dose.course_id not in courses:
            courses.add(dose.course_id)
            if _accepted_now(dose, nurse, now):
                doses.append(dose)
    return doses


def admit(nurse: User, wanted: int, now) -> int:
    """Start high-dose courses whose first dose was due 20 minutes ago, for patients of
    `nurse` with none open, so the nurse has `wanted` doses to record; how many started.

    At any one moment a seeded ward has only a few doses due, one per course in its
    window; a load test needs more of them.
    """
    template = RegimenTemplate.objects.get(slug="hd-iv-label")
    started = 0
    for patient in nurse.care_patients.exclude(courses__doses__planned_at__gte=now).order_by("pk"):
        if started >= wanted:
            break
        clinician = patient.care_team.filter(groups__name=Role.CLINICIAN).first()
        start = (now - timedelta(minutes=20)).astimezone(patient.zone).replace(tzinfo=None)
        try:
            with transaction.atomic():
                start_course(
                    patient=patient,
                    created_by=clinician,
                    reason="Admitted for the load test",
                    override_reason="Made-up patient admitted for the load test",
                    template=template,
                    start=start,
                    time_zone=patient.time_zone,
                    cycles=template.default_cycles,
                    weight_kg=patient.weight_kg,
                    height_cm=patient.height_cm,
                )
        except Refused:
            continue
        started += 1
    return started


def _signing_in(accounts: list[User], codes_each: int) -> dict[int, list[str]]:
    User.objects.filter(pk__in=[u.pk for u in accounts]).update(password=make_password(PASSWORD))
    if not codes_each:
        return {}
    return {u.pk: issue_backup_codes(u, codes_each) for u in accounts}


def make_plan(users: int, run: str, *, seconds: int = 60, now=None) -> dict:
    """Who each simulated user is and what it writes (bench/locustfile.py reads it)."""
    now = now or timezone.now()
    share = _share(users)
    plan: dict = {"run": run, "password": PASSWORD, "nurse": [], "patient": [], "clinician": []}
    nurses = _accounts(Role.NURSE)[: share[Role.NURSE]]
    clinicians = _accounts(Role.CLINICIAN)[: share[Role.CLINICIAN]]
    # Each account may be shared by several simulated users, each signing in once.
    codes = _signing_in(nurses + clinicians, codes_each=users)
    personas_per_nurse = -(-share[Role.NURSE] // len(nurses))
    for nurse in nurses:
        admit(nurse, personas_per_nurse * seconds // SECONDS_PER_DOSE, now)
        doses = [
            {"id": d.pk, "patient": d.course.patient_id, "check": d.course.needs_pre_dose_check}
            for d in due_doses(nurse, now)
        ]
        for i in range(personas_per_nurse):
            mine = doses[i::personas_per_nurse]
            for n, dose in enumerate(mine):
                # Early in each nurse's list, so that a short run has some.
                dose["double"] = n % DOUBLE_EVERY == i % DOUBLE_EVERY
            plan["nurse"].append(_staff(nurse, codes, i, doses=mine))
    for clinician in clinicians:
        alerts = list(
            Alert.objects.filter(patient__care_team=clinician, acknowledged_at__isnull=True)
            .order_by("-created_at")
            .values_list("pk", flat=True)
        )
        personas = -(-share[Role.CLINICIAN] // len(clinicians))
        for i in range(personas):
            plan["clinician"].append(_staff(clinician, codes, i, alerts=alerts[i::personas]))
    plan["nurse"] = plan["nurse"][: share[Role.NURSE]]
    plan["clinician"] = plan["clinician"][: share[Role.CLINICIAN]]
    patients = list(
        Patient.objects.filter(courses__doses__planned_at__gte=now, user__isnull=False)
        .distinct()
        .order_by("pk")[: share[Role.PATIENT]]
    )
    _signing_in([p.user for p in patients], codes_each=0)
    plan["patient"] = [{"username": p.user.username, "patient": p.pk} for p in patients]
    return plan


def _staff(user: User, codes: dict, i: int, **writes) -> dict:
    patients = list(user.care_patients.order_by("pk").values_list("pk", flat=True)[:20])
    return {
        "username": user.username,
        "codes": codes[user.pk][i : i + 1],
        "patients": patients,
        **writes,
    }


# Checking the writes ------------------------------------------------------------------


@dataclass
class Check:
    """Records made per key against the writes the app answered as saved."""

    what: str
    saved: int
    exactly_one: int = 0
    duplicated: list = field(default_factory=list)  # more records than saves
    missing: list = field(default_factory=list)  # a save with no record
    unreported: list = field(default_factory=list)  # a record no one was told was saved
    # A record made for a write whose answer never came: the run stopped waiting.
    in_flight: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.duplicated or self.missing or self.unreported)


def compare(what: str, saved: Counter, made: Counter, unanswered: Counter | None = None) -> Check:
    """Sort each key by records made against saves; `unanswered` counts writes sent
    whose answer never came, which may have made a record."""
    unanswered = unanswered or Counter()
    check = Check(what, sum(saved.values()))
    for key in sorted(set(saved) | set(made)):
        extra = made[key] - saved[key]
        if extra < 0:
            check.missing.append(key)
            continue
        check.exactly_one += saved[key] if extra <= unanswered[key] else 0
        if 0 < extra <= unanswered[key]:
            check.in_flight.append(key)
        elif extra and saved[key]:
            check.duplicated.append(key)
        elif extra:
            check.unreported.append(key)
    return check


def check_writes(writes: list[dict], plan: dict, since: datetime) -> list[Check]:
    """Query the database for the records behind the saved writes (and any others)."""
    saved: dict[str, Counter] = {
        "dose": Counter(),
        "report": Counter(),
        "acknowledgement": Counter(),
    }
    unanswered: dict[str, Counter] = {kind: Counter() for kind in saved}
    for write in writes:
        if write["kind"] in saved:
            saved[write["kind"]][write["key"]] += 1
        elif write["kind"] == "sent":
            unanswered[write["what"]][write["key"]] += 1
        elif write["kind"] == "answered":
            unanswered[write["what"]][write["key"]] -= 1
    doses = [d["id"] for nurse in plan["nurse"] for d in nurse["doses"]]
    patients = [p["patient"] for p in plan["patient"]]
    alerts = [a for clinician in plan["clinician"] for a in clinician["alerts"]]
    made = {
        # Every record, in error or not: a write should make one, once.
        "dose": Counter(
            DoseRecord.objects.filter(dose__in=doses).values_list("dose_id", flat=True)
        ),
        "report": Counter(
            SymptomReport.objects.filter(patient__in=patients, reported_at__gte=since).values_list(
                "patient_id", flat=True
            )
        ),
        "acknowledgement": Counter(
            Alert.objects.filter(pk__in=alerts, acknowledged_at__gte=since).values_list(
                "pk", flat=True
            )
        ),
    }
    return [
        compare(f"{name} (by {by})", saved[kind], made[kind], unanswered[kind])
        for kind, name, by in (
            ("dose", "dose records", "dose"),
            ("report", "symptom reports", "patient"),
            ("acknowledgement", "alert acknowledgements", "alert"),
        )
    ]


def double_submits(writes: list[dict]) -> str:
    doubles = [w for w in writes if w["kind"] == "double"]
    clear = sum(1 for w in doubles if w["answers"] == [200, 302] and w["said_already"])
    return (
        f"{len(doubles)} doses submitted twice at once: {clear} gave one record and, to the "
        "second submit, the form saying the dose was already recorded"
        + ("." if clear == len(doubles) else f"; the others answered {_others(doubles)}.")
    )


def _others(doubles: list[dict]) -> str:
    counts = Counter(
        "+".join(map(str, w["answers"])) for w in doubles if w["answers"] != [200, 302]
    )
    return ", ".join(f"{answers} ×{n}" for answers, n in sorted(counts.items())) or "the same"


# The report ---------------------------------------------------------------------------


def stats_table(stats_csv: str) -> str:
    """Locust's `_stats.csv` as a Markdown table, sign-in apart from the rest."""
    rows = list(csv.DictReader(io.StringIO(stats_csv)))
    lines = [
        "| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total = [r for r in rows if r["Name"] == "Aggregated"]
    named = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"])
    for row in named + total:
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"| {name} | {int(row['Request Count']):,} | {int(row['Failure Count']):,} "
            f"| {float(row['Requests/s']):,.1f} | {_ms(row['50%'])} | {_ms(row['95%'])} "
            f"| {_ms(row['99%'])} |"
        )
    working = [r for r in named if not r["Name"].startswith("sign in")]
    requests = sum(int(r["Request Count"]) for r in working)
    rps = sum(float(r["Requests/s"]) for r in working)
    failures = sum(int(r["Failure Count"]) for r in working)
    lines.append(f"| all but sign-in | {requests:,} | {failures:,} | {rps:,.1f} | | | |")
    return "\n".join(lines) + "\n"


def percentile(sorted_ms: list[float], share: float) -> float:
    """The nearest-rank percentile of times already sorted."""
    rank = max(1, math.ceil(share * len(sorted_ms)))
    return sorted_ms[rank - 1]


def steady_state(timings: list[list]) -> tuple[float, str]:
    """From each request's [name, start, ms, failed]: how long the steady state lasted
    (from the moment the last user had signed in to the last request), and its table.

    Every user signs in in the first seconds, and the password hash is slow on purpose:
    pages asked for meanwhile wait behind it.  This is the ward after the change of shift.
    """
    sign_ins = [t for t in timings if t[0].startswith("sign in")]
    if not sign_ins or not timings:
        return 0.0, ""
    since = max(start + ms / 1000 for _name, start, ms, _failed in sign_ins)
    later = [t for t in timings if not t[0].startswith("sign in") and t[1] >= since]
    if not later:
        return 0.0, ""
    lasted = max(start for _name, start, _ms, _failed in later) - since
    by_name: dict[str, list] = {}
    for row in later:
        by_name.setdefault(row[0], []).append(row)
    lines = [
        "| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rows in [*sorted(by_name.items()), ("**all but sign-in**", later)]:
        times = sorted(ms for _name, _start, ms, _failed in rows)
        failed = sum(1 for row in rows if row[3])
        rate = len(rows) / lasted if lasted else 0.0
        lines.append(
            f"| {name} | {len(rows):,} | {failed:,} | {rate:,.1f} | "
            + " | ".join(f"{percentile(times, p):,.0f}" for p in (0.5, 0.95, 0.99))
            + " |"
        )
    return lasted, "\n".join(lines) + "\n"


def _ms(value: str) -> str:
    return "" if value in ("", "N/A") else f"{float(value):,.0f}"


def failures_list(failures_csv: str, limit: int = 10) -> str:
    rows = sorted(csv.DictReader(io.StringIO(failures_csv)), key=lambda r: -int(r["Occurrences"]))
    return "".join(
        f"- {r['Name']}: {r['Error']} (×{int(r['Occurrences']):,})\n" for r in rows[:limit]
    )


@dataclass
class Run:
    users: int
    seconds: int
    workers: int
    patients: int
    started: datetime
    load_before: tuple
    load_after: tuple
    commit: str
    stats_csv: str
    failures_csv: str
    timings: list[list]
    checks: list[Check]
    doubles: str
    planned: dict


def _count(planned: dict, kind: str) -> str:
    n = len(planned[kind])
    return f"{n} {kind}" if n == 1 else f"{n} {kind}s"


def section(run: Run) -> str:
    """The load test's section of docs/benchmarks.md."""
    before = ", ".join(f"{x:.2f}" for x in run.load_before)
    after = ", ".join(f"{x:.2f}" for x in run.load_after)
    heading = SECTION if run.users == DEFAULT_USERS else f"{SECTION}, {run.users} users"
    lines = [
        f"## {heading}",
        "",
        "Written by `python manage.py benchmark --load --write docs/benchmarks.md` with",
        "`DATABASE_URL` pointing at a PostgreSQL server (it needs the `bench` extra:",
        '`pip install -e ".[bench]"`). It creates a database for the run (`il2_load_<pid>`),',
        "seeds made-up patients with `seed_scale`, serves the app with gunicorn (DEBUG",
        "off) and runs the simulated users of `bench/locustfile.py` with locust, then",
        "drops the database. Nurses open the shift page and a flowsheet, take a pre-dose",
        "check where the course needs one and record a due dose of their own team as",
        "given (each nurse's first or second dose, and one in"
        f" {DOUBLE_EVERY} after, submitted twice at once, as a double click);",
        "patients open their home page and calendar and report a side effect; clinicians",
        "open the clinic page, the alerts and a patient, and acknowledge an alert. Each",
        "user signs in once, at the start (password, and a backup code for staff):",
        "those rows are apart. Options: `--users`, `--seconds`, `--workers`, `--patients`.",
        "",
        f"Measured {run.started:%Y-%m-%d %H:%M} UTC at commit {run.commit}, Python "
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores "
        f"shared with other jobs (load average {before} before, {after} after); "
        f"gunicorn with {run.workers} sync workers, {run.users} users "
        f"({_count(run.planned, 'nurse')}, {_count(run.planned, 'patient')}, "
        f"{_count(run.planned, 'clinician')}) for {run.seconds} s, "
        f"{run.patients:,} seeded patients; locust in the same machine.",
        "",
        stats_table(run.stats_csv),
    ]
    lasted, steady = steady_state(run.timings)
    if steady:
        lines += [
            f"Steady state: the {lasted:.0f} s from the moment the last user had signed in "
            "(pages asked for during the sign-ins wait behind the password hashes):",
            "",
            steady,
        ]
    failures = failures_list(run.failures_csv)
    if failures:
        lines += ["Failures:", "", failures]
    lines += ["Exactly one record per write answered as saved:", ""]
    for check in run.checks:
        verdict = (
            "ok"
            if check.ok
            else (
                f"{len(check.duplicated)} duplicated, {len(check.missing)} missing, "
                f"{len(check.unreported)} made but not reported as saved"
            )
        )
        if check.in_flight:
            verdict += (
                f"; and {len(check.in_flight)} made for a write sent as the run stopped, "
                "its answer not waited for"
            )
        lines.append(
            f"- {check.what}: {check.saved:,} saved, {check.exactly_one:,} exactly one; {verdict}."
        )
    lines += [f"- {run.doubles}", ""]
    return "\n".join(lines)


# Running it ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(db: dict) -> str:
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped at start; see its log.")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=5):  # noqa: S310 (our own server)
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within two minutes.")


def _commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


def production_workers() -> int:
    """The worker count gunicorn.conf.py gives this machine (as in production)."""
    return runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))["workers"]


def run(*, users: int, seconds: int, workers: int | None, patients: int, say=print) -> Run:
    """The whole load test, in a database made for it and dropped after; gunicorn with
    `workers`, or as many as gunicorn.conf.py gives this machine."""
    workers = workers or production_workers()
    if connection.vendor != "postgresql":
        raise RuntimeError("The load test runs on PostgreSQL: set DATABASE_URL to a server.")
    if not (Path(sys.executable).parent / "locust").exists():
        raise RuntimeError('The load test needs locust: pip install -e ".[bench]".')
    name = f"il2_load_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            raise RuntimeError(f"A database called {name} exists already; nothing was done.")
    connections["default"].settings_dict["TEST"]["NAME"] = name
    out = settings.BASE_DIR / "var" / "load" / name
    out.mkdir(parents=True, exist_ok=True)
    say(f"Creating and migrating {name}…")
    databases = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        return _run_in(
            out, users=users, seconds=seconds, workers=workers, patients=patients, say=say
        )
    finally:
        connections.close_all()
        teardown_databases(databases, verbosity=0)
        say(f"Dropped {name}.")


def _run_in(out: Path, *, users, seconds, workers, patients, say) -> Run:
    say(f"Seeding {patients:,} patients…")
    scale.seed_patients(patients)
    run_tag = secrets.token_hex(4)
    plan = make_plan(users, run_tag, seconds=seconds)
    say(
        f"Personas: {len(plan['nurse'])} nurses with "
        f"{sum(len(n['doses']) for n in plan['nurse'])} due doses, {len(plan['patient'])} "
        f"patients, {len(plan['clinician'])} clinicians with "
        f"{sum(len(c['alerts']) for c in plan['clinician'])} open alerts."
    )
    (out / "plan.json").write_text(json.dumps(plan))
    writes = out / "writes.jsonl"
    writes.write_text("")
    timings = out / "timings.jsonl"
    timings.write_text("")
    db = connections["default"].settings_dict
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(db),
        "SITE_URL": url,
        "WARD_PHONE": os.environ.get("WARD_PHONE", "+44 20 7946 0000"),
        # Alerts raised during the run are queued in memory and never sent.
        "CELERY_BROKER_URL": "memory://",
        # Plain HTTP on loopback: no TLS proxy in front.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    bin_dir = Path(sys.executable).parent
    # Collected with the server's settings: with DEBUG off the pages ask for the
    # hashed names of the manifest, which a collection with DEBUG on does not write.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    connections.close_all()
    started = timezone.now()
    with (out / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [bin_dir / "gunicorn", "tracker.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(url, server)
            load_before = os.getloadavg()
            say(
                f"Running {users} users for {seconds} s against {url} (load {load_before[0]:.2f})…"
            )
            locust_env = {
                **os.environ,
                "LOAD_PLAN": str(out / "plan.json"),
                "LOAD_WRITES": str(writes),
                "LOAD_TIMINGS": str(timings),
                "PYTHONPATH": str(settings.BASE_DIR),
            }
            subprocess.run(  # noqa: S603
                [
                    bin_dir / "locust",
                    "-f",
                    settings.BASE_DIR / "bench" / "locustfile.py",
                    "--headless",
                    "-u",
                    str(users),
                    "-r",
                    "10",
                    "-t",
                    f"{seconds}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    url,
                    "--csv",
                    out / "locust",
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=settings.BASE_DIR,
                env=locust_env,
                check=False,  # locust exits 1 when any request failed: reported below
            )
            load_after = os.getloadavg()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    lines = [json.loads(line) for line in writes.read_text().splitlines() if line]
    return Run(
        users=users,
        seconds=seconds,
        workers=workers,
        patients=patients,
        started=started,
        load_before=load_before,
        load_after=load_after,
        commit=_commit(),
        stats_csv=(out / "locust_stats.csv").read_text(),
        failures_csv=(out / "locust_failures.csv").read_text(),
        timings=[json.loads(line) for line in timings.read_text().splitlines() if line],
        checks=check_writes(lines, plan, started),
        doubles=double_submits(lines),
        planned=plan,
    )

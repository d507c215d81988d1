from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.factories import (
    Client,
    PasswordOnlyClient,
    PatientFactory,
    make_course,
    make_user,
    verified,
)
from tracker.accounts.roles import Role


@dataclass
class Personas:
    """One patient and everyone who might try to reach their record."""

    patient: object  # the Patient record the personas are about
    the_patient: object  # its own login
    other_patient: object
    nurse_on_team: object
    nurse_off_team: object
    clinician_on_team: object
    clinician_off_team: object
    admin: object
    anonymous: object


@pytest.fixture
def personas(db) -> Personas:
    the_patient = make_user(Role.PATIENT, username="patient")
    other_patient = make_user(Role.PATIENT, username="other-patient")
    nurse_on_team = make_user(Role.NURSE, username="nurse-on-team")
    clinician_on_team = make_user(Role.CLINICIAN, username="clinician-on-team")
    patient = PatientFactory(user=the_patient, care_team=[nurse_on_team, clinician_on_team])
    PatientFactory(user=other_patient)
    return Personas(
        patient=patient,
        the_patient=the_patient,
        other_patient=other_patient,
        nurse_on_team=nurse_on_team,
        nurse_off_team=make_user(Role.NURSE, username="nurse-off-team"),
        clinician_on_team=clinician_on_team,
        clinician_off_team=make_user(Role.CLINICIAN, username="clinician-off-team"),
        # Verified, as after the second factor, for tests that call the ORM directly.
        admin=verified(make_user(Role.ADMIN, username="admin")),
        anonymous=AnonymousUser(),
    )


@pytest.fixture
def client() -> Client:
    """pytest-django's client, but `force_login` of staff also gives the second factor.

    Every staff page asks for a code after the password; tests of pages sign in as
    someone who gave it. `password_only_client` is the client without it.
    """
    return Client()


@pytest.fixture
def password_only_client() -> PasswordOnlyClient:
    """A client whose `force_login` is the password alone, before the second step."""
    return PasswordOnlyClient()


@pytest.fixture
def as_persona(client, personas):
    """Sign the test client in as the named persona (staff with the second factor)."""

    def sign_in(name: str):
        user = getattr(personas, name)
        if user.is_authenticated:
            client.force_login(user)
        return client

    return sign_in


def _database_order(item) -> int:
    """pytest-django's order: tests in a rolled-back transaction, then transactional tests
    (browser, concurrency), then tests without the database."""
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    transactional = transactional or {"transactional_db", "live_server"} & set(item.fixturenames)
    if transactional:
        return 1
    return 0 if marker or "db" in item.fixturenames else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run every transactional test after all the others, whatever pytest did since.

    A transactional test empties the tables when it ends, and with them what the data
    migrations wrote (templates, rules, role groups).  pytest-django sorts them last,
    but pytest then regroups tests that share a parametrised session fixture (the
    browser tests' Chromium), which can put them before other database tests.
    """
    items.sort(key=_database_order)


@pytest.fixture
def shipped_data(db):
    """The templates, hold rules, CTCAE terms and PRO-CTCAE items the app ships.

    Transactional tests (browser, concurrency) flush the tables, and with them
    what data migrations wrote, for the tests that follow.
    """
    from tracker import shipped

    shipped.load_all(reset=True)


@pytest.fixture(autouse=True)
def clock(request):
    """Freeze the clock for a test marked `@pytest.mark.now("2027-03-12 12:00Z")`.

    The marker takes what `time_machine.travel` takes (an ISO string or an aware
    datetime); the closest marker wins, so a test can override its module's
    `pytestmark`. The clock does not tick: two reads give the same instant.
    Yields the traveller (for `clock.move_to(...)`), or None for an unmarked test.
    """
    marker = request.node.get_closest_marker("now")
    if marker is None:
        yield None
        return
    with time_machine.travel(*marker.args, tick=False) as traveller:
        yield traveller


@pytest.fixture
def now(clock) -> datetime:
    """The instant the `now` marker froze the clock at."""
    if clock is None:
        pytest.fail("the `now` fixture needs a @pytest.mark.now(...) on the test or module")
    return timezone.now()


@pytest.fixture
def course(personas):
    """A high-dose IV label course from 2027-03-10 08:00 New York: dose 1 at 13:00 UTC.

    Started by the clinician on the patient's team. A module that needs another
    course overrides this fixture (it may ask for this one as `course`).
    """
    return make_course(personas.patient, by=personas.clinician_on_team)


@pytest.fixture
def raise_alert():
    """Raise a care-team alert about `patient` the way the app does: a staff-graded event.

    Grade 4 hypotension raises an urgent alert, grade 3 a high one.
    """

    from tracker.symptoms.models import CtcaeTerm
    from tracker.symptoms.reporting import record_event

    def raise_it(patient, by, *, grade=4, at, term="Hypotension"):
        term = CtcaeTerm.objects.get(version="5.0", term=term)
        event = record_event(
            patient, term, by=by, grade=grade, onset_at=at, attribution="possible", now=at
        )
        return event.alerts.get()

    return raise_it


@pytest.fixture
def alerts(personas, dose, raise_alert):
    """An urgent, a high and a routine alert about the patient, raised in the reverse of severity.

    Raised two hours before the module's `dose`.
    """
    from tracker.alerts.models import Alert

    nurse, at = personas.nurse_on_team, dose.planned_at - timedelta(hours=2)
    routine = raise_alert(personas.patient, nurse, at=at, grade=3, term="Hypotension")
    routine.severity = Alert.Severity.ROUTINE
    routine.save()
    high = raise_alert(personas.patient, nurse, at=at, grade=3, term="Capillary leak syndrome")
    urgent = raise_alert(personas.patient, nurse, at=at, grade=4)
    return urgent, high, routine


@pytest.fixture
def back_to_the_latest_schema():
    """Migrate every app forward again after a test that migrated back.

    Migrating an app back also unapplies the other apps' migrations that depend on
    it; the tests that run after this one need the whole schema.
    """
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# The read-access log's insert: every page that shows a patient's data writes one.
ACCESS_LOG_INSERT = 'INSERT INTO "patients_recordaccess"'


def _assert_queries_besides_the_log(config, num, exact=True, connection=None, info=None):
    """pytest-django's query count, with the read-access log's insert counted apart.

    A page's budget is its own queries; the log adds at most one insert per request
    (tracker.patients.access_log), which is asserted here for every budgeted page.
    """
    from django.core.signals import request_started
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext

    requests = []

    def count_request(**kwargs):
        requests.append(1)

    request_started.connect(count_request)
    try:
        with CaptureQueriesContext(connection or default_connection) as context:
            yield context
    finally:
        request_started.disconnect(count_request)
    sqls = [q["sql"] for q in context.captured_queries]
    inserts = sum(sql.startswith(ACCESS_LOG_INSERT) for sql in sqls)
    if inserts > len(requests):
        pytest.fail(f"The read-access log wrote {inserts} inserts for {len(requests)} requests")
    performed = len(sqls) - inserts
    if performed != num if exact else performed > num:
        shown = "\n\n".join(sqls) if config.getoption("verbose") > 0 else "(add -v to show them)"
        pytest.fail(
            f"Expected {num} queries{'' if exact else ' or less'} besides the read-access log's "
            f"insert, but {performed} were done{chr(10) + info if info else ''}\n{shown}"
        )


@pytest.fixture
def django_assert_num_queries(pytestconfig):
    return lambda num, **kwargs: contextmanager(_assert_queries_besides_the_log)(
        pytestconfig, num, **kwargs
    )


@pytest.fixture
def django_assert_max_num_queries(pytestconfig):
    return lambda num, **kwargs: contextmanager(_assert_queries_besides_the_log)(
        pytestconfig, num, exact=False, **kwargs
    )

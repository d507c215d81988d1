"""Factories for test data: every default can be overridden by keyword."""

from datetime import date, timedelta
from decimal import Decimal

import django.test
import factory
from django.contrib.auth.models import Group

from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.patients.models import Patient

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


def make_user(role: Role | None = None, **kwargs) -> User:
    """A user in one role group; admins can also enter the Django admin."""
    kwargs.setdefault("is_staff", role == Role.ADMIN)
    user = UserFactory(**kwargs)
    if role:
        # get_or_create: transactional (browser) tests flush the groups the migrations made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    mrn = factory.Sequence(lambda n: f"MRN-{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = date(1970, 6, 15)
    sex = Patient.Sex.FEMALE
    height_cm = Decimal("170.0")
    weight_kg = Decimal("70.0")
    time_zone = "America/New_York"

    @factory.post_generation
    def care_team(self, create, extracted, **kwargs):
        if create and extracted:
            self.care_team.set(extracted)


def verified(user):
    """`user` as OTPMiddleware leaves it after a second factor: in tests that skip requests."""
    user.is_verified = lambda: True
    return user


TEST_DEVICE = "Test backup codes"


def verify_session(client, user):
    """Mark `client`'s session verified by a second factor, as after a code at sign-in."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _ = StaticDevice.objects.get_or_create(user=user, name=TEST_DEVICE)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sign_in_with_second_factor(client, user):
    """Sign `client` in as `user`, verified by a second factor, whatever the client."""
    django.test.Client.force_login(client, user)
    return verify_session(client, user)


class Client(django.test.Client):
    """The test client; `force_login` of anyone asked for a second factor also verifies it.

    Tests of the second step itself use `PasswordOnlyClient` (the `password_only_client`
    fixture), whose sessions hold the password alone.
    """

    def force_login(self, user, backend=None):
        from tracker.accounts.second_factor import requires_second_factor

        super().force_login(user, backend)
        if requires_second_factor(user):
            verify_session(self, user)


class PasswordOnlyClient(django.test.Client):
    """The test client as it is: a forced login is a session with the password alone."""


def a_backup_code(user) -> str:
    """One new backup code for `user`, to type at the second step in a test."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _ = StaticDevice.objects.get_or_create(user=user, name=TEST_DEVICE)
    return device.token_set.create(token=StaticToken.random_token()).token


def make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00", by=None, **choices):
    """Start a real course (with its doses) from a shipped template."""
    from datetime import datetime

    from regimens.courses import start_course
    from regimens.models import RegimenTemplate

    template = RegimenTemplate.objects.get(slug=slug)
    choices.setdefault("cycles", template.default_cycles)
    choices.setdefault("time_zone", patient.time_zone)
    choices.setdefault("weight_kg", patient.weight_kg)
    choices.setdefault("height_cm", patient.height_cm)
    return start_course(
        patient=patient,
        created_by=by or make_user(Role.CLINICIAN),
        template=template,
        start=datetime.fromisoformat(start),
        **choices,
    )


# Pre-dose observations that fire none of the shipped hold rules.
NORMAL_OBSERVATIONS = {
    "systolic_bp": 120,
    "heart_rate": 80,
    "temperature_c": Decimal("37.0"),
    "spo2": 97,
    "mental_status": "normal",
    "on_pressors": False,
}


def record_given(dose, by, **fields):
    """Record `dose` as given at its planned time, by `by`, through the real service."""
    from tracker.ward.recording import latest_valid_check, record_dose

    fields.setdefault("given_at", dose.planned_at)
    fields.setdefault("amount_iu", dose.prescribed_iu)
    fields.setdefault("given_by", by)
    now = fields.pop("now", fields["given_at"])
    if dose.course.needs_pre_dose_check and not latest_valid_check(dose, fields["given_at"]):
        # A high-dose IV dose is given only after a pre-dose check: a normal one, just before.
        record_normal_check(dose, by, taken_at=fields["given_at"] - timedelta(minutes=5))
    fields.setdefault("outcome", "given")
    return record_dose(dose, by=by, now=now, **fields)


def record_normal_check(dose, by, *, taken_at=None):
    """A pre-dose check that fires no rule, decided "give", through the real service."""
    from tracker.ward.recording import record_check

    taken_at = taken_at or dose.planned_at - timedelta(minutes=5)
    # Charted as it was taken, whatever the test's clock says.
    check, _ = record_check(
        dose, by=by, decision="give", taken_at=taken_at, now=taken_at, **NORMAL_OBSERVATIONS
    )
    return check


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patients.Ward"

    name = factory.Sequence(lambda n: f"Ward {n + 1}")
    time_zone = "Europe/London"


def make_shift(ward, person, starts_at, ends_at, **fields):
    """A shift on the ward's rota, written directly (tests of the rota's rules use rota.add_shift)."""
    from tracker.alerts.models import OnCallShift

    fields.setdefault("created_by", person)
    return OnCallShift.objects.create(
        ward=ward, person=person, starts_at=starts_at, ends_at=ends_at, **fields
    )


def make_ward(**fields):
    """A ward on London's clock, with its named consultant if given."""
    from tracker.patients.models import Ward

    fields.setdefault("name", f"Ward {Ward.objects.count() + 1}")
    fields.setdefault("time_zone", "Europe/London")
    return Ward.objects.create(**fields)


def put_on_call(person, ward, *, starts_at, hours=12, by=None):
    """`person` on call for `ward` from `starts_at` for `hours`, entered by `by` (themself)."""
    from tracker.alerts.models import OnCallShift

    return OnCallShift.objects.create(
        ward=ward,
        person=person,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        created_by=by or person,
    )


def ship_dose_alert_rules() -> dict:
    """The alert rules for doses and chart rules as shipped, by trigger.

    Written by a data migration, so a transactional test's flush removes them; this
    writes them again as the migration does (found by name) for the tests that need them.
    """
    import importlib

    from tracker.alerts.models import AlertRule

    shipped = importlib.import_module("tracker.alerts.migrations.0010_shipped_dose_alert_rules")
    rules = {}
    for fields in shipped.RULES:
        values = {key: value for key, value in fields.items() if key != "name"}
        rule, _ = AlertRule.objects.get_or_create(name=fields["name"], defaults=values)
        rules[rule.trigger] = rule
    return rules


def make_home_course(patient, start="2027-03-01 09:00", **choices):
    """A course the patient injects at home: subcutaneous, 5 days on, 2 off."""
    return make_course(patient, slug="sc-5on2off", start=start, **choices)


def choose_reminders(patient, **choices):
    """The patient's reminder settings as if saved on their page; dose reminders on."""
    from tracker.reminders.models import ReminderSettings

    choices.setdefault("dose_reminders", True)
    settings = ReminderSettings.objects.of(patient)
    settings.choose(by=patient.user, **choices)
    return settings

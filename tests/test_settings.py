import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tracker.settings import env_bool, env_list, env_str, env_zone

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool_rejects_values_it_cannot_read(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env_bool("FLAG", False)


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False


def test_env_str_fails_loudly_when_a_required_value_is_missing(monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="NOT_SET_ANYWHERE must be set"):
        env_str("NOT_SET_ANYWHERE")


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, b.example ,")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def test_env_zone_rejects_a_zone_that_does_not_exist(monkeypatch):
    monkeypatch.setenv("ZONE", "Europe/Atlantis")
    with pytest.raises(ImproperlyConfigured, match="not an IANA time zone"):
        env_zone("ZONE", "UTC")


def run_manage(*args, **env):
    test_only = (
        "DEBUG",
        "SECRET_KEY",
        "SECURE_SSL_REDIRECT",
        "WARD_PHONE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "SITE_URL",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
    )
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    clean.update(env, DJANGO_SETTINGS_MODULE="tracker.settings")
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k7#Vq2!pZ9@rT4$wX8^mN3&bY6*cL1(hJ5)fD0_gS7+eA2=uR9",
        ALLOWED_HOSTS="il2.example.org",
        WARD_PHONE="+44 20 7946 0123",
        SITE_URL="https://il2.example.org",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check", DEBUG="false", ALLOWED_HOSTS="il2.example.org", WARD_PHONE="+44 20 7946 0123"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Vq2!pZ9@rT4$wX8^mN3&bY6*cL1(hJ5)fD0_gS7+eA2=uR9",
    "ALLOWED_HOSTS": "il2.example.org",
}


# Alerts reach people by e-mail, with links back to the app, through a broker.
DELIVERY = {"SITE_URL": "https://il2.example.org", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}


@pytest.mark.parametrize("missing", ["SITE_URL", "CELERY_BROKER_URL"])
def test_production_refuses_to_start_without_a_way_to_deliver_alerts(missing):
    env = {**PRODUCTION, **DELIVERY, "WARD_PHONE": "+44 20 7946 0123"}
    del env[missing]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


@pytest.mark.parametrize("phone", [None, "", "   "])
def test_production_refuses_to_start_without_a_ward_phone(phone):
    """Patients told to call the ward must be given a number."""
    env = PRODUCTION if phone is None else {**PRODUCTION, "WARD_PHONE": phone}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "WARD_PHONE must be set" in result.stderr


def print_setting(name, **env):
    code = f"from django.conf import settings; print(settings.{name})"
    return run_manage("shell", "--verbosity", "0", "-c", code, **env)


def test_production_uses_the_ward_phone_it_is_given():
    result = print_setting("WARD_PHONE", **PRODUCTION, **DELIVERY, WARD_PHONE="+44 20 7946 0123")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "+44 20 7946 0123"


def test_with_debug_on_the_ward_phone_defaults_to_a_drama_number():
    # 020 7946 0xxx is reserved by Ofcom for drama: it reaches no one.
    result = print_setting("WARD_PHONE", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "+44 20 7946 0000"


def test_the_test_suite_has_a_ward_phone(settings):
    assert settings.WARD_PHONE.strip()


@pytest.mark.now("2027-03-10 09:00:00Z")
def test_no_system_check_warning_comes_and_goes_with_the_time_of_day():
    """Django warns of a fixed time default within 10 s of that time: at 09:00 here."""
    from django.core import checks

    shown = [message.id for message in checks.run_checks() if not message.is_silenced()]
    assert "fields.W161" not in shown


def database_setting(name, **env):
    code = f"from django.conf import settings; print(settings.DATABASES['default'][{name!r}])"
    return run_manage("shell", "--verbosity", "0", "-c", code, **env)


# Reading the settings opens no connection, so the database need not exist.
POSTGRES = {"DATABASE_URL": "postgres://il2@db.invalid:5432/il2"}


def test_production_on_postgresql_keeps_connections_for_a_minute_and_checks_them(monkeypatch):
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    env = {**PRODUCTION, **DELIVERY, **POSTGRES, "WARD_PHONE": "+44 20 7946 0123"}
    assert database_setting("CONN_MAX_AGE", **env).stdout.strip() == "60"
    assert database_setting("CONN_HEALTH_CHECKS", **env).stdout.strip() == "True"


@pytest.mark.parametrize(("value", "age", "checks"), [("0", "0", "False"), ("300", "300", "True")])
def test_production_connection_age_can_be_set(value, age, checks):
    env = {**PRODUCTION, **DELIVERY, **POSTGRES, "WARD_PHONE": "+44 20 7946 0123"}
    env["DATABASE_CONN_MAX_AGE"] = value
    assert database_setting("CONN_MAX_AGE", **env).stdout.strip() == age
    assert database_setting("CONN_HEALTH_CHECKS", **env).stdout.strip() == checks


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({"DEBUG": "true", **POSTGRES}, id="debug-on-postgresql"),
        pytest.param({**PRODUCTION, **DELIVERY, "WARD_PHONE": "+44 20 7946 0123"}, id="sqlite"),
    ],
)
def test_a_laptop_or_sqlite_opens_a_connection_per_request(env):
    env = {**env, "DATABASE_URL": env.get("DATABASE_URL", "sqlite:///var/unused.sqlite3")}
    result = database_setting("CONN_MAX_AGE", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_a_connection_age_that_is_not_a_whole_number_stops_the_start():
    result = database_setting("CONN_MAX_AGE", DEBUG="true", DATABASE_CONN_MAX_AGE="1m")
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE must be a whole number" in result.stderr


def test_the_test_suite_closes_its_connections(settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0

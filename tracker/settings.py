"""Settings for the IL-2 tracker, read from the environment.

Every value that differs between a laptop and production comes from an
environment variable, read through the helpers below.  They fail loudly on a
value they cannot understand instead of guessing.
"""

import os
import zoneinfo
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_filled(name: str, default: str | None = None) -> str:
    """Like env_str, but a value of only spaces counts as missing."""
    value = env_str(name, default).strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set, not empty.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_whole_number(name: str, default: str, minimum: int) -> int:
    value = env_str(name, default)
    if not value.isdigit() or int(value) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}.")
    return int(value)


def env_zone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ImproperlyConfigured(f"{name}={value!r} is not an IANA time zone.") from error
    return value


DEBUG = env_bool("DEBUG", False)

# A development key is only acceptable while DEBUG is on; production must set one.
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "tracker.accounts",
    "tracker.patients",
    "tracker",
    "regimens",
    "tracker.observations",
    "tracker.ward",
    "tracker.symptoms",
    "tracker.thyroid",
    "tracker.alerts",
    # After the apps it reads: its admin adds their inlines to the dose admin.
    "tracker.clinic",
    "tracker.reminders",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tracker.accounts.sessions.IdleLogoff",
    "django_otp.middleware.OTPMiddleware",
    "tracker.accounts.middleware.SecondFactorRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Writes the read-access log after the view: see tracker.patients.access_log.
    "tracker.patients.access_log.RecordAccessMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "tracker.context_processors.csp_nonce",
                "tracker.context_processors.ward_phone",
                "tracker.context_processors.ward_zone",
                "tracker.accounts.sessions.session_clock",
            ],
        },
    },
]

# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# In production each process (a gunicorn worker, a Celery worker) keeps its PostgreSQL
# connection for a minute instead of opening one per request (a TLS handshake and a
# login each time), and checks it before reuse, so that a restarted database costs a
# reconnection, not an error page (docs/deploy.md, "Sizing").
# A laptop (DEBUG) and SQLite open one per request: nothing to gain, and runserver's
# threads would each hold one.  DATABASE_CONN_MAX_AGE=0 turns it off.
persistent = not DEBUG and DATABASES["default"]["ENGINE"].endswith("postgresql")
DATABASES["default"]["CONN_MAX_AGE"] = env_whole_number(
    "DATABASE_CONN_MAX_AGE", "60" if persistent else "0", minimum=0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_MAX_AGE"] > 0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # bin/run's web server and Celery worker share the one file.  Write-ahead
    # logging lets one read while the other writes, and an immediate transaction
    # waits for the write lock (up to the timeout) instead of failing when both
    # write at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Five wrong passwords lock the username and address pair for an hour.
# Correction reasons can be long; the default column stops at 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# The second factor (docs/logins.md): staff, and patients who chose it, give a code
# after their password on every page. The issuer is the name authenticator apps show
# beside the code; a ward computer may be remembered for this many hours.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "IL-2 tracker")
SECOND_FACTOR_REMEMBER_HOURS = int(env_str("SECOND_FACTOR_REMEMBER_HOURS", "12"))
# An authenticator's secret is shown once, to its owner; the admin never shows it.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Axes keeps what was posted with a failed attempt; wrong current passwords on the
# password change form count too (tracker/accounts/passwords.py), so mask them.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
]
# A username too long for axes's column, or holding a NUL, is cut to fit, not a 500.
AXES_USERNAME_CALLABLE = "tracker.accounts.lockout.username_for_lockout"

LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
# Stored instants are UTC; every patient and course carries its own IANA zone.
TIME_ZONE = "UTC"
# The zone a new patient gets, and the one staff pages are shown in.
CLINIC_TIME_ZONE = env_zone("CLINIC_TIME_ZONE", "Europe/London")
# The number patients are told to call when a side effect is severe.  Advice with no
# number to call is no advice, so production must set it; on a laptop a drama number
# (020 7946 0xxx is reserved by Ofcom for fiction) stands in.
DEMO_WARD_PHONE = "+44 20 7946 0000"
WARD_PHONE = env_filled("WARD_PHONE", DEMO_WARD_PHONE if DEBUG else None)
# How often an open page asks for the count of open urgent and high alerts in its menu.
ALERT_COUNT_POLL_SECONDS = 30

# Links in e-mails are absolute: a message is read away from the page that sent it.
SITE_URL = env_filled("SITE_URL", "http://127.0.0.1:8000" if DEBUG else None).rstrip("/")

# E-mail (https://docs.djangoproject.com/en/5.2/topics/email/).  On a laptop each
# message is written to a file under var/mail, so the demo shows everything sent.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(env_str("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "IL-2 tracker <alerts@localhost>")

# Alert e-mails (docs/alerts.md, "Who is told, and when").  A notification that
# fails this many times is given up and shown to admins; routine alerts go out in
# one digest a day, at this time on each ward's clock.
ALERT_SEND_ATTEMPTS = int(env_str("ALERT_SEND_ATTEMPTS", "5"))
DIGEST_TIME = env_str("DIGEST_TIME", "08:00")

# Celery (docs/decisions.md, docs/deploy.md).  Production and CI use Redis.  On a
# laptop the broker is kombu's filesystem transport under var/celery, so bin/run
# needs nothing but Python.
CELERY_BROKER_URL = env_filled("CELERY_BROKER_URL", "filesystem://" if DEBUG else None)
CELERY_BROKER_DIR = BASE_DIR / "var" / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    # A message a killed worker held comes back to the queue after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(env_str("CELERY_VISIBILITY_TIMEOUT", "300"))
    }
# Nothing reads task results: the database records what was sent.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Acknowledge a message only once its task has finished, and put it back if the
# worker dies, so a killed worker loses nothing; a database constraint makes the
# second delivery harmless (docs/alerts.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = env_str(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Django warns of a fixed time default (fields.W161) whenever the check runs within
# 10 s of that time of day; a regimen's suggested dose time (09:00) is fixed on
# purpose, and a warning that comes and goes with the clock breaks commands' output.
SILENCED_SYSTEM_CHECKS = ["fields.W161"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = 0 if DEBUG else int(env_str("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


# Idle logoff (docs/logins.md, "Signing out on its own"): a session ends after this
# many minutes without activity (staff on shared ward computers sooner than patients
# on their own devices), and this many hours after signing in, whatever the activity.
# The page warns a minute before, so an idle limit must be longer than that.
IDLE_LOGOFF_ENABLED = env_bool("IDLE_LOGOFF_ENABLED", True)
STAFF_IDLE_MINUTES = env_whole_number("STAFF_IDLE_MINUTES", "15", minimum=2)
PATIENT_IDLE_MINUTES = env_whole_number("PATIENT_IDLE_MINUTES", "30", minimum=2)
SESSION_ABSOLUTE_HOURS = env_whole_number("SESSION_ABSOLUTE_HOURS", "12", minimum=1)
# The cookie lasts no longer than the session may: one ward shift.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60

# Read-access log (docs/security.md).  Behind a reverse proxy REMOTE_ADDR is the proxy's:
# name the header the proxy sets to the client's address, as Django spells it in META
# (e.g. HTTP_X_REAL_IP).  Only a header the proxy overwrites can be trusted.
READ_LOG_CLIENT_IP_HEADER = env_str("READ_LOG_CLIENT_IP_HEADER", "")
X_FRAME_OPTIONS = "DENY"
# Cookies, headers: Django's defaults, written out so that tests/test_deploy_headers.py
# and a reader see them.  The CSRF cookie can be HttpOnly: pages hand the token to
# htmx in base.html (hx-headers), and no script reads the cookie.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Every script and style is served from our own origin; nothing loads from a CDN.
CONTENT_SECURITY_POLICY = {
    # The Django admin and its history pages rely on inline styles and scripts.
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

"""With production settings (DEBUG off), every answer carries the security headers and
cookies the deployment checklist asks for.  Run in a subprocess: the settings read the
environment once, at import, and the suite's own are a laptop's."""

import json
import re
import subprocess
import sys

import pytest

from tests.test_settings import ROOT, run_manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Vq2!pZ9@rT4$wX8^mN3&bY6*cL1(hJ5)fD0_gS7+eA2=uR9",
    "ALLOWED_HOSTS": "il2.example.org",
    "WARD_PHONE": "+44 20 7946 0123",
    "SITE_URL": "https://il2.example.org",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}

# Asks the sign-in page over HTTPS and over HTTP, and has a session written, all with
# tracker.settings as production loads it.  No database: the page reads none for a
# visitor, and the session is kept in a signed cookie for this one check.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory

# The compressed manifest needs collectstatic; the headers do not depend on it.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

def cookie(morsel):
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}

client = Client(HTTP_HOST="il2.example.org")
page = client.get("/login/", secure=True)
plain = client.get("/login/")

def writes_session(request):
    request.session["seen"] = True
    return HttpResponse()

request = RequestFactory(HTTP_HOST="il2.example.org").get("/", secure=True)
session = SessionMiddleware(writes_session)(request)
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.headers),
    "body": page.content.decode(),
    "plain": [plain.status_code, plain.headers.get("Location")],
    "csrf_cookie": cookie(page.cookies[settings.CSRF_COOKIE_NAME]),
    "session_cookie": cookie(session.cookies[settings.SESSION_COOKIE_NAME]),
}))
"""


def _clean_env() -> dict:
    import os

    kept = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    drop = ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE")
    kept = {k: v for k, v in kept.items() if k not in drop and not k.startswith("SECURE_HSTS")}
    return {**kept, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "tracker.settings"}


@pytest.fixture(scope="module")
def production():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=_clean_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deployment_checklist_with_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_page_is_served(production):
    assert production["status"] == 200


def test_plain_http_is_sent_to_https(production):
    assert production["plain"] == [301, "https://il2.example.org/login/"]


def test_browsers_are_told_to_use_https_only_for_a_year(production):
    assert production["headers"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_no_other_site_may_frame_a_page(production):
    headers = production["headers"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_content_types_are_not_sniffed_and_the_referrer_stays_on_the_site(production):
    headers = production["headers"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_scripts_run_only_from_the_site_or_with_the_page_s_nonce(production):
    policy = production["headers"]["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    nonce = re.fullmatch(r"'self' 'nonce-([\w+/=-]+)'", directives["script-src"]).group(1)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    scripts = re.findall(r"<script\b[^>]*>", production["body"])
    assert scripts, "the sign-in page loads htmx"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts


@pytest.mark.parametrize("name", ["session_cookie", "csrf_cookie"])
def test_cookies_are_secure_hidden_from_scripts_and_kept_to_the_site(production, name):
    assert production[name] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_every_script_tag_in_the_templates_carries_the_nonce():
    """A page's script without the nonce would be blocked by the policy in a browser."""
    missing = [
        f"{path.relative_to(ROOT)}: {tag}"
        for path in (ROOT / "templates").rglob("*.html")
        if "admin" not in path.parts  # the admin is outside the policy (settings)
        for tag in re.findall(r"<script\b[^>]*>", path.read_text())
        if 'nonce="{{ csp_nonce }}"' not in tag
    ]
    assert missing == []

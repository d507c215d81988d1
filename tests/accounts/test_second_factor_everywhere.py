"""Staff signed in with the password alone reach nothing but the second step, on every URL.

The URLs are read from the URLconf, so a page added later is checked without anyone
remembering to add it here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tracker.accounts.middleware import OPEN_BEFORE_SECOND_FACTOR

pytestmark = pytest.mark.django_db

CONVERTER_SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
}


def _route_sample(route: str) -> str:
    def converter(match):
        return CONVERTER_SAMPLES[match.group(1) or "str"]

    return re.sub(r"<(?:(\w+):)?\w+>", converter, route)


def _regex_sample(regex: str) -> str:
    def group(match):
        body = match.group(1)
        if "|" in body:
            return body.split("|")[0]  # the first of the listed names
        return "1"

    sample = re.sub(r"\((?:\?P<\w+>)?([^()]*)\)", group, regex)
    return sample.replace("^", "").replace("$", "")


def _sample(pattern) -> str:
    text = str(pattern)
    if pattern.__class__.__name__ == "RegexPattern":
        return _regex_sample(text)
    return _route_sample(text)


def every_url(patterns=None, prefix=""):
    """(route, sample path) for every pattern in the URLconf."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + _sample(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from every_url(pattern.url_patterns, here)
        else:
            assert isinstance(pattern, URLPattern)
            yield pattern, "/" + here


def test_every_pattern_gets_a_path_that_reaches_it():
    urls = list(every_url())
    assert len(urls) > 300
    strays = [
        (str(pattern.pattern), path)
        for pattern, path in urls
        if resolve(path).func is not pattern.callback
    ]
    assert strays == []


def test_the_open_pages_are_only_those_needed_to_sign_in():
    # The session's status and keep-alive carry no patient data; the rest sign in and out.
    assert {
        "session-status",
        "session-keep-alive",
        "login",
        "logout",
        "admin:logout",
        "second-factor",
        "second-factor-enrol",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "invitation-accept",
    } == OPEN_BEFORE_SECOND_FACTOR
    names = {resolve(path).view_name for _, path in every_url()}
    assert names >= OPEN_BEFORE_SECOND_FACTOR


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team", "admin"])
def test_staff_with_the_password_alone_are_sent_to_the_second_step_from_every_url(
    password_only_client, personas, name
):
    password_only_client.force_login(getattr(personas, name))
    escaped, checked = [], 0
    for _, path in every_url():
        if resolve(path).view_name in OPEN_BEFORE_SECOND_FACTOR:
            continue
        for method in (password_only_client.get, password_only_client.post):
            response = method(path)
            checked += 1
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith("/second-factor/?next="):
                escaped.append(f"{method.__name__.upper()} {path}: {response.status_code}")
    assert escaped == []
    assert checked > 600


def test_a_patient_who_did_not_opt_in_is_not_asked(password_only_client, personas):
    password_only_client.force_login(personas.the_patient)
    assert password_only_client.get("/me/").status_code == 200

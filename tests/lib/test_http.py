"""safe_next: the only way a redirect target is read from a request."""

import pytest
from django.test import RequestFactory

from tracker.lib.http import safe_next

DEFAULT = "/alerts/"


@pytest.mark.parametrize(
    "target",
    [
        "",
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/ward/\x00",
        "javascript:alert(1)",
        "2026-03-29",
        "alert-list",
        "admin:index",
        "😀",
        "ward/",
        "/" + "a" * 5000,
    ],
)
def test_anything_but_a_path_on_this_site_gives_the_default(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next(request, DEFAULT) == DEFAULT


@pytest.mark.parametrize("target", ["/ward/", "/ward/?hours=24", "/patients/?q=Sm%C3%ADth", "/é/"])
def test_a_path_on_this_site_is_kept(target):
    assert safe_next(RequestFactory().get("/", {"next": target}), DEFAULT) == target


def test_the_form_s_next_wins_over_the_address_s():
    request = RequestFactory().post("/?next=/ward/", {"next": "/clinic/"})
    assert safe_next(request, DEFAULT) == "/clinic/"


def test_an_unknown_host_gives_the_default_instead_of_raising():
    request = RequestFactory(HTTP_HOST="evil.example").get("/", {"next": "/ward/"})
    assert safe_next(request, DEFAULT) == DEFAULT

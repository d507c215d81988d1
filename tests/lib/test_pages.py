"""A long list a page at a time, with links that keep the page's other choices."""

import pytest
from django.test import RequestFactory

from tracker.lib.pages import page_of

ITEMS = list(range(7))


def page(query: dict, **kwargs):
    return page_of(RequestFactory().get("/list/", query), ITEMS, 3, **kwargs)


@pytest.mark.parametrize(
    ("asked", "number"), [("2", 2), ("3", 3), ("4", 3), ("99999999999999999999", 3), ("-1", 3)]
)
def test_it_shows_the_page_asked_for_or_the_last(asked, number):
    assert page({"page": asked}).number == number


@pytest.mark.parametrize("asked", ["", "two", "2.5", "1e3", "%00"])
def test_it_shows_the_first_page_for_garbage(asked):
    assert page({"page": asked}).number == 1


def test_it_keeps_the_other_choices_and_drops_its_own():
    shown = page({"q": "smith & co", "show": "all", "page": "2"})
    assert shown.keep == "q=smith+%26+co&show=all"
    assert shown.param == "page"


def test_it_reads_its_own_parameter_beside_another_list():
    shown = page({"page": "2", "verify_page": "3"}, param="verify_page")
    assert (shown.number, shown.keep) == (3, "page=2")


def test_a_long_list_links_the_ends_and_the_pages_near_this_one():
    request = RequestFactory().get("/list/", {"page": "10"})
    shown = page_of(request, list(range(100)), 5)
    gap = shown.paginator.ELLIPSIS
    assert shown.numbers == [1, gap, 8, 9, 10, 11, 12, gap, 20]

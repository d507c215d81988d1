"""A long list a page at a time, with links that keep the page's other choices."""

import pytest
from django.test import RequestFactory

from tests.factories import PatientFactory
from tracker.lib.pages import page_of
from tracker.patients.models import Patient

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


@pytest.mark.django_db
def test_a_list_that_fits_on_its_first_page_is_read_without_a_count(
    django_assert_num_queries,
):
    PatientFactory.create_batch(2)
    with django_assert_num_queries(1) as captured:
        shown = page_of(RequestFactory().get("/list/"), Patient.objects.order_by("pk"), 3)
        assert len(shown.object_list) == 2
    assert "COUNT" not in captured.captured_queries[0]["sql"]
    assert (shown.paginator.count, shown.paginator.num_pages) == (2, 1)


@pytest.mark.django_db
def test_a_longer_list_is_counted_and_its_first_page_read_once(django_assert_num_queries):
    PatientFactory.create_batch(4)
    first_three = list(Patient.objects.order_by("pk")[:3])
    with django_assert_num_queries(2):
        shown = page_of(RequestFactory().get("/list/"), Patient.objects.order_by("pk"), 3)
        assert list(shown) == first_three
    assert (shown.paginator.count, shown.number, shown.numbers) == (4, 1, [1, 2])


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "number"), [("2", 2), ("9", 2), ("0", 2)])
def test_a_later_page_of_a_queryset_is_counted_first(asked, number):
    PatientFactory.create_batch(4)
    items = Patient.objects.order_by("pk")
    shown = page_of(RequestFactory().get("/list/", {"page": asked}), items, 3)
    assert shown.number == number
    assert [p.pk for p in shown] == [items.last().pk]


@pytest.mark.django_db
def test_a_stale_link_past_a_short_list_shows_its_only_page():
    PatientFactory.create_batch(2)
    shown = page_of(RequestFactory().get("/list/", {"page": "5"}), Patient.objects.all(), 3)
    assert (shown.number, len(shown)) == (1, 2)

"""Long lists shown a page at a time, with links that keep the page's other choices."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PER_PAGE = 50


def page_of(
    request, items, per_page: int | None = None, param: str = "page", count: int | None = None
) -> Page:
    """The page of `items` asked for in `param`: the first for garbage, the last past the end.

    `items` is a queryset (read as a count and one slice) or a list.  The page carries
    the rest of the query string as `page.keep` and its parameter as `page.param`,
    so that its links keep a search or a filter.  `count` is the number of items where
    the page has counted them already (with another list's, in one query).
    """
    per_page = per_page or PER_PAGE
    paginator = Paginator(items, per_page)
    first = _first_page(request, param, items, per_page) if count is None else None
    if first is not None and len(first) < per_page:
        # The whole list fits on its first page: its length is the count.
        count = len(first)
    if count is not None:
        paginator.count = count  # type: ignore[misc]
    page = paginator.get_page(request.GET.get(param))
    if first is not None and page.number == 1:
        page.object_list = first
    query = request.GET.copy()
    query.pop(param, None)
    page.keep = query.urlencode()  # type: ignore[attr-defined]
    page.param = param  # type: ignore[attr-defined]
    # A long team has many pages: the first, the last and those near this one.
    page.numbers = list(  # type: ignore[attr-defined]
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page


def _first_page(request, param: str, items, per_page: int) -> list | None:
    """The first page of a queryset, read before it is counted, when that page is asked
    for: most lists of a ward's day fit on one page, and then they need no count."""
    asked = request.GET.get(param, "")
    if not isinstance(items, QuerySet) or (asked.isdigit() and int(asked) > 1):
        return None
    return list(items[:per_page])

"""Long lists shown a page at a time, with links that keep the page's other choices."""

from django.core.paginator import Page, Paginator

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
    paginator = Paginator(items, per_page or PER_PAGE)
    if count is not None:
        paginator.count = count  # type: ignore[misc]
    page = paginator.get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    page.keep = query.urlencode()  # type: ignore[attr-defined]
    page.param = param  # type: ignore[attr-defined]
    # A long team has many pages: the first, the last and those near this one.
    page.numbers = list(  # type: ignore[attr-defined]
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page

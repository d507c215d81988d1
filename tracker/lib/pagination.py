"""A paginator for tables that grow without bound: an estimate of the rows, not a count.

Counting every row of a large table on PostgreSQL reads the whole table, which on a
changelist costs more than the page itself.  The planner's own estimate of the
table's rows (pg_class.reltuples, kept up to date by autovacuum's ANALYZE) is good
enough to number the pages of an unfiltered list.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Counts with the planner's estimate when the rows are a whole, large table on
    PostgreSQL; counts for real when they are filtered or searched, on other
    databases, and on tables too small for a count to matter."""

    # Below this many rows (by the estimate) counting costs little and is exact.
    estimate_from = 100_000

    @cached_property
    def count(self) -> int:
        estimate = self.estimated_count()
        return super().count if estimate is None else estimate

    def estimated_count(self) -> int | None:
        rows = self.object_list
        if not isinstance(rows, QuerySet) or not is_whole_table(rows):
            return None
        connection = connections[rows.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(rows.model._meta.db_table)],
            )
            found = cursor.fetchone()
        # -1 for a table never analysed; None for one the catalogue does not know.
        if found is None or found[0] is None or found[0] < self.estimate_from:
            return None
        return int(found[0])


def is_whole_table(rows: QuerySet) -> bool:
    """Whether `rows` counts as its whole table: nothing filters, groups, limits or
    combines them.  Joins to related rows do not change the count: the changelist
    selects only foreign keys, which the database keeps pointing at a row."""
    query = rows.query
    return not (
        query.where
        or query.distinct
        or query.combinator
        or query.group_by
        or query.low_mark
        or query.high_mark is not None
    )

"""The estimated count: a whole, large table on PostgreSQL; a real count otherwise.

The PostgreSQL tests run with DATABASE_URL set (CI runs the suite on both databases).
"""

import pytest
from django.db import connection

from tests.factories import PatientFactory
from tracker.lib.pagination import EstimatedCountPaginator
from tracker.patients.models import Patient

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the estimate is PostgreSQL's"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


class EstimatingAnyTable(EstimatedCountPaginator):
    # The test tables are small; any estimate is used.
    estimate_from = 0


def analyse_patients() -> int:
    """Refresh the planner's estimate of the patients table; the rows it counted."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
    return Patient.objects.count()


@on_postgresql
def test_it_numbers_a_whole_table_by_the_planners_estimate():
    PatientFactory.create_batch(3)
    analysed = analyse_patients()
    PatientFactory.create_batch(2)  # not yet in the estimate

    paginator = EstimatingAnyTable(Patient.objects.order_by("-id"), 2)

    assert paginator.count == analysed
    assert paginator.num_pages == (analysed + 1) // 2
    assert len(paginator.page(1)) == 2


@on_postgresql
def test_it_counts_a_filtered_or_searched_table():
    PatientFactory.create_batch(3, family_name="Okafor")
    PatientFactory.create_batch(2)
    analyse_patients()
    PatientFactory(family_name="Okafor")

    filtered = Patient.objects.filter(family_name__icontains="okafor")
    assert EstimatingAnyTable(filtered, 2).count == 4
    assert EstimatingAnyTable(Patient.objects.distinct(), 2).count == Patient.objects.count()


@on_postgresql
def test_it_counts_a_table_the_estimate_says_is_small():
    PatientFactory.create_batch(3)
    analyse_patients()
    PatientFactory()

    assert EstimatedCountPaginator(Patient.objects.all(), 2).count == Patient.objects.count()


@on_sqlite
def test_it_counts_on_sqlite():
    PatientFactory.create_batch(3)

    assert EstimatingAnyTable(Patient.objects.all(), 2).count == 3


def test_it_counts_a_list():
    assert EstimatingAnyTable(list(range(5)), 2).count == 5

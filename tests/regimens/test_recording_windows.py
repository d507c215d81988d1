"""Recording windows: shipped on the templates, copied onto courses, backfilled on old ones."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from regimens.models import Course, RegimenTemplate
from tests.factories import PatientFactory, make_course

pytestmark = pytest.mark.django_db


def test_the_shipped_templates_have_their_windows():
    windows = dict(RegimenTemplate.objects.values_list("slug", "recording_window"))
    expected = {
        "hd-iv-q8h-15": timedelta(hours=2),
        "hd-iv-label": timedelta(hours=2),
        "sc-5on2off": timedelta(hours=12),
        "sc-low-dose": timedelta(hours=12),
    }
    assert {slug: windows[slug] for slug in expected} == expected


def test_a_course_keeps_the_window_it_started_with():
    course = make_course(PatientFactory(), slug="sc-5on2off")
    RegimenTemplate.objects.filter(slug="sc-5on2off").update(recording_window=timedelta(hours=6))
    course.refresh_from_db()
    assert course.recording_window == timedelta(hours=12)


def migrate(app_label, name):
    executor = MigrationExecutor(connection)
    executor.migrate([(app_label, name)])


# SQLite runs migrations only outside a transaction, so this test commits its rows.
@pytest.mark.django_db(transaction=True)
def test_courses_that_started_before_windows_take_their_templates(
    shipped_data, back_to_the_latest_schema
):
    iv = make_course(PatientFactory())
    sc = make_course(PatientFactory(), slug="sc-low-dose", start="2027-03-10 09:00")
    # As the column's default left them when it was added, before the windows shipped.
    migrate("regimens", "0010_recording_windows")
    Course.objects.update(recording_window=timedelta(hours=2))
    migrate("regimens", "0011_shipped_recording_windows")
    windows = dict(Course.objects.values_list("pk", "recording_window"))
    assert windows == {iv.pk: timedelta(hours=2), sc.pk: timedelta(hours=12)}

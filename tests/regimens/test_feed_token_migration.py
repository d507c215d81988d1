"""Links handed out before tokens were hashed keep working after the migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from regimens.feeds import issue_feed
from regimens.models import CalendarFeed, hash_feed_token

BEFORE = ("regimens", "0022_cycle_end_and_discharge_grants")
AFTER = ("regimens", "0023_calendar_feed_token_hashes")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


# SQLite runs migrations only outside a transaction, so this test commits its rows.
@pytest.mark.django_db(transaction=True)
def test_a_link_from_before_the_hashes_still_opens_its_feed(
    personas, client, back_to_the_latest_schema
):
    live = issue_feed(personas.patient, by=personas.the_patient).feed
    old_apps = migrate(BEFORE)
    OldFeed = old_apps.get_model("regimens", "CalendarFeed")
    # Going back gave each feed a new token; set the ones "handed out" back then.
    handed_out = "Old-link_" + "x" * 34
    OldFeed.objects.filter(pk=live.pk).update(token=handed_out)
    OldHistory = old_apps.get_model("regimens", "HistoricalCalendarFeed")
    assert OldHistory.objects.filter(token__isnull=False).exists()

    migrate(AFTER)
    feed = CalendarFeed.objects.get(pk=live.pk)
    assert feed.token_hash == hash_feed_token(handed_out)
    assert CalendarFeed.objects.active().with_token(handed_out).get() == feed
    assert "token" not in {f.name for f in CalendarFeed.history.model._meta.fields}
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(
            cursor, CalendarFeed.history.model._meta.db_table
        )
    assert "token" not in {column.name for column in columns}
    migrate(("regimens", "0024_calendar_choice"))
    response = client.get(f"/feeds/{handed_out}.ics")
    assert response.status_code == 200

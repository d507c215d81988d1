"""Calendar feeds keep only a hash of their token, and the history none at all.

Links already handed out keep working: each stored token is replaced by its hash,
which is what a request's token is compared with.  The history's copies of the
tokens go with the column.  Going back cannot recover the tokens: each feed gets
a new one, so the old links stop working then.
"""

import hashlib
import secrets

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("regimens", "CalendarFeed")
    feeds = list(CalendarFeed.objects.only("pk", "token"))
    for feed in feeds:
        # As regimens.models.hash_feed_token, frozen here as migrations must be.
        feed.token_hash = hashlib.sha256(feed.token.encode()).hexdigest()
    CalendarFeed.objects.bulk_update(feeds, ["token_hash"], batch_size=500)


def issue_new_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("regimens", "CalendarFeed")
    feeds = list(CalendarFeed.objects.only("pk"))
    for feed in feeds:
        feed.token = secrets.token_urlsafe(32)
    CalendarFeed.objects.bulk_update(feeds, ["token"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("regimens", "0022_cycle_end_and_discharge_grants")]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        # Not unique, and empty allowed, while the two columns change places (both ways).
        migrations.AlterField(
            model_name="calendarfeed",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(hash_tokens, issue_new_tokens),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.RemoveField(model_name="historicalcalendarfeed", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]

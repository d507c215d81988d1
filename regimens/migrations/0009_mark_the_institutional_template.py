"""The 15-dose template goes beyond the label's 14 doses a cycle: say so in its name.

Its new name also sorts it after the label course in the list clinicians choose from.
"""

from django.db import migrations

OLD = "High-dose IV every 8 h, up to 15 doses"
NEW = "Institutional high-dose IV every 8 h, up to 15 doses (the label allows 14)"


def rename(apps, schema_editor):
    apps.get_model("regimens", "RegimenTemplate").objects.filter(
        slug="hd-iv-q8h-15", name=OLD
    ).update(name=NEW)


def restore(apps, schema_editor):
    apps.get_model("regimens", "RegimenTemplate").objects.filter(
        slug="hd-iv-q8h-15", name=NEW
    ).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [("regimens", "0008_calendar_feed_grants")]

    operations = [migrations.RunPython(rename, restore)]

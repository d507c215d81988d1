"""High-dose courses are at least 7 weeks apart from discharge (clinical-facts §1.2).

Overdue windows: an IV dose every 8 hours is overdue an hour late; a daily
subcutaneous injection, often given at home, after four hours.
"""

from datetime import timedelta

from django.db import migrations

SETTINGS = {
    "hd-iv-q8h-15": {"retreatment_gap_days": 49, "overdue_after": timedelta(hours=1)},
    "hd-iv-label": {"retreatment_gap_days": 49, "overdue_after": timedelta(hours=1)},
    "sc-5on2off": {"overdue_after": timedelta(hours=4)},
    "sc-low-dose": {"overdue_after": timedelta(hours=4)},
}


def apply(apps, schema_editor):
    RegimenTemplate = apps.get_model("regimens", "RegimenTemplate")
    for slug, fields in SETTINGS.items():
        RegimenTemplate.objects.filter(slug=slug).update(**fields)


class Migration(migrations.Migration):
    dependencies = [("regimens", "0004_recording_and_retreatment")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

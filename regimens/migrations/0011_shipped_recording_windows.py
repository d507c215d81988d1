"""How far from its planned time a dose may be charted as given without a question.

An IV dose every 8 hours has its neighbours 8 hours away: more than 2 hours off
is more likely the wrong row than a late infusion.  A daily subcutaneous
injection, often given at home, may move within its day.  Existing courses take
their template's window, as new courses copy it at start.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import OuterRef, Subquery

WINDOWS = {
    "hd-iv-q8h-15": timedelta(hours=2),
    "hd-iv-label": timedelta(hours=2),
    "sc-5on2off": timedelta(hours=12),
    "sc-low-dose": timedelta(hours=12),
}


def apply(apps, schema_editor):
    RegimenTemplate = apps.get_model("regimens", "RegimenTemplate")
    Course = apps.get_model("regimens", "Course")
    for slug, window in WINDOWS.items():
        RegimenTemplate.objects.filter(slug=slug).update(recording_window=window)
    template_window = RegimenTemplate.objects.filter(pk=OuterRef("template")).values(
        "recording_window"
    )
    Course.objects.update(recording_window=Subquery(template_window))


class Migration(migrations.Migration):
    dependencies = [("regimens", "0010_recording_windows")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

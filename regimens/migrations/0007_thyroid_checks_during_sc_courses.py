"""TSH every 6 weeks during the long subcutaneous regimens (clinical-facts §4, suggested default)."""

from django.db import migrations

SLUGS = ["sc-5on2off", "sc-low-dose"]


def apply(apps, schema_editor):
    apps.get_model("regimens", "RegimenTemplate").objects.filter(slug__in=SLUGS).update(
        thyroid_every_days=42
    )


class Migration(migrations.Migration):
    dependencies = [("regimens", "0006_thyroid_interval")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]

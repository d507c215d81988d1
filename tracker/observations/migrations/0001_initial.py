"""The app's first migration: each kind of observation adds its tables after it."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("patients", "0006_retreatment_flag_grants"),
        ("regimens", "0022_cycle_end_and_discharge_grants"),
    ]

    operations = []

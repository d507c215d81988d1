"""The label's other withhold rows as hold rules (docs/clinical-sources.md §1).

Rhythm, stool occult blood (2024 label, Table 2), and the renal, sepsis and skin
rows of the older label, now that the pre-dose check records them.  Existing
rules keep what a centre set (active or not) and only take their new place in
the list.  A frozen copy of tracker/ward/shipped.py, which
tests/test_reference_data.py compares with the shipped table.
"""

from decimal import Decimal

from django.db import migrations

LABEL = "Proleukin label (2024 PI, Table 2)"
OLDER_LABEL = "Proleukin label (older US PI; not yet checked against 2024)"
CONSENSUS = "Institutional criterion (J Immunother Cancer 2014, Table 3)"

RULES = [
    ("arrhythmia", "yes", None, "arrhythmia", LABEL, True),
    ("systolic_bp", "lt", Decimal("90"), "hypotension", LABEL, True),
    ("spo2", "lt", Decimal("90"), "hypoxia", LABEL, True),
    ("mental_status_changed", "yes", None, "mental_status", LABEL, True),
    ("occult_blood_positive", "yes", None, "occult_blood", LABEL, True),
    ("creatinine_mg_dl", "gt", Decimal("4.5"), "renal", OLDER_LABEL, True),
    ("sepsis_unstable", "yes", None, "sepsis", OLDER_LABEL, True),
    ("skin_bullous", "yes", None, "skin", OLDER_LABEL, True),
    ("heart_rate", "gt", Decimal("130"), "institutional", CONSENSUS, False),
    ("weight_gain_percent", "gt", Decimal("15"), "institutional", CONSENSUS, False),
]


def ship_rules(apps, schema_editor):
    HoldRule = apps.get_model("ward", "HoldRule")
    for order, (measure, comparison, threshold, reason, source, active) in enumerate(RULES):
        key = {"measure": measure, "comparison": comparison, "threshold": threshold}
        if HoldRule.objects.filter(**key).exists():
            HoldRule.objects.filter(**key).update(order=order)
        else:
            HoldRule.objects.create(
                **key, hold_reason=reason, source=source, is_active=active, order=order
            )


NEW_MEASURES = [
    "arrhythmia",
    "occult_blood_positive",
    "creatinine_mg_dl",
    "sepsis_unstable",
    "skin_bullous",
]


def unship_rules(apps, schema_editor):
    # The measures go with migration 0008's reversal; their rules cannot stay.
    apps.get_model("ward", "HoldRule").objects.filter(measure__in=NEW_MEASURES).delete()


class Migration(migrations.Migration):
    dependencies = [("ward", "0008_withhold_override_and_label_rows")]

    operations = [migrations.RunPython(ship_rules, unship_rules)]

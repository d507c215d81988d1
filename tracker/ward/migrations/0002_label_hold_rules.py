"""The hold rules the app ships with, and who may do what with dose records.

Active: the label's bedside withhold criteria (clinical-facts §1.3).  Shipped
inactive, for centres that use them: institutional "absolute" criteria from the
2014 expert consensus.  Both are editable in the admin afterwards.
"""

from decimal import Decimal

from django.db import migrations

from tracker.accounts.roles import grant

LABEL = "Proleukin label (2024 PI, Table 2)"
CONSENSUS = "Institutional criterion (J Immunother Cancer 2014, Table 3)"

RULES = [
    ("systolic_bp", "lt", Decimal("90"), "hypotension", LABEL, True),
    ("spo2", "lt", Decimal("90"), "hypoxia", LABEL, True),
    ("mental_status_changed", "yes", None, "mental_status", LABEL, True),
    ("heart_rate", "gt", Decimal("130"), "institutional", CONSENSUS, False),
    ("weight_gain_percent", "gt", Decimal("15"), "institutional", CONSENSUS, False),
]

RECORDING = [
    "ward.view_administration",
    "ward.add_administration",
    "ward.change_administration",
    "ward.view_predosecheck",
    "ward.add_predosecheck",
    "ward.view_holdrule",
]

GRANTS = {
    "admin": [
        "ward.view_administration",
        "ward.view_historicaladministration",
        "ward.view_predosecheck",
        "ward.view_historicalpredosecheck",
        "ward.view_holdrule",
        "ward.add_holdrule",
        "ward.change_holdrule",
        "ward.view_historicalholdrule",
    ],
    "clinician": RECORDING,
    "nurse": RECORDING,
    "patient": [],
}


def add_rules(HoldRule):
    for order, (measure, comparison, threshold, reason, source, active) in enumerate(RULES):
        HoldRule.objects.get_or_create(
            measure=measure,
            comparison=comparison,
            threshold=threshold,
            defaults={
                "hold_reason": reason,
                "source": source,
                "is_active": active,
                "order": order,
            },
        )


def ship_rules(apps, schema_editor):
    add_rules(apps.get_model("ward", "HoldRule"))
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("ward", "0001_initial"),
        ("patients", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(ship_rules, migrations.RunPython.noop)]

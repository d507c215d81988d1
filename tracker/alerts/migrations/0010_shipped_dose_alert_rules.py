"""The alert rules for doses and the chart's withhold and stop rules, as shipped.

A clinician giving a dose past a withhold, three doses held in one cycle, and a dose
overdue by more than its recording window are high; a chart rule met is urgent.
Rows are found by name, so a centre's edits (and rows shipped by other migrations)
are left as they are.  docs/alerts.md, "Dose alerts", gives the reasons.
"""

from decimal import Decimal

from django.db import migrations

LABEL = "Proleukin label (2024 PI, §2.4 and Table 2)"

RULES = [
    {
        "name": "Dose given past a withhold, on a clinician's authority",
        "trigger": "withhold_override",
        "severity": "high",
        "source": (
            f"{LABEL}: a dose is withheld, never reduced; giving it anyway is the "
            "prescriber's decision, which the team must know of (clinical-facts §1.3)."
        ),
    },
    {
        "name": "Three doses held in one cycle",
        "trigger": "doses_held",
        "severity": "high",
        "at_least": Decimal(3),
        "source": (
            "Institutional practice with the 2014 consensus criteria (J Immunother Cancer "
            "2014, Table 3): one centre stops the course after 3 held doses "
            "(clinical-facts §1.3)."
        ),
    },
    {
        "name": "Dose with no record past its recording window",
        "trigger": "dose_overdue",
        "severity": "high",
        "source": (
            "Project default: a dose not recorded by the end of its window may have been "
            "missed or given unrecorded (each course's overdue time and recording window)."
        ),
    },
    {
        "name": "Chart withhold or stop rule met",
        "trigger": "chart_rule",
        "severity": "urgent",
        "source": (
            f"{LABEL}: the next dose is withheld, or aldesleukin stopped, until a clinician "
            "has seen the patient (docs/clinical-sources.md §1)."
        ),
    },
]


def ship(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for rule in RULES:
        values = {key: value for key, value in rule.items() if key != "name"}
        AlertRule.objects.get_or_create(name=rule["name"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0009_shipped_alert_rules")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]

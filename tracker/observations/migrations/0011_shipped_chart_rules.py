"""The label's withhold and stop table as chart rules, and who may see and edit them.

A frozen copy of tracker/observations/shipped.py, which tests/test_reference_data.py
compares with the shipped table.  Admins edit the rules in the admin, with a
reason, and see the firings read-only.
"""

from decimal import Decimal

from django.db import migrations

from tracker.accounts.roles import grant

LABEL = "Proleukin label (2024 PI, Table 2)"
OLDER_LABEL = "Proleukin label (older US PI; not yet checked against 2024)"
CONSENSUS = "Institutional criterion (J Immunother Cancer 2014, Table 3)"

D = Decimal

# Each condition: (group, parameter, test, comparison, threshold, hours).
CHART_RULES = [
    {
        "slug": "hypotension",
        "name": "Systolic BP below 90 mmHg",
        "label_row": "Systolic blood pressure below 90 mmHg",
        "action": "withhold",
        "hold_reason": "hypotension",
        "source": LABEL,
        "is_active": True,
        "conditions": [(1, "systolic_bp", "latest", "lt", D(90), None)],
    },
    {
        "slug": "hypotension-rising-pressors",
        "name": "Systolic BP below 90 mmHg with a rising pressor requirement",
        "label_row": "Systolic BP below 90 mmHg with increasing pressor requirement",
        "action": "withhold",
        "hold_reason": "hypotension",
        "source": OLDER_LABEL,
        # Off: the 2024 label withholds for the low pressure alone ("hypotension").
        "is_active": False,
        "conditions": [
            (1, "systolic_bp", "latest", "lt", D(90), None),
            (1, "pressor", "rising", "", None, D(6)),
        ],
    },
    {
        "slug": "hypoxia",
        "name": "SpO₂ below 90%",
        "label_row": "Oxygen saturation below 90%",
        "action": "withhold",
        "hold_reason": "hypoxia",
        "source": LABEL,
        "is_active": True,
        "conditions": [(1, "spo2", "latest", "lt", D(90), None)],
    },
    {
        "slug": "arrhythmia",
        "name": "AF, SVT or bradycardia on the chart",
        "label_row": "Atrial fibrillation, supraventricular tachycardia or bradycardia",
        "action": "withhold",
        "hold_reason": "arrhythmia",
        "source": LABEL,
        "is_active": True,
        "conditions": [(1, "rhythm_withheld", "latest", "yes", None, None)],
    },
    {
        "slug": "mental-status",
        "name": "Mental status change on the neuro check",
        "label_row": "Mental status changes, including moderate confusion or agitation",
        "action": "withhold",
        "hold_reason": "mental_status",
        "source": LABEL,
        "is_active": True,
        "conditions": [(1, "mental_status_changed", "latest", "yes", None, None)],
    },
    {
        "slug": "creatinine-above-4-5",
        "name": "Creatinine above 4.5 mg/dL",
        "label_row": "Serum creatinine above 4.5 mg/dL",
        "action": "withhold",
        "hold_reason": "renal",
        "source": OLDER_LABEL,
        "is_active": True,
        "conditions": [(1, "creatinine", "latest", "gt", D("4.5"), None)],
    },
    {
        "slug": "creatinine-4-with-complication",
        "name": "Creatinine 4 mg/dL or more with hyperkalaemia, acidosis or fluid overload",
        "label_row": (
            "Serum creatinine of 4 mg/dL or more with severe fluid overload, acidosis "
            "or hyperkalaemia"
        ),
        "action": "withhold",
        "hold_reason": "renal",
        "source": OLDER_LABEL,
        "is_active": True,
        "conditions": [
            (1, "creatinine", "latest", "ge", D(4), None),
            (1, "potassium", "latest", "gt", D("5.5"), None),
            (2, "creatinine", "latest", "ge", D(4), None),
            (2, "bicarbonate", "latest", "lt", D(18), None),
            (3, "creatinine", "latest", "ge", D(4), None),
            (3, "weight_gain_percent", "latest", "gt", D(10), None),
        ],
    },
    {
        "slug": "oliguria-rising-creatinine",
        "name": "Urine below 10 mL/h for 16 hours with a rising creatinine",
        "label_row": "Persistent oliguria, urine output below 10 mL/h for 16 to 24 hours, "
        "with rising serum creatinine",
        "action": "withhold",
        "hold_reason": "renal",
        "source": OLDER_LABEL,
        "is_active": True,
        "conditions": [
            (1, "urine_ml_per_hour", "sustained", "lt", D(10), D(16)),
            (1, "creatinine", "rising", "", D("0.3"), D(48)),
        ],
    },
    {
        "slug": "on-dialysis",
        "name": "On dialysis",
        "label_row": "",
        "action": "withhold",
        "hold_reason": "renal",
        # Dialysis lowers the creatinine the renal rows read, so they cannot see the
        # renal failure it treats; more than 72 hours of it stops the course.
        "source": "Project rule for the label's renal rows (docs/clinical-sources.md §1)",
        "is_active": True,
        "conditions": [(1, "dialysis", "ongoing", "", None, None)],
    },
    {
        "slug": "weight-gain-over-15-percent",
        "name": "Weight gain above 15% of the admission weight",
        "label_row": "",
        "action": "withhold",
        "hold_reason": "institutional",
        "source": CONSENSUS,
        "is_active": False,
        "conditions": [(1, "weight_gain_percent", "latest", "gt", D(15), None)],
    },
    {
        "slug": "intubation-over-72-hours",
        "name": "Intubated for more than 72 hours",
        "label_row": "Intubation required for more than 72 hours",
        "action": "stop",
        "hold_reason": "",
        "source": LABEL,
        "is_active": True,
        "conditions": [(1, "intubation", "lasting", "", None, D(72))],
    },
    {
        "slug": "coma-over-48-hours",
        "name": "Coma or toxic psychosis for more than 48 hours",
        "label_row": "Coma or toxic psychosis lasting more than 48 hours",
        "action": "stop",
        "hold_reason": "",
        "source": LABEL,
        "is_active": True,
        "conditions": [(1, "coma_psychosis", "lasting", "", None, D(48))],
    },
    {
        "slug": "dialysis-over-72-hours",
        "name": "On dialysis for more than 72 hours",
        "label_row": "Renal failure requiring dialysis for more than 72 hours",
        "action": "stop",
        "hold_reason": "",
        "source": OLDER_LABEL,
        "is_active": True,
        "conditions": [(1, "dialysis", "lasting", "", None, D(72))],
    },
]

CONDITION_FIELDS = ("group", "parameter", "test", "comparison", "threshold", "hours")

READING = [
    "observations.view_chartrule",
    "observations.view_rulecondition",
    "observations.view_rulefiring",
]

GRANTS = {
    "admin": [
        *READING,
        "observations.add_chartrule",
        "observations.change_chartrule",
        "observations.view_historicalchartrule",
        "observations.add_rulecondition",
        "observations.change_rulecondition",
        "observations.delete_rulecondition",
        "observations.view_historicalrulecondition",
        "observations.view_historicalrulefiring",
    ],
}


def ship(apps, schema_editor):
    ChartRule = apps.get_model("observations", "ChartRule")
    RuleCondition = apps.get_model("observations", "RuleCondition")
    for order, rule in enumerate(CHART_RULES):
        values = {k: v for k, v in rule.items() if k not in ("slug", "conditions")}
        saved, created = ChartRule.objects.get_or_create(
            slug=rule["slug"], defaults={**values, "order": order}
        )
        if created:
            for condition in rule["conditions"]:
                RuleCondition.objects.create(
                    rule=saved, **dict(zip(CONDITION_FIELDS, condition, strict=True))
                )
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("observations", "0010_chart_rules")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]

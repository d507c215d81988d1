"""The alert rules the app ships with: which entries alert the care team, and how urgently.

Written out here to be read next to docs/alerts.md ("Alert rules"), where each rule
stands beside its source.  A rule names its trigger, what the entry must match (an
empty field matches any), a threshold and a severity; of the rules an entry meets,
the most severe wins (tracker/alerts/rules.py).  A centre edits them in the admin,
with a reason, and switches one off rather than deleting it.

These are the rows a new database holds after `migrate` (migrations 0009 and 0012
keep their own frozen copies) and what `python manage.py load_reference_data` adds where
missing; `tests/test_reference_data.py` fails if the two drift apart.  The
dose-level rules (a withhold overridden, a dose overdue, doses held) are shipped
with tracker/alerts/dose_rules.py.
"""

import importlib
from decimal import Decimal

from django.apps import apps as global_apps

from tracker.lib.reference import load_rows

LABEL = "Proleukin label (2024 PI, Table 2)"
OLDER_LABEL = "Proleukin label (older US PI; not yet checked against 2024)"
CTCAE = "CTCAE v5.0 general grade scale (4 life-threatening, 3 severe)"
PRO_CTCAE = "PRO-CTCAE answer scale (NCI); tiers our proposal, to be signed off"
FEVER = "CTCAE v5.0 Fever (grade 1 from 38.0 °C, grade 3 above 40.0 °C); our proposal"
ASCO = "ASCO irAE guideline: a TSH persistently above 10 mIU/L is treated"
ANTI_TPO = "J Clin Oncol 1993 (PubMed 8315436): anti-thyroid antibodies and IL-2 thyroiditis"
CONSENSUS = "Institutional criterion (J Immunother Cancer 2014, Table 3)"
ORDERS = "HD IL-2 admission orders (J Immunother Cancer 2014, additional file)"
OUR_PROPOSAL = "Our proposal, to be signed off"
HOME_FEVER = (
    "CTCAE v5.0 Fever (grade 1 from 38.0 °C, grade 3 above 40.0 °C); a patient injecting "
    "at home is told to call the ward for a fever; our proposal"
)
WEIGHT_GAIN = (
    "CTCAE v5.0 Weight gain (grade 1 from 5% over baseline); capillary leak shows first as "
    "weight gain (Proleukin boxed warning); our proposal"
)

D = Decimal

# The label's mental status row withholds for "moderate confusion or agitation":
# grade 2 of the CTCAE terms for a mental status change.
MENTAL_STATUS_TERMS = ["Confusion", "Agitation", "Somnolence", "Psychosis"]

# Each rule: name, trigger, severity, the fields it matches, its source.
ALERT_RULES = [
    # Patient answers (PRO-CTCAE, 0–4), the patient's fever by its temperature.
    {
        "name": "Any answer “very severe”",
        "trigger": "patient_answer",
        "severity": "urgent",
        "attribute": "severity",
        "at_least": D(4),
        "source": PRO_CTCAE,
    },
    {
        "name": "Any answer “severe”",
        "trigger": "patient_answer",
        "severity": "high",
        "attribute": "severity",
        "at_least": D(3),
        "source": PRO_CTCAE,
    },
    {
        "name": "Any answer interfering “very much”",
        "trigger": "patient_answer",
        "severity": "high",
        "attribute": "interference",
        "at_least": D(4),
        "source": PRO_CTCAE,
    },
    {
        "name": "Any symptom “frequently” or more",
        "trigger": "patient_answer",
        "severity": "routine",
        "attribute": "frequency",
        "at_least": D(3),
        "source": PRO_CTCAE,
    },
    {
        # Its only question: how often is all there is to go on.
        "name": "Diarrhoea “almost constantly”",
        "trigger": "patient_answer",
        "severity": "high",
        "symptom": "diarrhoea",
        "attribute": "frequency",
        "at_least": D(4),
        "source": PRO_CTCAE,
    },
    {
        "name": "Fever above 40.0 °C",
        "trigger": "patient_answer",
        "severity": "urgent",
        "symptom": "fever",
        "attribute": "temperature",
        "at_least": D("40.0"),
        "strictly_above": True,
        "source": FEVER,
    },
    {
        "name": "Fever of 38.0 °C or more",
        "trigger": "patient_answer",
        "severity": "high",
        "symptom": "fever",
        "attribute": "temperature",
        "at_least": D("38.0"),
        "source": FEVER,
    },
    {
        # Without a temperature, or below 38.0 °C, the team still sees it.
        "name": "Fever reported",
        "trigger": "patient_answer",
        "severity": "routine",
        "symptom": "fever",
        "attribute": "presence",
        "at_least": D(1),
        "source": FEVER,
    },
    # Staff CTCAE grades.
    {
        "name": "Any term grade 4 or more",
        "trigger": "staff_grade",
        "severity": "urgent",
        "at_least": D(4),
        "source": CTCAE,
    },
    {
        "name": "Any term grade 3 or more",
        "trigger": "staff_grade",
        "severity": "high",
        "at_least": D(3),
        "source": CTCAE,
    },
    *(
        {
            "name": f"{term} grade 2 or more",
            "trigger": "staff_grade",
            "severity": "urgent",
            "term": term,
            "at_least": D(2),
            "source": f"{LABEL}: mental status change, withhold",
        }
        for term in MENTAL_STATUS_TERMS
    ),
    {
        "name": "Seizure, any grade",
        "trigger": "staff_grade",
        "severity": "urgent",
        "term": "Seizure",
        "at_least": D(1),
        "source": f"{LABEL}: repetitive or hard-to-control seizures, stop for good",
    },
    {
        "name": "Hypotension grade 2 or more on a high-dose course",
        "trigger": "staff_grade",
        "severity": "high",
        "term": "Hypotension",
        "at_least": D(2),
        "high_dose_only": True,
        "source": f"{LABEL}: systolic BP below 90 mmHg, withhold",
    },
    # Thyroid results, flagged against the lab's own range.
    {
        "name": "Thyroid result out of range",
        "trigger": "thyroid",
        "severity": "routine",
        "source": "docs/clinical-sources.md §3; our proposal",
    },
    {
        "name": "TSH above 10 mIU/L",
        "trigger": "thyroid",
        "severity": "high",
        "test": "tsh",
        "flag": "high",
        "at_least": D(10),
        "strictly_above": True,
        "source": ASCO,
    },
    {
        "name": "Anti-TPO antibodies positive",
        "trigger": "thyroid",
        "severity": "routine",
        "test": "tpo",
        "flag": "high",
        "source": ANTI_TPO,
    },
    # Ward laboratory results, flagged against the lab's own range; a threshold is
    # read in the test's first unit (creatinine mg/dL, potassium mmol/L).
    {
        "name": "Laboratory result out of range",
        "trigger": "lab",
        "severity": "routine",
        "source": OUR_PROPOSAL,
    },
    {
        # The chart rule withholds above 4.5 mg/dL (urgent); 3.0 is where centres
        # hold before every dose.
        "name": "Creatinine 3.0 mg/dL or more",
        "trigger": "lab",
        "severity": "high",
        "test": "creatinine",
        "flag": "high",
        "at_least": D("3.0"),
        "source": f"{CONSENSUS}: creatinine ≥3 mg/dL absolute; {OLDER_LABEL}: above 4.5 withhold",
    },
    {
        "name": "Potassium above 5.5 mmol/L",
        "trigger": "lab",
        "severity": "high",
        "test": "potassium",
        "flag": "high",
        "at_least": D("5.5"),
        "strictly_above": True,
        "source": f"{ORDERS}: call the physician for K above 5.5; {OLDER_LABEL}: hyperkalaemia",
    },
    {
        # Chest pain with ischaemic ECG changes stops aldesleukin for good.
        "name": "Troponin I raised",
        "trigger": "lab",
        "severity": "high",
        "test": "troponin",
        "flag": "high",
        "source": f"{LABEL}: ECG changes of ischaemia or MI, stop for good",
    },
    # Events charted on the observation chart, alerted as they are charted.
    *(
        {
            "name": name,
            "trigger": "event",
            "severity": severity,
            "event_kind": kind,
            "source": source,
        }
        for name, severity, kind, source in [
            ("Transfer to ICU", "urgent", "icu_transfer", OUR_PROPOSAL),
            ("Intubation", "urgent", "intubation", f"{LABEL}: intubation over 72 h, stop"),
            (
                "Coma or toxic psychosis",
                "urgent",
                "coma_psychosis",
                f"{LABEL}: coma or toxic psychosis over 48 h, stop",
            ),
            ("Seizure", "urgent", "seizure", f"{LABEL}: repetitive seizures, stop"),
            ("Dialysis", "high", "dialysis", f"{OLDER_LABEL}: dialysis over 72 h, stop"),
        ]
    ),
]

# Readings the patient recorded at home (the ward's own entries have the chart rules):
# a weight gain is counted from the course's admission weight, or the registered one.
# Migration 0012 ships them.
HOME_READING_RULES = [
    {
        "name": "Temperature above 40.0 °C at home",
        "trigger": "reading",
        "severity": "urgent",
        "measure": "temperature_c",
        "at_least": D("40.0"),
        "strictly_above": True,
        "source": HOME_FEVER,
    },
    {
        "name": "Temperature of 38.0 °C or more at home",
        "trigger": "reading",
        "severity": "high",
        "measure": "temperature_c",
        "at_least": D("38.0"),
        "source": HOME_FEVER,
    },
    {
        "name": "Weight gain of 5% or more at home",
        "trigger": "reading",
        "severity": "high",
        "measure": "weight_gain_percent",
        "at_least": D(5),
        "source": WEIGHT_GAIN,
    },
    {
        "name": "Systolic BP below 90 mmHg at home",
        "trigger": "reading",
        "severity": "high",
        "measure": "systolic_bp",
        "at_least": D(90),
        "below": True,
        "source": f"{LABEL}: systolic BP below 90 mmHg, withhold",
    },
]


def every_rule() -> list[dict]:
    """These rules and the dose rules, which their own migration (0010) ships and keeps."""
    doses = importlib.import_module("tracker.alerts.migrations.0010_shipped_dose_alert_rules")
    return [*ALERT_RULES, *HOME_READING_RULES, *doses.RULES]


def rows():
    """Each rule as (natural key, values); fields a rule does not list are at their defaults."""
    defaults = {
        "active": True,
        "symptom": "",
        "attribute": "",
        "term": "",
        "test": "",
        "flag": "",
        "event_kind": "",
        "measure": "",
        "at_least": None,
        "strictly_above": False,
        "below": False,
        "high_dose_only": False,
    }
    for rule in every_rule():
        values = {k: v for k, v in rule.items() if k != "name"}
        yield {"name": rule["name"]}, {**defaults, **values}


def load(apps=global_apps, *, reset: bool = False):
    """Create or update the shipped rules; rules added in the admin stay."""
    return [load_rows(apps.get_model("alerts", "AlertRule"), rows(), reset=reset)]

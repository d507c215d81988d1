"""The bedside hold rules the app ships with, as one table to read and review.

Active: the label's withhold criteria, as far as one pre-dose check can attest
to them; the trends and durations it cannot express are the chart's rules
(tracker/observations/shipped.py).  The 2024 label's Table 2 rows are checked; the renal, sepsis and skin rows
come from the older label and are marked so.  Shipped inactive, for centres that
use them: institutional criteria from the 2014 expert consensus.  Both stay
editable in the admin.  A rule suggests holding a dose when the pre-dose
check's measure compares so with the threshold (`HoldRule.fires`).  Sources:
docs/clinical-sources.md §1.

These are the rows a new database holds after `migrate` (migrations 0002 and
0009 keep their own frozen copies) and what `python manage.py load_reference_data` adds where
missing (`--reset` also sets edited rules back); `tests/test_reference_data.py`
fails if the two drift apart.
"""

from decimal import Decimal

from django.apps import apps as global_apps

from tracker.lib.reference import load_rows

LABEL = "Proleukin label (2024 PI, Table 2)"
OLDER_LABEL = "Proleukin label (older US PI; not yet checked against 2024)"
CONSENSUS = "Institutional criterion (J Immunother Cancer 2014, Table 3)"

# measure, comparison, threshold, hold reason, source, active; listed in the order shown.
HOLD_RULES = [
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


def rows():
    """Each rule as (natural key, values): a rule is its measure, comparison and threshold."""
    for order, (measure, comparison, threshold, reason, source, active) in enumerate(HOLD_RULES):
        key = {"measure": measure, "comparison": comparison, "threshold": threshold}
        yield key, {"hold_reason": reason, "source": source, "is_active": active, "order": order}


def load(apps=global_apps, *, reset: bool = False):
    """Create or update the shipped rules; rules added in the admin stay."""
    return [load_rows(apps.get_model("ward", "HoldRule"), rows(), reset=reset)]

"""Every app's shipped reference data, loaded together.

The tables themselves are in `regimens/shipped.py`, `tracker/ward/shipped.py`,
`tracker/observations/shipped.py`, `tracker/symptoms/shipped.py`, `tracker/thyroid/shipped.py`
and `tracker/alerts/shipped.py`.
"""

from django.db import transaction

from regimens import shipped as regimens
from tracker.alerts import shipped as alerts
from tracker.observations import shipped as observations
from tracker.symptoms import shipped as symptoms
from tracker.thyroid import shipped as thyroid
from tracker.ward import shipped as ward

# In the order they load.
LOADERS = [regimens.load, ward.load, observations.load, symptoms.load, thyroid.load, alerts.load]


def load_all(*, reset: bool = False):
    """Load every app's tables in one transaction; return what each model's load did.

    `reset` sets shipped rows edited since back to the tables.
    """
    with transaction.atomic():
        return [loaded for load in LOADERS for loaded in load(reset=reset)]

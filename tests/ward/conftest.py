import pytest

from tracker.symptoms.models import CtcaeTerm
from tracker.symptoms.reporting import record_event


@pytest.fixture
def raise_alert():
    """Raise a care-team alert about `patient` the way the app does: a staff-graded event.

    Grade 4 hypotension raises an urgent alert, grade 3 a high one.
    """

    def raise_it(patient, by, *, grade=4, at, term="Hypotension"):
        term = CtcaeTerm.objects.get(version="5.0", term=term)
        event = record_event(
            patient, term, by=by, grade=grade, onset_at=at, attribution="possible", now=at
        )
        return event.alerts.get()

    return raise_it

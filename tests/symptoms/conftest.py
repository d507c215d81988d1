import pytest

from tracker.symptoms.models import ProSymptom
from tracker.symptoms.replies import answer_message, send_reply
from tracker.symptoms.reporting import report_symptom

MILD = {"frequency": 2, "severity": 1}  # nausea: no alert
ROUTINE = {"frequency": 3, "severity": 1}  # nausea: a routine alert, below "call now"
SEVERE = {"frequency": 3, "severity": 3}  # nausea: a high alert, "call now"
VERY_SEVERE = {"frequency": 4, "severity": 4}  # nausea: an urgent alert


@pytest.fixture
def make_report(personas):
    """A report by the personas' patient, of nausea answered mildly unless told otherwise."""

    def make(slug="nausea", answers=None, **fields):
        return report_symptom(
            personas.patient,
            ProSymptom.objects.get(slug=slug),
            by=personas.the_patient,
            answers=answers or MILD,
            **fields,
        )

    return make


@pytest.fixture
def thread(personas):
    """Write messages on a report: `thread(report, "nurse", "patient", …)` alternately."""

    def write(report, *who):
        sent = []
        for n, name in enumerate(who):
            if name == "patient":
                staff_message = next(m for m in reversed(sent) if not m.from_patient)
                sent.append(
                    answer_message(staff_message, by=personas.the_patient, body=f"Answer {n + 1}.")
                )
            else:
                by = getattr(personas, f"{name}_on_team")
                sent.append(send_reply(report, by=by, body=f"Message {n + 1} from the team."))
        return sent

    return write

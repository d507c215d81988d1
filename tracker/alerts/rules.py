"""When an entry raises an alert to the care team, and what the alert says.

Called by the operations that save each entry, in their transaction.
"""

from decimal import Decimal

from django.utils.text import Truncator

from tracker.alerts.models import Alert

STAFF_GRADE_ALERT = 3
PATIENT_ANSWER_ALERT = 3
TEXT_LENGTH = Alert._meta.get_field("text").max_length


def _raise(**fields) -> Alert:
    # Long names can make the text outgrow its column; shorten it rather than
    # refuse the entry (PostgreSQL would), since the entry itself is what matters.
    fields["text"] = Truncator(fields["text"]).chars(TEXT_LENGTH)
    return Alert.objects.create(**fields)


def alert_for_report(report) -> Alert | None:
    """A patient answer of 3 or more on severity or frequency."""
    if report.worst < PATIENT_ANSWER_ALERT:
        return None
    words = ", ".join(
        f"{attribute.label.lower()} {words.lower()} ({value})"
        for attribute, value, words in report.answers()
        if value >= PATIENT_ANSWER_ALERT and attribute.value in ("frequency", "severity")
    )
    return _raise(
        patient=report.patient,
        trigger=Alert.Trigger.PATIENT_ANSWER,
        symptom_report=report,
        text=f"{report.patient.full_name} reported {report.symptom.name.lower()}: {words}.",
    )


def alert_for_event(event) -> Alert | None:
    """A staff-graded side effect of grade 3 or more."""
    if event.grade < STAFF_GRADE_ALERT:
        return None
    return _raise(
        patient=event.patient,
        trigger=Alert.Trigger.STAFF_GRADE,
        adverse_event=event,
        text=f"{event.patient.full_name}: {event.term.term}, grade {event.grade}.",
    )


def alert_for_result(result) -> Alert | None:
    """A thyroid result outside the lab's range."""
    if not result.is_abnormal:
        return None
    return _raise(
        patient=result.patient,
        trigger=Alert.Trigger.THYROID,
        thyroid_result=result,
        text=(
            f"{result.patient.full_name}: {result.get_test_display()} "
            f"{Decimal(str(result.value)).normalize():f} {result.unit} is {result.get_flag_display().lower()}."
        ),
    )

"""A patient's open alerts, shown beside their doses: on the shift page, the dose page
and the record form, where a nurse must see them before giving a dose."""

from collections import defaultdict

from tracker.alerts.models import Alert


def _open_alerts(user):
    return (
        Alert.objects.visible_to(user)
        .open()
        .select_related("patient", "symptom_report", "adverse_event")
        .most_severe_first()
    )


def attach_open_alerts(user, doses) -> None:
    """Put each patient's open alerts beside their first listed dose, the next one due.

    Only the listed patients' alerts are read, so a long team costs no more than
    its doses in the window.
    """
    patient_ids = {dose.course.patient_id for dose in doses}
    open_alerts = defaultdict(list)
    if patient_ids:
        for alert in _open_alerts(user).filter(patient_id__in=patient_ids):
            open_alerts[alert.patient_id].append(alert)
    for dose in doses:
        dose.open_alerts = open_alerts.pop(dose.course.patient_id, [])


def other_open_alerts(user, doses, limit: int) -> tuple[list, int]:
    """The `limit` most severe open alerts of patients with no dose listed (between
    cycles, or after a course has stopped), which the page must show on their own,
    and how many there are in all.
    """
    alerts = _open_alerts(user).exclude(patient_id__in={dose.course.patient_id for dose in doses})
    # Most severe first across patients, not one patient's alerts after another's.
    return list(alerts[:limit]), alerts.count()


def patient_open_alerts(user, patient) -> list:
    """One patient's open alerts, most severe first, where one of their doses is recorded."""
    return list(
        Alert.objects.visible_to(user)
        .for_patient(patient)
        .open()
        .select_related("patient", "symptom_report", "adverse_event")
        .most_severe_first()
    )

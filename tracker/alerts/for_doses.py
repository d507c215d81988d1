"""A patient's open alerts, shown beside their doses: on the shift page, the dose page
and the record form, where a nurse must see them before giving a dose."""

from collections import defaultdict

from tracker.alerts.models import Alert


def attach_open_alerts(user, doses) -> list:
    """Put each patient's open alerts beside their first listed dose, the next one due.

    Returns the alerts of patients with no dose listed (between cycles, or after a
    course has stopped), which the page must show on their own.
    """
    every_alert = list(
        Alert.objects.visible_to(user)
        .open()
        .select_related("patient", "symptom_report", "adverse_event")
        .most_severe_first()
    )
    open_alerts = defaultdict(list)
    for alert in every_alert:
        open_alerts[alert.patient_id].append(alert)
    for dose in doses:
        dose.open_alerts = open_alerts.pop(dose.course.patient_id, [])
    # Most severe first across patients, not one patient's alerts after another's.
    return [alert for alert in every_alert if alert.patient_id in open_alerts]


def patient_open_alerts(user, patient) -> list:
    """One patient's open alerts, most severe first, where one of their doses is recorded."""
    return list(
        Alert.objects.visible_to(user)
        .for_patient(patient)
        .open()
        .select_related("patient", "symptom_report", "adverse_event")
        .most_severe_first()
    )

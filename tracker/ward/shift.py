"""The doses a shift must record: overdue first, then those coming due."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Prefetch

from regimens.models import Dose
from tracker.alerts.models import Alert
from tracker.ward.models import PreDoseCheck


def shift_doses(user, now, hours: int):
    """Doses waiting for a record: overdue first, then those due within `hours`."""
    latest_check = Prefetch(
        "checks", queryset=PreDoseCheck.objects.order_by("-taken_at"), to_attr="latest_checks"
    )
    doses = list(
        Dose.objects.visible_to(user)
        .recordable()
        .filter(planned_at__lt=now + timedelta(hours=hours))
        .with_course()
        .with_cycle_total()
        .prefetch_related(latest_check)
        .order_by("planned_at", "course__patient__family_name")
    )
    for dose in doses:
        dose.overdue_now = dose.is_overdue(now)
    overdue = [dose for dose in doses if dose.overdue_now]
    due = [dose for dose in doses if not dose.overdue_now]
    return overdue, due, attach_open_alerts(user, overdue + due)


def attach_open_alerts(user, doses) -> list:
    """Put each patient's open alerts beside their first listed dose, the next one due.

    Returns the alerts of patients with no dose listed (between cycles, or after a
    course has stopped), which the page must show on their own.
    """
    open_alerts = defaultdict(list)
    for alert in (
        Alert.objects.visible_to(user)
        .open()
        .select_related("patient", "symptom_report", "adverse_event")
        .most_severe_first()
    ):
        open_alerts[alert.patient_id].append(alert)
    for dose in doses:
        dose.open_alerts = open_alerts.pop(dose.course.patient_id, [])
    return [alert for alerts in open_alerts.values() for alert in alerts]


def patient_open_alerts(user, patient) -> list:
    """One patient's open alerts, most severe first, where one of their doses is recorded."""
    return list(
        Alert.objects.visible_to(user)
        .for_patient(patient)
        .open()
        .select_related("patient", "symptom_report", "adverse_event")
        .most_severe_first()
    )

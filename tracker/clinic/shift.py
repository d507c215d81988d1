"""The doses a shift must record: overdue first, then those coming due."""

from datetime import timedelta

from django.db.models import Prefetch

from regimens.models import Dose
from tracker.alerts.for_doses import attach_open_alerts
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
    attach_open_alerts(user, overdue + due)
    return overdue, due

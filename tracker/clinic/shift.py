"""The doses a shift must record: overdue first, then those coming due."""

from datetime import timedelta

from django.db.models import Prefetch, prefetch_related_objects

from regimens.models import Dose
from tracker.alerts.for_doses import attach_open_alerts
from tracker.ward.models import PreDoseCheck

# Most urgent first; the patient's name and the row's key keep a page's order the same
# from one request to the next when doses share a planned time.
URGENCY = ("planned_at", "course__patient__family_name", "pk")


def _latest_check() -> Prefetch:
    return Prefetch(
        "checks", queryset=PreDoseCheck.objects.order_by("-taken_at"), to_attr="latest_checks"
    )


def shift_lists(user, now, hours: int):
    """The shift's two lists, not yet read: the overdue doses, oldest first, and those
    coming due within `hours`, soonest first.

    A big team has hundreds of each, so the page reads them a page at a time (a count
    and one slice each) and then passes its pages to `show_on_shift`.
    """
    doses = Dose.objects.visible_to(user).with_course().with_cycle_total()
    overdue = doses.overdue(now).order_by(*URGENCY)
    due = (
        doses.not_overdue(now)
        .filter(planned_at__lt=now + timedelta(hours=hours))
        .order_by(*URGENCY)
    )
    return overdue, due


def show_on_shift(user, now, *pages) -> list:
    """Read the pages' doses, mark the overdue ones, and put each patient's open alerts
    beside their first dose shown; the doses shown, in order."""
    doses = []
    for page in pages:
        page.object_list = list(page.object_list)
        doses += page.object_list
    # One read of the checks for both lists' pages, not one for each.
    prefetch_related_objects(doses, _latest_check())
    for dose in doses:
        dose.overdue_now = dose.is_overdue(now)
    attach_open_alerts(user, doses)
    return doses

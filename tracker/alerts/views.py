"""Alerts to the care team: the list, and acknowledging one (its own page is in clinic).

Acknowledging works as a plain POST that goes back where the nurse was.  With
htmx the alert's card is replaced in place by the acknowledged one, wherever
it is shown: the alerts page, the clinic page or a dose on the shift page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import STAFF_ROLES
from tracker.alerts.access import get_alert_for_user
from tracker.alerts.forms import AcknowledgeForm
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.lib.http import safe_next

ACKNOWLEDGED_PER_PAGE = 50


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def alert_list(request):
    """Open alerts for my patients, most severe first; ?show=all adds the acknowledged ones."""
    show_all = request.GET.get("show") == "all"
    alerts = Alert.objects.visible_to(request.user).select_related(
        "patient", "acknowledged_by", "symptom_report", "adverse_event"
    )
    acknowledged = None
    if show_all:
        acknowledged = Paginator(
            alerts.filter(acknowledged_at__isnull=False), ACKNOWLEDGED_PER_PAGE
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/alert_list.html",
        {
            "open_alerts": list(alerts.open().most_severe_first()),
            "show_all": show_all,
            "acknowledged": acknowledged,
        },
    )


def already_acknowledged(alert, zone) -> str:
    """Who closed the alert first, and when on the viewer's ward clock."""
    at = timezone.localtime(alert.acknowledged_at, zone)
    return f"Already acknowledged by {alert.acknowledged_by} at {at:%H:%M %Z}."


def _back_to(request) -> str:
    """The page the acknowledgement came from, if it is one of ours; else the alerts page."""
    return safe_next(request, reverse("alert-list"))


@login_required
@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request, pk):
    """Close an alert with an optional note; the first acknowledgement stands."""
    alert = get_alert_for_user(request.user, pk, acknowledge=True)
    back_to = _back_to(request)
    compact = "compact" in (request.POST if request.method == "POST" else request.GET)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    notice = "" if alert.is_open else already_acknowledged(alert, request.user.ward_zone)
    if request.method == "POST" and form.is_valid():
        if acknowledge_alert(alert, by=request.user, note=form.cleaned_data["note"]):
            if not request.htmx:
                messages.success(request, f"Acknowledged: {alert.text}")
        else:
            # Someone else was first: show theirs, write nothing.
            alert = get_alert_for_user(request.user, pk)
            notice = already_acknowledged(alert, request.user.ward_zone)
            if not request.htmx:
                messages.warning(request, notice)
        if not request.htmx:
            return redirect(back_to)
        form = AcknowledgeForm()
    context = {
        "alert": alert,
        "compact": compact,
        "acknowledge_form": form,
        "alert_notice": notice,
        "alert_next": back_to,
        # Swapped in on the alert's own page: no link to itself.
        "on_its_page": back_to == reverse("alert-detail", args=[alert.pk]),
    }
    if request.htmx:
        return render(request, "alerts/includes/alert.html", context)
    return render(request, "alerts/alert_acknowledge.html", context)

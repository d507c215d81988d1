"""Alerts to the care team: the list, acknowledging one (its own page is in clinic), the
count in the navigation, and the wards' on-call rotas.

Acknowledging works as a plain POST that goes back where the nurse was.  With
htmx the alert's card is replaced in place by the acknowledged one, wherever
it is shown: the alerts page, the clinic page or a dose on the shift page.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import ROTA_EDITOR_ROLES, STAFF_ROLES
from tracker.accounts.sessions import background
from tracker.alerts import rota
from tracker.alerts.access import (
    can_edit_rota,
    get_alert_for_user,
    get_shift_for_user,
    get_ward_for_user,
)
from tracker.alerts.forms import AcknowledgeForm, CancelShiftForm, ShiftForm
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert, OnCallShift
from tracker.lib.http import safe_next
from tracker.lib.pages import page_of
from tracker.lib.reads import note_list
from tracker.lib.records import refused_on_form
from tracker.lib.zones import zone_in_words
from tracker.patients.models import Ward

ACKNOWLEDGED_PER_PAGE = 50
OPEN_PER_PAGE = 50


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def alert_list(request):
    """Open alerts for my patients, most severe first; ?show=all adds the acknowledged ones."""
    note_list()
    show_all = request.GET.get("show") == "all"
    alerts = Alert.objects.visible_to(request.user).select_related(
        "patient", "acknowledged_by", "symptom_report", "adverse_event"
    )
    acknowledged = None
    if show_all:
        acknowledged = page_of(
            request,
            alerts.filter(acknowledged_at__isnull=False),
            ACKNOWLEDGED_PER_PAGE,
            param="acknowledged_page",
        )
    # A page at a time, most severe first: the first page is what needs seeing to now.
    open_page = page_of(request, alerts.open().most_severe_first(), OPEN_PER_PAGE)
    return render(
        request,
        "alerts/alert_list.html",
        {
            "open_alerts": list(open_page.object_list),
            "open_page": open_page,
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


# The count in the navigation --------------------------------------------------------

# htmx stops polling when it gets this status (and swaps in its empty body).
STOP_POLLING = 286


@background
@require_GET
def alert_count(request):
    """The nav's badge of open urgent and high alerts, polled by htmx.

    Not @login_required: a page left open past the session's end would have the
    login page swapped into the navigation.  Such a poll is told to stop instead.
    """
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponse(status=STOP_POLLING)
        return redirect_to_login(request.get_full_path())
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied
    count = Alert.objects.visible_to(request.user).open().urgent_or_high().count()
    if request.GET.get("shown") == str(count):
        # Nothing new: htmx keeps the badge, and screen readers are not told it again.
        return HttpResponse(status=204)
    return render(
        request,
        "alerts/includes/alert_count.html",
        {"count": count, "poll_seconds": settings.ALERT_COUNT_POLL_SECONDS},
    )


# The on-call rota -------------------------------------------------------------------


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def ward_list(request):
    """Every ward, each with who is on call now, linking to its rota."""
    now = timezone.now()
    wards = Ward.objects.prefetch_related(
        Prefetch(
            "on_call_shifts",
            queryset=OnCallShift.objects.covering(now).select_related("person"),
            to_attr="on_call_now",
        )
    )
    return render(request, "alerts/ward_list.html", {"wards": wards})


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def ward_rota(request, ward_pk):
    """Who is on call now, in large type, then the shifts and gaps around it."""
    ward = get_ward_for_user(request.user, ward_pk)
    return render(
        request,
        "alerts/ward_rota.html",
        {
            "rota": rota.ward_rota(ward),
            "ward": ward,
            "zone_words": zone_in_words(ward.time_zone),
            "may_edit": can_edit_rota(request.user),
        },
    )


@login_required
@role_required(*ROTA_EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def shift_add(request, ward_pk):
    """Put someone on call for the ward, on the ward's clock."""
    ward = get_ward_for_user(request.user, ward_pk, edit=True)
    form = ShiftForm(request.POST or None, ward=ward, people=rota.people_who_may_be_on_call())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shift = rota.add_shift(
                ward,
                person=data["person"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                by=request.user,
            )
        except rota.RotaRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, f"{shift.person} is on the rota.")
            return redirect("ward-rota", ward.pk)
    return render(
        request,
        "alerts/shift_add.html",
        {"ward": ward, "form": form, "zone_words": zone_in_words(ward.time_zone)},
    )


@login_required
@role_required(*ROTA_EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def shift_cancel(request, ward_pk, pk):
    """Cancel a shift with a reason: it stays on the rota, struck through."""
    ward, shift = get_shift_for_user(request.user, ward_pk, pk)
    form = CancelShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rota.cancel_shift(shift, by=request.user, reason=form.cleaned_data["reason"])
        except rota.RotaRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, f"{shift.person}'s shift is cancelled.")
            return redirect("ward-rota", ward.pk)
    return render(
        request, "alerts/shift_cancel.html", {"ward": ward, "shift": shift, "form": form}
    )

"""The infusions page and the events page of a patient's chart, and their corrections.

Each running infusion and each ongoing event has its own small forms (change the rate,
stop, end), posted to their own address; a refused one is shown again on its own page
with the message, so nothing typed is lost.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tracker.lib.records import Refused
from tracker.lib.views import entered_in_error_page
from tracker.observations.access import (
    can_chart,
    get_observation_for_user,
    get_patient_for_charting,
)
from tracker.observations.forms.infusions import (
    ChangeRateForm,
    EndEventForm,
    StartEventForm,
    StartInfusionForm,
    StopInfusionForm,
)
from tracker.observations.infusions import (
    change_rate,
    end_event,
    mark_entered_in_error,
    start_event,
    start_infusion,
    stop_infusion,
    withdraw_end,
    withdraw_stop,
)
from tracker.observations.models.infusions import ClinicalEvent, Infusion, InfusionRateChange

# What the pages list besides what is still running or ongoing.
SHOWN_FOR = timedelta(hours=72)


def _infusions_url(patient) -> str:
    return reverse("chart-infusions", args=[patient.pk])


def _events_url(patient) -> str:
    return reverse("chart-events", args=[patient.pk])


# Infusions ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def infusions(request, pk):
    """Start an infusion; the running ones with their rate, then those stopped lately."""
    patient = get_patient_for_charting(request.user, pk, chart=request.method == "POST")
    charts = can_chart(request.user)
    form = StartInfusionForm(request.POST or None, patient=patient) if charts else None
    if request.method == "POST" and form.is_valid():
        try:
            infusion = start_infusion(patient, by=request.user, **form.values())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            messages.success(request, f"{infusion.name} started.")
            return redirect(_infusions_url(patient))
    now = timezone.now()
    shown = list(
        Infusion.objects.for_patient(patient)
        .filter(Q(stopped_at__isnull=True, state="active") | Q(taken_at__gte=now - SHOWN_FOR))
        .with_rate_changes()
        .select_related("recorded_by", "stopped_by")
        .latest_first()
    )
    running = [infusion for infusion in shown if infusion.is_running]
    for infusion in running:
        if charts:
            infusion.change_form = ChangeRateForm(patient=patient, auto_id=f"id_{infusion.pk}_%s")
            infusion.stop_form = StopInfusionForm(
                patient=patient, auto_id=f"id_stop_{infusion.pk}_%s"
            )
    return render(
        request,
        "observations/infusions.html",
        {
            "patient": patient,
            "form": form,
            "can_chart": charts,
            "running": running,
            "stopped": [infusion for infusion in shown if not infusion.is_running],
            "now": now,
        },
    )


def _infusion_action(request, pk, *, form_class, act, done: str, title: str):
    infusion = get_observation_for_user(request.user, Infusion, pk, correct=True)
    patient = infusion.patient
    form = form_class(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            act(infusion, form.cleaned_data)
        except Refused as refusal:
            form.refuse(refusal)
        else:
            messages.success(request, done.format(name=infusion.name))
            return redirect(_infusions_url(patient))
    return render(
        request,
        "observations/infusions_action.html",
        {"patient": patient, "infusion": infusion, "form": form, "title": title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def infusion_change_rate(request, pk):
    return _infusion_action(
        request,
        pk,
        form_class=ChangeRateForm,
        act=lambda infusion, data: change_rate(
            infusion, by=request.user, rate=data["rate"], at=data["taken_at"]
        ),
        done="{name}: rate changed.",
        title="Change the rate",
    )


@login_required
@require_http_methods(["GET", "POST"])
def infusion_stop(request, pk):
    return _infusion_action(
        request,
        pk,
        form_class=StopInfusionForm,
        act=lambda infusion, data: stop_infusion(infusion, by=request.user, at=data["stopped_at"]),
        done="{name} stopped.",
        title="Stop the infusion",
    )


@login_required
@require_http_methods(["GET", "POST"])
def infusion_error(request, pk):
    infusion = get_observation_for_user(request.user, Infusion, pk, correct=True)
    return entered_in_error_page(
        request,
        infusion,
        mark=mark_entered_in_error,
        marked_message=lambda: f"{infusion.name} marked as entered in error.",
        next_url=_infusions_url(infusion.patient),
        template="observations/infusions_error.html",
        context={
            "patient": infusion.patient,
            "entry": infusion,
            "what": f"the infusion of {infusion.name}",
            "back_url": _infusions_url(infusion.patient),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate_change_error(request, pk):
    change = get_observation_for_user(request.user, InfusionRateChange, pk, correct=True)
    return entered_in_error_page(
        request,
        change,
        mark=mark_entered_in_error,
        marked_message=lambda: "Rate change marked as entered in error.",
        next_url=_infusions_url(change.patient),
        template="observations/infusions_error.html",
        context={
            "patient": change.patient,
            "entry": change,
            "what": f"the change of {change.infusion.name} to {change.rate_text}",
            "back_url": _infusions_url(change.patient),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def infusion_stop_error(request, pk):
    """A stop charted in error: the infusion runs again until stopped at the right time."""
    infusion = get_observation_for_user(request.user, Infusion, pk, correct=True)
    return entered_in_error_page(
        request,
        infusion,
        mark=withdraw_stop,
        marked_message=lambda: f"The stop of {infusion.name} is withdrawn: it is running again.",
        next_url=_infusions_url(infusion.patient),
        template="observations/infusions_error.html",
        context={
            "patient": infusion.patient,
            "entry": infusion,
            "what": f"the stop of {infusion.name}",
            "back_url": _infusions_url(infusion.patient),
        },
    )


# Events ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def events(request, pk):
    """Start an event; the ongoing ones with how long they have lasted, then past ones."""
    patient = get_patient_for_charting(request.user, pk, chart=request.method == "POST")
    charts = can_chart(request.user)
    form = StartEventForm(request.POST or None, patient=patient) if charts else None
    if request.method == "POST" and form.is_valid():
        try:
            event = start_event(patient, by=request.user, **form.values())
        except Refused as refusal:
            form.refuse(refusal)
        else:
            messages.success(request, f"{event.name} charted.")
            return redirect(_events_url(patient))
    now = timezone.now()
    shown = list(
        ClinicalEvent.objects.for_patient(patient)
        .filter(
            Q(ended_at__isnull=True, state="active")
            | Q(taken_at__gte=now - SHOWN_FOR)
            | Q(ended_at__gte=now - SHOWN_FOR)
        )
        .select_related("recorded_by", "ended_by")
        .latest_first()
    )
    for event in shown:
        event.lasted = event.duration(now)
        event.passed = event.thresholds_passed(now)
        if charts and event.is_active and event.is_ongoing:
            event.end_form = EndEventForm(patient=patient, auto_id=f"id_end_{event.pk}_%s")
    return render(
        request,
        "observations/events.html",
        {
            "patient": patient,
            "form": form,
            "can_chart": charts,
            "ongoing": [e for e in shown if e.is_active and e.is_ongoing],
            "past": [e for e in shown if not (e.is_active and e.is_ongoing)],
            "now": now,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_end(request, pk):
    event = get_observation_for_user(request.user, ClinicalEvent, pk, correct=True)
    patient = event.patient
    form = EndEventForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            end_event(event, by=request.user, at=form.cleaned_data["ended_at"])
        except Refused as refusal:
            form.refuse(refusal)
        else:
            messages.success(request, f"{event.name} ended.")
            return redirect(_events_url(patient))
    return render(
        request,
        "observations/events_end.html",
        {"patient": patient, "event": event, "form": form, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_error(request, pk):
    event = get_observation_for_user(request.user, ClinicalEvent, pk, correct=True)
    return entered_in_error_page(
        request,
        event,
        mark=mark_entered_in_error,
        marked_message=lambda: f"{event.name} marked as entered in error.",
        next_url=_events_url(event.patient),
        template="observations/events_error.html",
        context={
            "patient": event.patient,
            "entry": event,
            "what": f"the event “{event.name}”",
            "back_url": _events_url(event.patient),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_end_error(request, pk):
    """An end charted in error: the event goes on until ended at the right time."""
    event = get_observation_for_user(request.user, ClinicalEvent, pk, correct=True)
    return entered_in_error_page(
        request,
        event,
        mark=withdraw_end,
        marked_message=lambda: f"The end of {event.name} is withdrawn: it is ongoing again.",
        next_url=_events_url(event.patient),
        template="observations/events_error.html",
        context={
            "patient": event.patient,
            "entry": event,
            "what": f"the end of “{event.name}”",
            "back_url": _events_url(event.patient),
        },
    )

"""The laboratory results page of a patient's chart: the latest result of each test, the
form for a sample's results, the last days' results, and marking one entered in error."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_http_methods

from tracker.lib.views import entered_in_error_page
from tracker.observations.access import (
    can_chart,
    get_observation_for_user,
    get_patient_for_charting,
)
from tracker.observations.charting import ChartRefused
from tracker.observations.forms.labs import LabPanelForm
from tracker.observations.labs import chart_panel, mark_entered_in_error
from tracker.observations.models.labs import LabResult

# The history lists a fortnight of results: a course's cycle and its rest days.
SHOWN_FOR = timedelta(days=14)


def _taken(entry) -> str:
    return dateformat.format(timezone.localtime(entry.taken_at, entry.patient.zone), "D j M, H:i")


def _charted_message(results) -> str:
    abnormal = [
        f"{r.get_test_display()} {r.shown_value} {r.unit_label} ({r.get_flag_display().lower()})"
        for r in results
        if r.is_abnormal
    ]
    said = (
        f"{len(results)} result{'s' if len(results) != 1 else ''} of the sample taken "
        f"{_taken(results[0])} charted."
    )
    return f"{said} Outside the lab's range: {'; '.join(abnormal)}." if abnormal else said


@login_required
@require_http_methods(["GET", "POST"])
def labs(request, pk):
    patient = get_patient_for_charting(request.user, pk, chart=request.method == "POST")
    latest = list(
        LabResult.objects.for_patient(patient)
        .latest_of_each_test()
        .select_related("patient")
        .order_by("test")
    )
    form = None
    if can_chart(request.user):
        form = LabPanelForm(
            request.POST or None,
            patient=patient,
            units={result.test: result.unit for result in latest},
        )
        if request.method == "POST" and form.is_valid():
            try:
                results = chart_panel(patient, by=request.user, **form.values())
            except ChartRefused as refusal:
                form.show_refusal(refusal)
            else:
                text = _charted_message(results)
                if any(result.is_abnormal for result in results):
                    messages.warning(request, text)
                else:
                    messages.success(request, text)
                return redirect("chart-labs", patient.pk)
    order = {test: index for index, test in enumerate(LabResult.Test.values)}
    latest.sort(key=lambda result: order[result.test])
    entries = (
        LabResult.objects.for_patient(patient)
        .filter(taken_at__gte=timezone.now() - SHOWN_FOR)
        .select_related("patient", "recorded_by")
        .order_by("-taken_at", "test", "-pk")
    )
    return render(
        request,
        "observations/labs.html",
        {
            "patient": patient,
            "form": form,
            "latest": latest,
            "entries": entries,
            "shown_days": SHOWN_FOR.days,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def labs_error(request, pk):
    """Mark a result entered in error, with a reason; it stays in the chart, struck through."""
    entry = get_observation_for_user(request.user, LabResult, pk, correct=True)
    patient = entry.patient
    return entered_in_error_page(
        request,
        entry,
        mark=mark_entered_in_error,
        marked_message=lambda: (
            f"{entry}, from the sample taken {_taken(entry)}, is marked entered in error. "
            "It stays in the chart, struck through, and no longer counts."
        ),
        next_url=reverse("chart-labs", args=[patient.pk]),
        template="observations/labs_error.html",
        context={"entry": entry, "patient": patient},
    )

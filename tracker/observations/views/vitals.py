"""The vital signs page of a patient's chart: the form, the last days' sets, and marking one
entered in error."""

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
from tracker.observations.forms.vitals import VitalSignsForm
from tracker.observations.models.vitals import VitalSigns
from tracker.observations.vitals import chart_vitals, mark_entered_in_error

# The page lists the sets of the last three days: an admission's worth at the bedside.
SHOWN_FOR = timedelta(hours=72)


def _taken(entry) -> str:
    return dateformat.format(timezone.localtime(entry.taken_at, entry.patient.zone), "D j M, H:i")


@login_required
@require_http_methods(["GET", "POST"])
def vitals(request, pk):
    patient = get_patient_for_charting(request.user, pk, chart=request.method == "POST")
    form = None
    if can_chart(request.user):
        form = VitalSignsForm(request.POST or None, patient=patient)
        if request.method == "POST" and form.is_valid():
            try:
                entry = chart_vitals(patient, by=request.user, **form.values())
            except ChartRefused as refusal:
                form.show_refusal(refusal)
            else:
                flags = entry.abnormal_findings()
                if flags:
                    messages.warning(
                        request,
                        f"Vital signs taken {_taken(entry)} charted. Abnormal: "
                        f"{'; '.join(flags)}.",
                    )
                else:
                    messages.success(request, f"Vital signs taken {_taken(entry)} charted.")
                return redirect("chart-vitals", patient.pk)
    entries = (
        VitalSigns.objects.for_patient(patient)
        .filter(taken_at__gte=timezone.now() - SHOWN_FOR)
        .select_related("recorded_by")
        .latest_first()
    )
    return render(
        request,
        "observations/vitals.html",
        {
            "patient": patient,
            "form": form,
            "entries": entries,
            "shown_hours": int(SHOWN_FOR.total_seconds() // 3600),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vitals_error(request, pk):
    """Mark a set entered in error, with a reason; it stays in the chart, struck through."""
    entry = get_observation_for_user(request.user, VitalSigns, pk, correct=True)
    patient = entry.patient
    return entered_in_error_page(
        request,
        entry,
        mark=mark_entered_in_error,
        marked_message=lambda: (
            f"The vital signs taken {_taken(entry)} are marked entered in error. They stay "
            "in the chart, struck through, and no longer count."
        ),
        next_url=reverse("chart-vitals", args=[patient.pk]),
        template="observations/vitals_error.html",
        context={"entry": entry, "patient": patient},
    )

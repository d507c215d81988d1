"""The fluid and weight pages: chart an entry, read the balances, mark an entry in error."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tracker.lib.records import refused_on_form
from tracker.lib.views import entered_in_error_page
from tracker.observations import fluids
from tracker.observations.access import (
    can_chart,
    get_observation_for_user,
    get_patient_for_charting,
)
from tracker.observations.charting import ChartRefused, current_course, mark_entered_in_error
from tracker.observations.forms.fluids import FluidForm, WeightForm
from tracker.observations.models.fluids import (
    INTAKE_KINDS,
    OUTPUT_KINDS,
    FluidEntry,
    WeightEntry,
)

# The entries listed below the form: the last two days, for the handover and the day before.
LISTED = timedelta(hours=48)
# The window the page reads urine output over, as the oliguria rule would.
URINE_WINDOW = timedelta(hours=6)
# Below this the page says the urine output is low (docs/clinical-sources.md §1).
LOW_URINE_ML_PER_HOUR = 10


@login_required
@require_http_methods(["GET", "POST"])
def fluid_chart(request, pk):
    patient = get_patient_for_charting(request.user, pk, chart=request.method == "POST")
    form = FluidForm(request.POST or None, patient=patient) if can_chart(request.user) else None
    if request.method == "POST" and form.is_valid():
        try:
            entry = fluids.chart_fluid(patient, by=request.user, **form.chart_fields())
        except ChartRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, f"{entry} charted.")
            return redirect("chart-fluids", patient.pk)
    now = timezone.now()
    course = current_course(patient, now)
    weight = course.weight_gain_baseline if course else None
    entries = list(
        FluidEntry.objects.for_patient(patient)
        .filter(taken_at__gte=now - LISTED)
        .select_related("recorded_by")
        .latest_first()
    )
    for entry in entries:
        entry.ml_per_kg_hour = entry.urine_ml_per_kg_hour(weight)
    urine = fluids.urine_rate_over(patient, now - URINE_WINDOW, now, weight_kg=weight)
    return render(
        request,
        "observations/fluids.html",
        {
            "patient": patient,
            "form": form,
            "kinds": _kind_groups(form),
            "entries": entries,
            "shift": fluids.shift_balance(patient, now),
            "day": fluids.last_24_hours_balance(patient, now),
            "urine": urine,
            "urine_low": urine.ml_per_hour is not None
            and urine.ml_per_hour < LOW_URINE_ML_PER_HOUR,
            "low_urine": LOW_URINE_ML_PER_HOUR,
            "admission_weight": weight,
        },
    )


def _kind_groups(form) -> list:
    """The kinds as two rows of big buttons, intake then output, with the one chosen."""
    if form is None:
        return []
    chosen = form["kind"].value()
    return [
        (label, [(kind.value, kind.label, kind.value == chosen) for kind in kinds])
        for label, kinds in (("Intake", INTAKE_KINDS), ("Output", OUTPUT_KINDS))
    ]


@login_required
@require_http_methods(["GET", "POST"])
def weight_chart(request, pk):
    patient = get_patient_for_charting(request.user, pk, chart=request.method == "POST")
    form = WeightForm(request.POST or None, patient=patient) if can_chart(request.user) else None
    if request.method == "POST" and form.is_valid():
        try:
            entry = fluids.chart_weight(patient, by=request.user, **form.chart_fields())
        except ChartRefused as refusal:
            refused_on_form(form, refusal)
        else:
            gain = entry.gain_percent()
            text = f"{entry} charted."
            if gain is not None:
                text += f" {gain:+}% from the admission weight."
            messages.success(request, text)
            return redirect("chart-weight", patient.pk)
    now = timezone.now()
    entries = list(
        WeightEntry.objects.for_patient(patient)
        .filter(taken_at__gte=now - 3 * LISTED)
        .select_related("recorded_by", "course")
        .latest_first()
    )
    course = current_course(patient, now)
    return render(
        request,
        "observations/weight.html",
        {"patient": patient, "form": form, "entries": entries, "course": course},
    )


def _error_page(request, model, pk, *, page: str, template: str, counts_for: str):
    entry = get_observation_for_user(request.user, model, pk, correct=True)
    patient = entry.patient
    return entered_in_error_page(
        request,
        entry,
        mark=mark_entered_in_error,
        marked_message=lambda: (
            f"{entry} is marked entered in error. It stays in the list, struck through, "
            f"and no longer counts {counts_for}."
        ),
        next_url=reverse(page, args=[patient.pk]),
        template=template,
        context={"entry": entry, "patient": patient, "back_url": reverse(page, args=[patient.pk])},
    )


@login_required
@require_http_methods(["GET", "POST"])
def fluid_error(request, pk):
    """Mark a fluid entry entered in error; it drops out of the balances and urine rates."""
    return _error_page(
        request,
        FluidEntry,
        pk,
        page="chart-fluids",
        template="observations/fluids_error.html",
        counts_for="in the balances or the urine output",
    )


@login_required
@require_http_methods(["GET", "POST"])
def weight_error(request, pk):
    """Mark a weight entered in error."""
    return _error_page(
        request,
        WeightEntry,
        pk,
        page="chart-weight",
        template="observations/weight_error.html",
        counts_for="as the patient's weight",
    )

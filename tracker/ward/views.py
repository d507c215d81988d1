"""The bedside: recording a dose, pre-dose checks and corrections.

Every form works as a plain POST.  With htmx, the shift page records a dose in
place: the form opens inside the dose's row and the saved row replaces it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from regimens.models import Dose
from tracker.accounts.roles import EDITOR_ROLES
from tracker.alerts.for_doses import attach_open_alerts, patient_open_alerts
from tracker.lib.http import safe_next
from tracker.lib.records import refused_on_form
from tracker.lib.views import entered_in_error_page
from tracker.observations import rules as chart_rules
from tracker.ward.access import (
    can_override_withhold,
    get_dose_for_user,
    get_override_for_user,
    get_own_dose,
    get_record_for_user,
    get_record_to_verify,
)
from tracker.ward.decision import check_initial, decision_panel
from tracker.ward.forms import (
    CorrectionForm,
    OwnDoseForm,
    PreDoseCheckForm,
    RecordDoseForm,
    WithholdOverrideForm,
)
from tracker.ward.models import DoseRecord, HoldRule, NotGivenReason, PreDoseCheck
from tracker.ward.recording import (
    DIFFERENT_TIME,
    RecordRefused,
    authorise_override,
    correct_record,
    earliest_own_time,
    mark_entered_in_error,
    needing_an_answer,
    record_check,
    record_dose,
    record_own_dose,
    refusal_to_record_own,
    verify_record,
    withdraw_override,
    withhold_status,
)
from tracker.ward.sites import InjectionSite, suggest_site


def _from_shift(request) -> bool:
    return "shift" in (request.POST.get("from"), request.GET.get("from"))


def _back_to(request, dose) -> str:
    """Back to the shift page if the nurse came from it, else to the dose."""
    if _from_shift(request):
        return reverse("nurse-home")
    return reverse("dose-detail", args=[dose.pk])


def _shift_row(request, dose):
    """The dose's card on the shift page, once recorded, with the patient's open alerts."""
    dose = Dose.objects.with_cycle_total().with_course().get(pk=dose.pk)
    attach_open_alerts(request.user, [dose])
    return render(
        request,
        "ward/includes/shift_dose.html",
        {"dose": dose, "can_record": True, "record": dose.records.active().first()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dose_record(request, pk):
    dose = get_dose_for_user(request.user, pk, record=True)
    open_alerts = patient_open_alerts(request.user, dose.course.patient)
    form = RecordDoseForm(
        request.POST or None,
        dose=dose,
        user=request.user,
        urgent_alerts=needing_an_answer(open_alerts),
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = record_dose(
                dose,
                by=request.user,
                override_reason=form.authorisation_reason(),
                **form.record_fields(),
                **form.alert_answers(),
            )
        except RecordRefused as refusal:
            refused_on_form(form, refusal)
            form.asks = refusal.asks
        else:
            if request.htmx and _from_shift(request):
                # The saved card, showing the record, replaces the whole card.
                return retarget(reswap(_shift_row(request, dose), "outerHTML"), f"#dose-{dose.pk}")
            outcome = record.get_outcome_display().lower()
            messages.success(request, f"{dose.course.patient.full_name}: {dose} {outcome}.")
            if request.htmx:
                return HttpResponseClientRedirect(_back_to(request, dose))
            return redirect(_back_to(request, dose))
    refusal = dose.refusal_to_record()
    template = "ward/includes/record_form.html" if request.htmx else "ward/dose_record.html"
    return render(
        request,
        template,
        {
            "dose": dose,
            "patient": dose.course.patient,
            "form": form,
            "refusal": refusal,
            "from_shift": _from_shift(request),
            "open_alerts": open_alerts,
            # An alert acknowledged here comes back to the form, or to the shift page.
            "alert_next": _back_to(request, dose)
            if _from_shift(request)
            else reverse("dose-record", args=[dose.pk]),
            "latest_check": dose.checks.order_by("-taken_at").first(),
            "last_given": DoseRecord.objects.active()
            .filter(outcome="given", dose__course__patient=dose.course.patient)
            .select_related("dose")
            .order_by("-given_at")
            .first(),
            "needs_check": dose.course.needs_pre_dose_check,
            "withhold": withhold_status(dose, timezone.now()),
            "panel": None if request.htmx else decision_panel(dose, timezone.now()),
        },
    )


def _record_check(request, dose, form):
    """Save the check and the decision; a response on success, None to show the form again."""
    decision = form.cleaned_data["decision"]
    if not decision:
        form.add_error("decision", "Choose to give, hold, or ask the prescriber.")
        return None
    try:
        check, held = record_check(
            dose,
            by=request.user,
            decision=decision,
            hold_reason=form.cleaned_data["hold_reason"],
            override_reason=form.authorisation_reason(),
            **form.values(),
        )
    except RecordRefused as refusal:
        refused_on_form(form, refusal)
        return None
    if held:
        messages.success(request, f"Pre-dose check recorded; {dose} held.")
        return redirect(_back_to(request, dose))
    if decision == PreDoseCheck.Decision.ASK:
        messages.success(
            request,
            f"Pre-dose check recorded; {dose} stays scheduled until the prescriber decides "
            "to authorise it or hold it.",
        )
        return redirect(_back_to(request, dose))
    if check.stops_course:
        messages.warning(
            request,
            "A criterion to stop for good is met: the label stops the course. "
            "The prescriber discontinues it from the course page.",
        )
    messages.success(request, "Pre-dose check recorded. Record the dose once it starts.")
    record_url = reverse("dose-record", args=[dose.pk])
    return redirect(record_url + ("?from=shift" if _from_shift(request) else ""))


@login_required
@require_http_methods(["GET", "POST"])
def dose_check(request, pk):
    """Pre-dose observations; the hold rules they fire are shown before the nurse decides."""
    dose = get_dose_for_user(request.user, pk, record=True)
    form, valid = None, False
    recording = "record" in request.POST and not request.htmx
    if request.method == "POST":
        form = PreDoseCheckForm(request.POST, dose=dose, user=request.user)
        valid = form.is_valid()
        if valid and recording:
            # Recording reads the chart and the hold rules itself; the page reads them
            # below only to show the form again.
            done = _record_check(request, dose, form)
            if done:
                return done
    panel = decision_panel(dose, timezone.now())
    if form is None:
        initial = check_initial(panel, dose.course.patient.zone)
        form = PreDoseCheckForm(dose=dose, user=request.user, initial=initial)
    fired = unchecked = entered = None
    rules = HoldRule.objects.active()
    if valid:
        entered = form.unsaved_check(dose)
        fired = entered.evaluate(rules)
        unchecked = entered.unchecked_criteria(rules)
        if panel:
            # Read at the check's own time, as recording it will.
            chart = chart_rules.assess(dose.course, entered.taken_at)
            fired = entered.fired_rules = fired + [result.snapshot() for result in chart.met]
            unchecked = unchecked + [result.rule.name for result in chart.no_data]
        if fired and not recording and not form.data.get("hold_reason"):
            # Pre-select the reason of the first rule that fired; the nurse may change it.
            form.data = form.data.copy()
            form.data["hold_reason"] = fired[0]["hold_reason"]
    return render(
        request,
        "ward/dose_check.html",
        {
            "dose": dose,
            "patient": dose.course.patient,
            "form": form,
            "fired": fired,
            "unchecked": unchecked,
            "stops_course": entered is not None and entered.stops_course,
            "can_discontinue": request.user.role in EDITOR_ROLES,
            "can_override": can_override_withhold(request.user),
            "refusal": dose.refusal_to_record(),
            "rules": rules,
            "panel": panel,
            "from_shift": _from_shift(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dose_authorise(request, pk):
    """A clinician authorises giving a dose the pre-dose rules withhold, with a reason."""
    dose = get_dose_for_user(request.user, pk, override=True)
    form = WithholdOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authorise_override(dose, by=request.user, reason=form.cleaned_data["reason"])
        except RecordRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, f"Giving {dose} authorised. The nurse can record it.")
            return redirect("dose-detail", dose.pk)
    return render(
        request,
        "ward/dose_authorise.html",
        {
            "dose": dose,
            "patient": dose.course.patient,
            "form": form,
            "refusal": dose.refusal_to_record(),
            "withhold": withhold_status(dose, timezone.now()),
            "panel": None if request.htmx else decision_panel(dose, timezone.now()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_correct(request, pk):
    """Mark a record entered in error, with a reason, and replace or withdraw it."""
    record = get_record_for_user(request.user, pk, correct=True)
    dose = record.dose
    form = CorrectionForm(request.POST or None, dose=dose, user=request.user)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.withdraws:
                mark_entered_in_error(record, by=request.user, reason=reason)
            else:
                correct_record(
                    record,
                    by=request.user,
                    reason=reason,
                    override_reason=form.authorisation_reason(),
                    **form.record_fields(),
                )
        except RecordRefused as refusal:
            refused_on_form(form, refusal)
            form.asks = refusal.asks
        else:
            messages.success(
                request, f"{dose} corrected; the old record is kept, marked entered in error."
            )
            return redirect("dose-detail", dose.pk)
    return render(
        request,
        "ward/record_correct.html",
        {"record": record, "dose": dose, "patient": dose.course.patient, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def override_withdraw(request, pk):
    """A clinician withdraws an authorisation made in error, with a reason."""
    override = get_override_for_user(request.user, pk, withdraw=True)
    dose = override.dose
    return entered_in_error_page(
        request,
        override,
        mark=withdraw_override,
        marked_message=lambda: (
            f"The authorisation to give {dose} is withdrawn: the dose is withheld again."
        ),
        next_url=reverse("dose-detail", args=[dose.pk]),
        template="ward/override_withdraw.html",
        context={"override": override, "dose": dose, "patient": dose.course.patient},
    )


# The patient's own home injections ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_dose_record(request, pk):
    """The patient records a home injection: the site suggested, then "Save: injected now".

    `?when=earlier` asks for the time; `?when=not_taken` for why it was not taken.
    """
    dose = get_own_dose(request.user, pk)
    patient = dose.course.patient
    recent = DoseRecord.objects.recent_sites(patient)
    suggested = suggest_site(recent)
    form = OwnDoseForm(request.POST or None, dose=dose, suggested_site=suggested)
    mode = request.POST.get("action") or request.GET.get("when") or OwnDoseForm.NOW
    if request.method == "POST" and form.is_valid():
        try:
            record = record_own_dose(dose, by=request.user, **form.own_record_fields())
        except RecordRefused as refusal:
            refused_on_form(form, refusal)
            form.asks = refusal.asks
        else:
            if record.outcome == DoseRecord.Outcome.NOT_GIVEN:
                return redirect("my-dose-missed", dose.pk)
            when = timezone.localtime(record.given_at, patient.zone)
            messages.success(
                request,
                f"Saved: dose {dose.dose_in_course} injected at {when:%H:%M}, "
                f"{record.get_injection_site_display().lower()}. Thank you.",
            )
            return redirect("patient-home")
    return render(
        request,
        "ward/my_dose_record.html",
        {
            "dose": dose,
            "patient": patient,
            "form": form,
            "mode": mode,
            "asks_reason": DIFFERENT_TIME in form.asks
            or bool(form.data.get("different_time_reason")),
            "refusal": refusal_to_record_own(dose),
            "suggested": suggested,
            "last_site": InjectionSite(recent[0]).label if recent else None,
            "earliest": earliest_own_time(dose),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_dose_missed(request, pk):
    """The patient says they missed a home dose: what to do next, and the team is told."""
    dose = get_own_dose(request.user, pk)
    patient = dose.course.patient
    error = None
    if request.method == "POST":
        try:
            record_own_dose(
                dose,
                by=request.user,
                outcome=DoseRecord.Outcome.NOT_GIVEN,
                not_given_reason=NotGivenReason.MISSED,
            )
        except RecordRefused as refusal:
            error = refusal.message
        else:
            return redirect("my-dose-missed", dose.pk)
    record = dose.records.active().first()
    return render(
        request,
        "ward/my_dose_missed.html",
        {
            "dose": dose,
            "patient": patient,
            "record": record,
            "error": error,
            "ward_phone_number": (patient.ward.phone if patient.ward else "") or None,
        },
    )


@login_required
@require_http_methods(["POST"])
def record_verify(request, pk):
    """A nurse or clinician on the team confirms what the patient recorded."""
    record = get_record_to_verify(request.user, pk)
    dose = record.dose
    try:
        verify_record(record, by=request.user)
    except RecordRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, f"{dose.course.patient.full_name}: the patient's record of {dose} verified."
        )
    return redirect(safe_next(request, reverse("dose-detail", args=[dose.pk])))

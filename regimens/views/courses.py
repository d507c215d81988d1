from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from regimens.access import get_course_for_user
from regimens.courses import (
    CourseRefused,
    NeedsConfirmation,
    cancel_course,
    cycles_to_end,
    delay_remaining_doses,
    discontinue_course,
    dose_comparison,
    dosing_warnings,
    end_cycle,
    first_fixed_dose,
    move_refusal,
    move_start,
    plan_delay,
    plan_end_cycle,
    plan_move,
    preview_course,
    record_discharge,
    record_discharge_between_cycles,
    start_course,
    start_refusals,
)
from regimens.forms import (
    CancelCourseForm,
    CourseForm,
    DelayForm,
    DischargeForm,
    DiscontinueCourseForm,
    EndCycleForm,
    MoveStartForm,
)
from regimens.models import Dose, RegimenTemplate
from tracker.accounts.roles import CARE_TEAM_ROLES
from tracker.lib.http import id_from_query
from tracker.lib.records import refused_on_form
from tracker.patients.access import EDITOR_ROLES, get_patient_for_user


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request, patient_pk):
    """Choose a regimen, preview its calendar, then confirm to save it."""
    patient = get_patient_for_user(request.user, patient_pk, edit=True)
    initial = {
        "time_zone": patient.time_zone,
        "weight_kg": patient.weight_kg,
        "height_cm": patient.height_cm,
    }
    chosen = id_from_query(request.GET.get("template"))
    template = (
        RegimenTemplate.objects.filter(is_active=True, pk=chosen).first() if chosen else None
    )
    if template:
        initial.update(template=template.pk, **CourseForm.defaults_of(template))
    form = CourseForm(request.POST or None, initial=initial, patient=patient)
    preview = None
    if request.method == "POST" and form.is_valid():
        preview = _check_course(request, patient, form)
        if preview and not form.errors and "confirm" in request.POST:
            try:
                course = start_course(
                    patient=patient,
                    created_by=request.user,
                    override_reason=form.cleaned_data["override_reason"],
                    confirmed=form.confirmed(),
                    **form.choices(),
                )
            except CourseRefused as refusal:
                _show_refusal(form, refusal)
            else:
                messages.success(request, f"Course started: {course.doses.count()} doses planned.")
                return redirect(course)
    return render(
        request,
        "regimens/course_form.html",
        {"patient": patient, "form": form, "preview": preview},
    )


def _show_refusal(form, refusal: CourseRefused) -> None:
    if isinstance(refusal, NeedsConfirmation):
        form.ask_to_confirm(refusal.field, refusal.message)
    else:
        refused_on_form(form, refusal)


def _check_course(request, patient, form) -> dict | None:
    """The preview of the course the form describes, with every refusal on the form.

    None when the choices make no calendar; nothing is written either way.
    """
    try:
        course, plan = preview_course(**form.choices())
    except CourseRefused as refusal:
        refused_on_form(form, refusal)
        return None
    comparison = dose_comparison(patient, course)
    for refusal in start_refusals(
        patient,
        course,
        plan,
        by=request.user,
        override_reason=form.cleaned_data["override_reason"],
        confirmed=form.confirmed(),
        comparison=comparison,
    ):
        _show_refusal(form, refusal)
    return {
        "course": course,
        "rows": [
            (p, p.local_start(course.time_zone), course.dose_iu_on(p.cycle, p.day)) for p in plan
        ],
        "dose": course.dose_calculation(),
        "dose_change": comparison,
        "vials": course.vial_counts(plan),
        "warnings": dosing_warnings(course),
    }


@login_required
def course_detail(request, pk):
    course = get_course_for_user(request.user, pk)
    now = timezone.now()
    doses = list(course.doses.order_by("dose_in_course"))
    counts = course.counts(now)
    next_dose = next((d for d in doses if d.status == Dose.Status.SCHEDULED), None)
    caps = {row.cycle: row.cap for row in counts.cycles}
    cycle_ends = {end.cycle: end for end in course.cycle_ends.select_related("ended_by")}
    return render(
        request,
        "regimens/course_detail.html",
        {
            "course": course,
            "patient": course.patient,
            "doses": doses,
            "counts": counts,
            "next_dose": next_dose,
            # Read from the dose row: where the course really started, whatever was moved.
            "first_dose_at": doses[0].local_time() if doses else None,
            "started": first_fixed_dose(doses, now) is not None,
            "next_cap": caps.get(next_dose.cycle) if next_dose else None,
            "now": now,
            "dose": course.dose_calculation(),
            "vials": course.vial_counts(d for d in doses if d.status != Dose.Status.CANCELLED),
            "warnings": dosing_warnings(course),
            "can_edit": request.user.role in EDITOR_ROLES and course.is_open,
            "can_discharge": request.user.role in EDITOR_ROLES
            and course.refusal_to_discharge() is None,
            "can_cancel": course.refusal_to_cancel() is None,
            "can_record": request.user.role in CARE_TEAM_ROLES,
            "can_end_cycle": request.user.role in EDITOR_ROLES
            and bool(cycles_to_end(course, doses, now)),
            "ended_early": [(row, cycle_ends.get(row.cycle)) for row in counts.cycles],
            "discharges": list(course.discharges.select_related("recorded_by")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_move(request, pk):
    """Move the start of a course not yet started, or delay the doses still to come of one
    that has.  Either is previewed first; "confirm" applies exactly what was previewed."""
    course = get_course_for_user(request.user, pk, edit=True)
    now = timezone.now()
    doses = list(course.doses.order_by("dose_in_course"))
    fixed = first_fixed_dose(doses, now)
    if fixed:
        following = next((d for d in doses if d.is_movable(now)), None)
        when = following.local_time() if following else None
        form_class, planner, operation = DelayForm, plan_delay, delay_remaining_doses
    else:
        when = course.local_start
        form_class, planner, operation = MoveStartForm, plan_move, move_start
    initial = {"start_date": when.date(), "start_time": when.time()} if when else {}
    form = form_class(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        previewed = request.POST.get("previewed", "")
        try:
            if "confirm" in request.POST and previewed:
                done = operation(
                    course,
                    form.start(),
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    expected=previewed,
                )
                messages.success(request, _done_message(done))
                return redirect(course)
            preview = planner(course, form.start(), now, doses)
        except CourseRefused as refusal:
            refused_on_form(form, refusal)
    return render(
        request,
        "regimens/course_move.html",
        {
            "course": course,
            "patient": course.patient,
            "form": form,
            "fixed": fixed,
            "move_refusal": move_refusal(fixed) if fixed else "",
            "preview": preview,
            "rows": _preview_rows(course, preview) if preview else [],
        },
    )


def _done_message(done) -> str:
    verb = "Course moved" if done.kind == "move" else "Doses delayed"
    plural = done.moved != 1
    text = f"{verb}: {done.moved} dose{'s have' if plural else ' has'} new times"
    if done.cancelled:
        text += f"; {done.cancelled} cancelled"
    return text + "."


def _preview_rows(course, preview) -> list[dict]:
    """Old and new times side by side, on the course's clock."""
    zone = ZoneInfo(course.time_zone)
    return [
        {
            "change": change,
            "old": change.old_at and timezone.localtime(change.old_at, zone),
            "new": change.new and timezone.localtime(change.new.start_utc, zone),
        }
        for change in preview.changes
    ]


@login_required
@require_http_methods(["GET", "POST"])
def course_cancel(request, pk):
    course = get_course_for_user(request.user, pk, edit=True)
    form = CancelCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = cancel_course(course, by=request.user, reason=form.cleaned_data["reason"])
        except CourseRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, f"Course cancelled: {cancelled} future doses cancelled.")
            return redirect(course)
    return render(request, "regimens/course_cancel.html", {"course": course, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_discontinue(request, pk):
    course = get_course_for_user(request.user, pk, edit=True)
    form = DiscontinueCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cancelled = discontinue_course(
                course,
                by=request.user,
                code=data["code"],
                note=data["note"],
                discharged_on=data["discharged_on"],
            )
        except CourseRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, f"Course discontinued: {cancelled} future doses cancelled.")
            return redirect(course)
    return render(request, "regimens/course_discontinue.html", {"course": course, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_discharge(request, pk):
    """The discharge that ends the course, or one between cycles that keeps the next."""
    course = get_course_for_user(request.user, pk, edit=True)
    next_cycle = course.next_cycle_start(timezone.now()) if course.is_open else None
    form = DischargeForm(request.POST or None, next_cycle=next_cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form.between_cycles:
                discharge = record_discharge_between_cycles(
                    course, by=request.user, on=data["discharged_on"], note=data["note"]
                )
            else:
                lapsed = record_discharge(
                    course, by=request.user, on=data["discharged_on"], note=data["note"]
                )
        except CourseRefused as refusal:
            refused_on_form(form, refusal)
        else:
            if form.between_cycles:
                messages.success(
                    request,
                    f"Discharge after cycle {discharge.after_cycle} recorded; "
                    f"cycle {next_cycle.cycle} stays planned.",
                )
            else:
                messages.success(
                    request, f"Discharge recorded; {lapsed} doses not reached were cancelled."
                )
            return redirect(course)
    return render(
        request,
        "regimens/course_discharge.html",
        {"course": course, "form": form, "next_cycle": next_cycle},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_end_cycle(request, pk):
    """End a cycle early, keeping the next: the doses it cancels are shown, then confirmed."""
    course = get_course_for_user(request.user, pk, edit=True)
    now = timezone.now()
    doses = list(course.doses.order_by("dose_in_course"))
    cycles = cycles_to_end(course, doses, now)
    form = EndCycleForm(
        request.POST or None, cycles=cycles, initial={"cycle": cycles[0] if cycles else None}
    )
    to_cancel = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
                ended = end_cycle(
                    course,
                    data["cycle"],
                    by=request.user,
                    reason=data["reason"],
                    note=data["note"],
                )
                messages.success(
                    request,
                    f"Cycle {ended.cycle} ended early: {ended.doses_cancelled} doses cancelled. "
                    "Later cycles stay planned.",
                )
                return redirect(course)
            to_cancel = plan_end_cycle(course, data["cycle"], now, doses)
        except CourseRefused as refusal:
            refused_on_form(form, refusal)
    return render(
        request,
        "regimens/course_end_cycle.html",
        {
            "course": course,
            "form": form,
            "cycles": cycles,
            "to_cancel": to_cancel,
            # Why nothing can be ended, when nothing can.
            "refusal": _end_cycle_refusal(course, doses, now) if not cycles else "",
        },
    )


def _end_cycle_refusal(course, doses, now) -> str:
    following = next((d for d in doses if d.is_movable(now)), None)
    if following is None:
        if not course.is_open:
            return f"This course is {course.get_status_display().lower()}."
        return "No dose of this course is still to come."
    try:
        plan_end_cycle(course, following.cycle, now, doses)
    except CourseRefused as refusal:
        return refusal.message
    return ""

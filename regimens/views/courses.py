from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from regimens.access import get_course_for_user
from regimens.calendar import CalendarError
from regimens.courses import RetreatmentRefused, start_course
from regimens.dosing import DosingError
from regimens.forms import (
    CancelCourseForm,
    CourseForm,
    DischargeForm,
    DiscontinueCourseForm,
    MoveStartForm,
)
from regimens.models import Course, Dose
from tracker.accounts.roles import CARE_TEAM_ROLES, Role
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
        "cycles": 1,
    }
    form = CourseForm(request.POST or None, initial=initial, patient=patient)
    preview = None
    if request.method == "POST" and form.is_valid():
        override = form.cleaned_data["override_reason"].strip()
        if override and request.user.role != Role.CLINICIAN:
            form.add_error("override_reason", "Only a clinician can override the retreatment gap.")
        elif "confirm" in request.POST:
            try:
                course = start_course(
                    patient=patient,
                    created_by=request.user,
                    override_reason=override,
                    **form.choices(),
                )
            except (CalendarError, DosingError, RetreatmentRefused) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Course started: {course.doses.count()} doses planned.")
                return redirect(course)
    if getattr(form, "plan", None):
        course = form.course
        preview = {
            "course": course,
            "rows": [(p, p.local_start(course.time_zone)) for p in form.plan],
            "dose": course.dose_calculation(),
            "vials_per_cycle": course.dose_calculation().vials_for(
                max(p.dose_in_cycle for p in form.plan)
            ),
        }
    return render(
        request,
        "regimens/course_form.html",
        {"patient": patient, "form": form, "preview": preview},
    )


@login_required
def course_detail(request, pk):
    course = get_course_for_user(request.user, pk)
    now = timezone.now()
    doses = list(course.doses.order_by("dose_in_course"))
    counts = course.counts(now)
    next_dose = next((d for d in doses if d.status == Dose.Status.SCHEDULED), None)
    caps = {row.cycle: row.cap for row in counts.cycles}
    return render(
        request,
        "regimens/course_detail.html",
        {
            "course": course,
            "patient": course.patient,
            "doses": doses,
            "counts": counts,
            "next_dose": next_dose,
            "next_cap": caps.get(next_dose.cycle) if next_dose else None,
            "now": now,
            "dose": course.dose_calculation(),
            "can_edit": request.user.role in EDITOR_ROLES and course.is_open,
            "can_discharge": request.user.role in EDITOR_ROLES
            and course.status != Course.Status.CANCELLED
            and course.discharged_on is None,
            "can_cancel": not any(d.is_recorded for d in doses),
            "can_record": request.user.role in CARE_TEAM_ROLES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_move(request, pk):
    course = get_course_for_user(request.user, pk, edit=True)
    form = MoveStartForm(
        request.POST or None,
        initial={"start_date": course.start_date, "start_time": course.start_time},
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = course.move_start(
                form.start(), by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        except CalendarError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Course moved: {moved} future doses have new times.")
            return redirect(course)
    return render(request, "regimens/course_move.html", {"course": course, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_cancel(request, pk):
    course = get_course_for_user(request.user, pk, edit=True)
    form = CancelCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = course.cancel(by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error.messages[0])
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
            cancelled = course.discontinue(
                by=request.user,
                code=data["code"],
                note=data["note"],
                discharged_on=data["discharged_on"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"Course discontinued: {cancelled} future doses cancelled.")
            return redirect(course)
    return render(request, "regimens/course_discontinue.html", {"course": course, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_discharge(request, pk):
    course = get_course_for_user(request.user, pk, edit=True)
    next_cycle = course.next_cycle_start(timezone.now()) if course.is_open else None
    form = DischargeForm(request.POST or None, next_cycle=next_cycle)
    if request.method == "POST" and form.is_valid():
        try:
            lapsed = course.record_discharge(
                by=request.user,
                on=form.cleaned_data["discharged_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
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

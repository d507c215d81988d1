from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import EDITOR_ROLES, STAFF_ROLES
from tracker.lib.records import refused_on_form
from tracker.patients.access import (
    can_lift_retreatment_flag,
    get_flag_for_user,
    get_patient_for_user,
)
from tracker.patients.forms import (
    LiftConfirmForm,
    LiftDeclineForm,
    LiftRequestForm,
    PatientEditForm,
    PatientForm,
    PatientSearchForm,
)
from tracker.patients.models import Patient
from tracker.patients.registration import change_patient, register_patient
from tracker.patients.retreatment import FlagRefused, confirm_lift, decline_lift, request_lift


@login_required
@role_required(*STAFF_ROLES)
def patient_list(request):
    form = PatientSearchForm(request.GET)
    patients = Patient.objects.visible_to(request.user)
    if form.is_valid():
        patients = patients.search(form.cleaned_data["q"])
    return render(
        request,
        "patients/patient_list.html",
        {"patients": patients, "form": form, "can_add": request.user.role in EDITOR_ROLES},
    )


@login_required
def patient_detail(request, pk):
    patient = get_patient_for_user(request.user, pk)
    care_team = patient.care_team.prefetch_related("groups")
    flags = list(
        patient.retreatment_flags.select_related(
            "course__template", "set_by", "lift_requested_by", "lift_confirmed_by"
        )
    )
    # The header's active flags are these, already read.
    patient.retreatment_contraindications = sorted(
        (flag for flag in flags if flag.is_active), key=lambda flag: (flag.set_at, flag.pk)
    )
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "care_team": care_team,
            "courses": patient.courses.select_related("template"),
            "can_edit": request.user.role in EDITOR_ROLES,
            "retreatment_flags": flags,
            "can_lift": can_lift_retreatment_flag(request.user),
        },
    )


@login_required
@role_required(*EDITOR_ROLES)
@require_http_methods(["GET", "POST"])
def patient_create(request):
    form = PatientForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        patient = register_patient(
            form.save(commit=False), by=request.user, care_team=form.cleaned_data["care_team"]
        )
        messages.success(request, f"{patient.full_name} is registered.")
        return redirect(patient)
    return render(request, "patients/patient_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request, pk):
    patient = get_patient_for_user(request.user, pk, edit=True)
    form = PatientEditForm(request.POST or None, instance=patient, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        patient = change_patient(
            form.save(commit=False),
            by=request.user,
            reason=form.cleaned_data["reason"],
            care_team=form.cleaned_data["care_team"],
        )
        messages.success(request, f"{patient.full_name}'s record is updated.")
        return redirect(patient)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


# The retreatment flag: one clinician asks to lift it, a second confirms ---------------


@login_required
@require_http_methods(["GET", "POST"])
def retreatment_lift_request(request, pk):
    flag = get_flag_for_user(request.user, pk)
    form = LiftRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_lift(flag, by=request.user, reason=form.cleaned_data["reason"])
        except FlagRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(
                request,
                "Lift asked for. The flag stays until a second clinician confirms the lift.",
            )
            return redirect(flag.patient)
    return render(
        request,
        "patients/retreatment_lift.html",
        {"flag": flag, "patient": flag.patient, "form": form, "step": "request"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def retreatment_lift_confirm(request, pk):
    flag = get_flag_for_user(request.user, pk)
    form = LiftConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirm_lift(flag, by=request.user, note=form.cleaned_data["note"])
        except FlagRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, "Lift confirmed: a new course may be started.")
            return redirect(flag.patient)
    return render(
        request,
        "patients/retreatment_lift.html",
        {
            "flag": flag,
            "patient": flag.patient,
            "form": form,
            "step": "confirm",
            "own_request": flag.lift_requested_by_id == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def retreatment_lift_decline(request, pk):
    flag = get_flag_for_user(request.user, pk)
    form = LiftDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decline_lift(flag, by=request.user, reason=form.cleaned_data["reason"])
        except FlagRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, "Lift declined: the flag stays.")
            return redirect(flag.patient)
    return render(
        request,
        "patients/retreatment_lift.html",
        {"flag": flag, "patient": flag.patient, "form": form, "step": "decline"},
    )

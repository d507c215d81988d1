from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import EDITOR_ROLES, STAFF_ROLES
from tracker.patients.access import get_patient_for_user
from tracker.patients.forms import PatientEditForm, PatientForm, PatientSearchForm
from tracker.patients.models import Patient
from tracker.patients.registration import change_patient, register_patient


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
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "care_team": care_team,
            "courses": patient.courses.select_related("template"),
            "can_edit": request.user.role in EDITOR_ROLES,
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

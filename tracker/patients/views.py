import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import EDITOR_ROLES, STAFF_ROLES, Role
from tracker.lib.pages import page_of
from tracker.lib.reads import note_list
from tracker.lib.records import refused_on_form
from tracker.patients.access import (
    can_lift_retreatment_flag,
    get_flag_for_user,
    get_own_record,
    get_patient_for_user,
)
from tracker.patients.forms import (
    InvitationForm,
    LiftConfirmForm,
    LiftDeclineForm,
    LiftRequestForm,
    PatientEditForm,
    PatientForm,
    PatientSearchForm,
)
from tracker.patients.invitations import (
    InvitationRefused,
    create_invitation,
    login_state,
    send_invitation,
)
from tracker.patients.models import Patient, RecordAccess
from tracker.patients.registration import change_patient, register_patient
from tracker.patients.retreatment import FlagRefused, confirm_lift, decline_lift, request_lift


@login_required
@role_required(*STAFF_ROLES)
def patient_list(request):
    note_list()
    form = PatientSearchForm(request.GET)
    patients = Patient.objects.visible_to(request.user)
    if form.is_valid():
        patients = patients.search(form.cleaned_data["q"])
    page = page_of(request, patients.order_by("family_name", "given_name", "mrn", "pk"))
    return render(
        request,
        "patients/patient_list.html",
        {
            "patients": page,
            "page": page,
            "form": form,
            "can_add": request.user.role in EDITOR_ROLES,
        },
    )


logger = logging.getLogger(__name__)

READS_PER_PAGE = 50


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
            "login": login_state(patient) if request.user.role in EDITOR_ROLES else None,
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


@login_required
@require_http_methods(["GET", "POST"])
def patient_invite(request, pk):
    """Give a patient a login for the app: an e-mail with a link to set their password."""
    patient = get_patient_for_user(request.user, pk, edit=True)
    state, latest = login_state(patient)
    initial = {"email": patient.user.email} if patient.user_id else {}
    form = InvitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and state != "active" and form.is_valid():
        try:
            sent = create_invitation(patient, email=form.cleaned_data["email"], by=request.user)
        except InvitationRefused as refusal:
            refused_on_form(form, refusal)
        else:
            try:
                send_invitation(sent, patient)
            except Exception as error:  # any failure of the mail path: say so, keep the record
                logger.warning("Invitation %s not sent: %s", sent.invitation.pk, error)
                messages.error(
                    request,
                    "The invitation could not be e-mailed. Try again in a few minutes: "
                    "a new invitation replaces this one.",
                )
            else:
                messages.success(request, f"Invitation sent to {sent.invitation.masked_email}.")
            return redirect(patient)
    return render(
        request,
        "patients/patient_invite.html",
        {"patient": patient, "form": form, "state": state, "latest": latest},
    )


# The retreatment flag: one clinician asks to lift it, a second confirms ---------------


def _lift_step(request, pk, *, step: str, form_class, act, done: str):
    """One step of lifting a flag: its access helper, form and operation, then the patient.

    `act(flag, user, cleaned_data)` is the operation; `done` is said once it is made.
    """
    flag = get_flag_for_user(request.user, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(flag, request.user, form.cleaned_data)
        except FlagRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, done)
            return redirect(flag.patient)
    return render(
        request,
        "patients/retreatment_lift.html",
        {
            "flag": flag,
            "patient": flag.patient,
            "form": form,
            "step": step,
            "own_request": flag.lift_requested_by_id == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def retreatment_lift_request(request, pk):
    return _lift_step(
        request,
        pk,
        step="request",
        form_class=LiftRequestForm,
        act=lambda flag, user, data: request_lift(flag, by=user, reason=data["reason"]),
        done="Lift asked for. The flag stays until a second clinician confirms the lift.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def retreatment_lift_confirm(request, pk):
    return _lift_step(
        request,
        pk,
        step="confirm",
        form_class=LiftConfirmForm,
        act=lambda flag, user, data: confirm_lift(flag, by=user, note=data["note"]),
        done="Lift confirmed: a new course may be started.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def retreatment_lift_decline(request, pk):
    return _lift_step(
        request,
        pk,
        step="decline",
        form_class=LiftDeclineForm,
        act=lambda flag, user, data: decline_lift(flag, by=user, reason=data["reason"]),
        done="Lift declined: the flag stays.",
    )


@login_required
@role_required(Role.PATIENT)
@require_GET
def my_record_access(request):
    """Who on the care team (and which admin) opened the patient's record, newest first.

    The patient's own reads and their calendar app's are left out: they know of those.
    """
    patient = get_own_record(request.user)
    reads = (
        RecordAccess.objects.for_patient(patient)
        .by_staff()
        .select_related("user")
        .prefetch_related("user__groups")
    )
    page = Paginator(reads, READS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "patients/my_record_access.html", {"patient": patient, "page": page})

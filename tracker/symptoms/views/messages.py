"""Messages about a report: the care team writes to the patient, the patient answers.

Staff write from the report's review page or the alert page it raised (both post
here, with `next`), or from this page, which also shows nurses and admins the
thread.  The patient reads and answers on their report's page
(tracker/symptoms/views/patient.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import Role
from tracker.lib.http import safe_next
from tracker.lib.records import refused_on_form
from tracker.symptoms.access import (
    can_reply,
    get_message_for_withdrawal,
    get_own_message,
    get_report_for_messages,
)
from tracker.symptoms.forms.messages import AnswerForm, ReplyForm, WithdrawMessageForm
from tracker.symptoms.replies import (
    MessageRefused,
    answer_message,
    send_reply,
    withdraw_message,
)
from tracker.symptoms.views.patient import report_page


def _sent_message(report) -> str:
    user = report.patient.user
    told = (
        "They are e-mailed that a message is waiting."
        if user and user.is_active and user.email
        else "They have no e-mail address here, so they will see it when they next sign in."
    )
    return f"Message sent to {report.patient.full_name}. {told}"


@login_required
@require_http_methods(["GET", "POST"])
def report_reply(request, pk):
    """The thread of one report, with the care team's reply form."""
    report = get_report_for_messages(request.user, pk)
    if request.method == "POST" and not can_reply(request.user):
        raise PermissionDenied
    here = reverse("report-reply", args=[report.pk])
    next_url = safe_next(request, here)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            send_reply(report, by=request.user, body=form.cleaned_data["body"])
        except MessageRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, _sent_message(report))
            return redirect(next_url)
    return render(
        request,
        "symptoms/staff_report_messages.html",
        {
            "report": report,
            "patient": report.patient,
            "form": form,
            "next": next_url if next_url != here else "",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_withdraw(request, pk):
    """Its sender withdraws a message sent by mistake, with a reason the patient sees."""
    message = get_message_for_withdrawal(request.user, pk)
    report = message.report
    thread_url = (
        reverse("report-reply", args=[report.pk])
        if report
        else reverse("alert-detail", args=[message.alert_id])
    )
    next_url = safe_next(request, thread_url)
    form = WithdrawMessageForm(request.POST or None)
    if message.is_withdrawn:
        form.add_error(None, "This message is already withdrawn.")
    elif request.method == "POST" and form.is_valid():
        try:
            withdraw_message(message, by=request.user, reason=form.cleaned_data["reason"])
        except MessageRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, "Message withdrawn. It stays in the thread, struck through.")
            return redirect(next_url)
    return render(
        request,
        "symptoms/staff_message_withdraw.html",
        {
            "message": message,
            "report": report,
            "patient": message.patient,
            "thread_url": thread_url,
            "form": form,
            "next": next_url,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@role_required(Role.PATIENT)
@require_POST
def message_answer(request, pk, message_pk):
    """The patient's one answer to a message from their care team."""
    message = get_own_message(request.user, pk, message_pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            answer_message(message, by=request.user, body=form.cleaned_data["body"])
        except MessageRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, "Sent to your care team.")
            return redirect(reverse("symptom-report-detail", args=[pk]) + "#messages")
    return report_page(request, pk, answering=message, answer_form=form, status=400)

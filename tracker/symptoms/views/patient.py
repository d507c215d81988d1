"""The patient's side-effect self-report, designed for a phone first.

One symptom takes at most three taps once the list is open: each symptom's card
carries its first question's answers as submit buttons, and every later question
is one screen of buttons.  Earlier answers travel in hidden fields, so nothing
is stored until the last tap.  Every page works as a plain form POST.

Reports are always saved for the signed-in patient's own record, never for an
id from the request.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.alerts.rules import report_severity
from tracker.lib.records import refused_on_form
from tracker.lib.views import entered_in_error_page
from tracker.patients.access import get_own_patient
from tracker.symptoms.access import (
    get_own_alert_message,
    get_own_report,
    get_reportable_symptom,
    get_reporting_patient,
)
from tracker.symptoms.forms.messages import AnswerForm
from tracker.symptoms.forms.patient import (
    CELSIUS,
    FAHRENHEIT,
    TEMPERATURE_RANGE_WORDS,
    TEMPERATURE_STEP,
    WITHOUT_TEMPERATURE,
    PatientAnswersForm,
    PatientReportChangeForm,
    WithdrawReportForm,
)
from tracker.symptoms.models import MESSAGES_PER_REPORT, ProSymptom, SymptomReport, ward_phone
from tracker.symptoms.replies import mark_read
from tracker.symptoms.reporting import (
    EntryRefused,
    change_report,
    report_symptom,
    withdraw_report,
)

RECENT_REPORTS = 10
# The severities at which the patient is told to call the ward now.
CALL_NOW = {Alert.Severity.URGENT, Alert.Severity.HIGH}


@login_required
@role_required(Role.PATIENT)
@require_GET
def symptom_report(request):
    """Every symptom the patient can report, each with its first question, and their recent reports."""
    patient = get_own_patient(request.user)
    recent = []
    if patient:
        # Withdrawn reports stay in the list, crossed out, so nothing seems to vanish.
        recent = (
            SymptomReport.objects.for_patient(patient)
            .select_related("symptom")
            .with_patient_status()
            .order_by("-reported_at", "-pk")[:RECENT_REPORTS]
        )
    symptoms = list(ProSymptom.objects.filter(is_active=True)) if patient else []
    return render(
        request,
        "symptoms/patient_symptom_list.html",
        {
            "patient": patient,
            "symptoms": symptoms,
            # Named under the list, so no one takes them for PRO-CTCAE questions.
            "app_items": [symptom for symptom in symptoms if not symptom.is_pro_ctcae],
            "recent": recent,
        },
    )


def _question_page(request, symptom, form=None, *, error=None):
    """The next question with its answer buttons; with no answers yet, or after a refusal, the first."""
    if form is None or error:
        attribute, earlier = symptom.attributes()[0], []
    else:
        attribute, earlier = form.next_question(), form.earlier()
    return render(
        request,
        "symptoms/patient_symptom_question.html",
        {
            "symptom": symptom,
            "attribute": attribute,
            "number": len(earlier) + 1,
            "total": len(symptom.attributes()),
            "earlier": earlier,
            "error": error,
        },
        status=400 if error else 200,
    )


def _temperature_page(request, symptom, form, *, error=None):
    """After the last answer to an item that takes one: the temperature, if measured."""
    return render(
        request,
        "symptoms/patient_symptom_temperature.html",
        {
            "symptom": symptom,
            "earlier": form.earlier(),
            "error": error,
            "entered": request.POST.get("temperature", "") if error else "",
            "unit": request.POST.get("unit") if error else CELSIUS,
            "units": [(CELSIUS, "°C"), (FAHRENHEIT, "°F")],
            "range_words": TEMPERATURE_RANGE_WORDS,
            "step": TEMPERATURE_STEP,
            "without": WITHOUT_TEMPERATURE,
        },
        status=400 if error else 200,
    )


def _refusal(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


@login_required
@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def symptom_answer(request, slug):
    """The next question of one symptom; the last answer saves the report, starting now.

    An item that takes a temperature (fever) asks for it after the last answer; the
    patient may save without one.
    """
    patient = get_reporting_patient(request.user)
    symptom = get_reportable_symptom(slug)
    if request.method == "GET":
        return _question_page(request, symptom)
    form = PatientAnswersForm(request.POST, symptom=symptom)
    if not form.is_valid():
        if form.only_the_temperature_is_wrong():
            return _temperature_page(request, symptom, form, error=_refusal(form))
        return _question_page(request, symptom, error=_refusal(form))
    if form.next_question():
        return _question_page(request, symptom, form)
    if form.asks_temperature_next():
        return _temperature_page(request, symptom, form)
    try:
        report = report_symptom(
            patient,
            symptom,
            by=request.user,
            answers=form.answers(),
            temperature_c=form.temperature_c(),
        )
    except EntryRefused as refusal:
        if refusal.field == "temperature":
            return _temperature_page(request, symptom, form, error=refusal.message)
        return _question_page(request, symptom, error=refusal.message)
    messages.success(request, f"Saved: your report of {symptom.name.lower()}.")
    return redirect("symptom-report-detail", report.pk)


@login_required
@role_required(Role.PATIENT)
@require_GET
def report_detail(request, pk):
    """One of the patient's reports: the answers in words, the dose it is linked to, where
    it stands, and the messages from the care team."""
    return report_page(request, pk)


def report_page(request, pk, *, answering=None, answer_form=None, status=200):
    """The report's page; `answer_form` is the patient's answer to `answering`, refused."""
    report = get_own_report(request.user, pk)
    # A report withdrawn (entered in error) stays as it is.
    can_change = report.is_active
    severity = report_severity(report) if can_change else None
    thread = list(report.messages.all())
    answered = {m.answers_id for m in thread if m.from_patient}
    may_write = sum(not m.is_withdrawn for m in thread) < MESSAGES_PER_REPORT
    for message in thread:
        message.is_new = not message.from_patient and message.read_at is None
        # The message just answered keeps its form, to show why it was refused.
        message.can_answer = message == answering or (
            may_write
            and not message.from_patient
            and not message.is_withdrawn
            and message.pk not in answered
        )
        message.answer_form = answer_form if message == answering else AnswerForm()
    mark_read(report)
    # Self-care advice only below "call the ward now", and never in its place.
    call_now = severity in CALL_NOW
    advice = (
        list(report.symptom.self_care_advice.filter(is_active=True))
        if can_change and not call_now
        else []
    )
    return render(
        request,
        "symptoms/patient_report_detail.html",
        {
            "report": report,
            "patient": report.patient,
            "can_change": can_change,
            "alert_severity": severity,
            "call_now": call_now,
            "thread": thread,
            "thread_full": not may_write,
            "advice": advice,
            "ward_phone_number": ward_phone(report.patient),
        },
        status=status,
    )


@login_required
@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def report_edit(request, pk):
    """Change when it started, the note, or the dose it is linked to; history keeps the old values."""
    report = get_own_report(request.user, pk)
    context = {"report": report, "patient": report.patient}
    if not report.is_active:
        context["refusal"] = (
            "This report was withdrawn as entered in error, so it cannot be changed."
        )
        return render(
            request,
            "symptoms/patient_report_edit.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    data = request.POST if request.method == "POST" else None
    form = PatientReportChangeForm(data, report=report, now=timezone.now())
    if form.is_bound and form.is_valid():
        try:
            change_report(report, by=request.user, **form.change_fields())
        except EntryRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, "Changed. Your earlier answers are kept in the history.")
            return redirect("symptom-report-detail", report.pk)
    context["form"] = form
    return render(
        request,
        "symptoms/patient_report_edit.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@role_required(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def report_withdraw(request, pk):
    """Withdraw a report made by mistake, with a reason: it is kept, crossed out, never deleted."""
    report = get_own_report(request.user, pk)
    return entered_in_error_page(
        request,
        report,
        mark=withdraw_report,
        marked_message=lambda: (
            f"Withdrawn: your report of {report.symptom.name.lower()}. It stays in your "
            "list, crossed out, so your care team can see what happened."
        ),
        next_url=reverse("symptom-report-detail", args=[report.pk]),
        template="symptoms/patient_report_withdraw.html",
        context={"report": report, "patient": report.patient},
        form_class=WithdrawReportForm,
        refused_status=400,
    )


@login_required
@require_GET
def alert_message_detail(request, pk):
    """A message from the care team about an alert of the patient's (a reading, a missed
    dose), with the others about it; opening it marks them read.  No answer: they call."""
    message = get_own_alert_message(request.user, pk)
    alert = message.alert
    thread = list(alert.messages.from_staff())
    for each in thread:
        each.is_new = each.read_at is None
    mark_read(alert)
    return render(
        request,
        "symptoms/patient_alert_message.html",
        {
            "message": message,
            "alert": alert,
            "patient": alert.patient,
            "thread": thread,
            "call_now": alert.severity in CALL_NOW,
            "ward_phone_number": ward_phone(alert.patient),
        },
    )

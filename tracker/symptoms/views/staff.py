"""The staff side of side effects: CTCAE-graded entries, reviewed grades, the timeline, CSV.

Who may do what is in tracker.symptoms.access; the patient may look at their own
timeline.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.roles import STAFF_ROLES
from tracker.alerts.access import can_acknowledge
from tracker.alerts.rules import open_alert_note
from tracker.lib.forms import NUL, NUL_MESSAGE
from tracker.lib.http import id_from_query, safe_next
from tracker.lib.records import refused_on_form
from tracker.lib.spreadsheets import csv_response
from tracker.lib.views import entered_in_error_page
from tracker.patients.access import get_patient_for_user
from tracker.symptoms.access import (
    can_grade,
    can_review,
    get_event_for_correction,
    get_patient_for_export,
    get_patient_for_grading,
    get_report_for_review,
)
from tracker.symptoms.forms.staff import (
    AdverseEventForm,
    ReviewForm,
)
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, SymptomReport, version_key
from tracker.symptoms.reporting import (
    EntryRefused,
    mark_event_in_error,
    record_event,
    review_report,
)
from tracker.symptoms.timeline import LEVELS, SOURCES, course_timeline

# A new CTCAE entry: choose the term, then grade it.


@login_required
@require_http_methods(["GET", "POST"])
def adverse_event_new(request, patient_pk):
    patient = get_patient_for_grading(request.user, patient_pk)
    terms = CtcaeTerm.objects.current()
    chosen = request.GET.get("term", "")
    term_id = id_from_query(chosen)
    term = terms.filter(pk=term_id).first() if term_id else None
    if term is None:
        if chosen:
            messages.error(
                request, "That term is not in the current CTCAE list. Choose one below."
            )
        return _term_list(request, patient, terms)

    form = AdverseEventForm(request.POST or None, patient=patient, term=term)
    if request.method == "POST" and form.is_valid():
        try:
            event = record_event(patient, term, by=request.user, **form.event_fields())
        except EntryRefused as refusal:
            refused_on_form(form, refusal)
        else:
            alerted = " The care team has been alerted." if event.raised_alert else ""
            messages.success(
                request, f"{patient.full_name}: {term.term} grade {event.grade} recorded.{alerted}"
            )
            return redirect("side-effect-timeline", patient.pk)
    return render(
        request,
        "symptoms/staff_event_form.html",
        {"patient": patient, "term": term, "form": form},
    )


def _term_list(request, patient, terms):
    """Step 1: the current terms by category; ?q= filters them without JavaScript."""
    query = request.GET.get("q", "").strip()[:60]
    if NUL in query:
        messages.error(request, f"The search was not run. {NUL_MESSAGE}")
        query = ""
    shown = terms.order_by("category", "term")
    if query:
        shown = shown.filter(term__icontains=query) | shown.filter(category__icontains=query)
    shown = list(shown)
    versions = sorted({term.version for term in shown}, key=version_key)
    return render(
        request,
        "symptoms/staff_event_terms.html",
        {"patient": patient, "terms": shown, "query": query, "version": ", ".join(versions)},
    )


# A clinician's reviewed grade of a patient's report.


def _guide_term(report) -> CtcaeTerm | None:
    """The CTCAE term the report's symptom is graded with, in the newest version that has it."""
    name = report.symptom.ctcae_term
    if not name:
        return None
    terms = list(CtcaeTerm.objects.filter(term=name, is_active=True))
    return max(terms, key=lambda term: version_key(term.version), default=None)


def _next_url(request, entry) -> str:
    """Back where the clinician came from (the dose or the timeline), if it is on this site."""
    return safe_next(request, reverse("side-effect-timeline", args=[entry.patient_id]))


def _reviewed_message(report, *, asked: list, closed: list, still_open: bool) -> str:
    text = (
        f"{report.patient.full_name}: {report.symptom.name.lower()} reviewed as "
        f"grade {report.reviewed_grade}."
    )
    if closed:
        return text + " The alert is acknowledged."
    if asked:
        return text + " Someone else had already acknowledged the alert."
    return text + (" Its alert is still open." if still_open else "")


@login_required
@require_http_methods(["GET", "POST"])
def report_review(request, pk):
    report = get_report_for_review(request.user, pk)
    term = _guide_term(report)
    open_alerts = list(report.alerts.open().most_severe_first())
    offer = bool(open_alerts) and can_acknowledge(request.user)
    initial = {"grade": report.reviewed_grade} if report.reviewed_grade is not None else {}
    form = ReviewForm(request.POST or None, term=term, initial=initial, has_open_alert=offer)
    if request.method == "POST" and form.is_valid():
        acknowledge = open_alerts if form.cleaned_data.get("acknowledge_alert") else []
        try:
            closed = review_report(
                report, by=request.user, grade=form.cleaned_data["grade"], acknowledge=acknowledge
            ).closed_alerts
        except EntryRefused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(
                request,
                _reviewed_message(
                    report, asked=acknowledge, closed=closed, still_open=bool(open_alerts)
                ),
            )
            return redirect(_next_url(request, report))
    return render(
        request,
        "symptoms/staff_report_review.html",
        {
            "report": report,
            "patient": report.patient,
            "term": term,
            "form": form,
            "open_alerts": open_alerts if offer else [],
            "next": _next_url(request, report),
        },
    )


# A staff entry graded by mistake: marked entered in error, never deleted.


@login_required
@require_http_methods(["GET", "POST"])
def adverse_event_error(request, pk):
    event = get_event_for_correction(request.user, pk)

    def marked_message() -> str:
        return (
            f"{event.patient.full_name}: {event.term.term} grade {event.grade} is marked "
            "entered in error. It stays in the list, struck through, and no longer counts "
            "in the timeline." + open_alert_note(event)
        )

    next_url = _next_url(request, event)
    return entered_in_error_page(
        request,
        event,
        mark=mark_event_in_error,
        marked_message=marked_message,
        next_url=next_url,
        template="symptoms/staff_event_error.html",
        context={"event": event, "patient": event.patient, "next": next_url},
    )


# The timeline of a course, and every entry below it.


def _entries(patient, course) -> list:
    """Reports and staff entries of the course (and those linked to no dose), newest first."""
    reports = SymptomReport.objects.for_patient(patient).select_related(
        "symptom", "dose", "reviewed_by"
    )
    events = AdverseEvent.objects.for_patient(patient).select_related(
        "term", "dose", "recorded_by"
    )
    if course:
        reports = reports.filter(dose__course=course) | reports.filter(dose__isnull=True)
        events = events.filter(dose__course=course) | events.filter(dose__isnull=True)
    entries = []
    for report in reports:
        report.kind = "patient"
        entries.append(report)
    for event in events:
        event.kind = "staff"
        entries.append(event)
    return sorted(entries, key=lambda entry: (entry.onset_at, entry.kind), reverse=True)


@login_required
@require_GET
def side_effect_timeline(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk)
    staff = request.user.role in STAFF_ROLES
    courses = list(patient.courses.select_related("template"))
    course = courses[0] if courses else None
    if "course" in request.GET:
        chosen = request.GET["course"]
        course = next((c for c in courses if str(c.pk) == chosen), None)
        if course is None:
            raise Http404("No such course for this patient.")
    return render(
        request,
        "symptoms/staff_timeline.html",
        {
            "patient": patient,
            "courses": courses,
            "course": course,
            "timeline": course_timeline(patient, course) if course else None,
            "entries": _entries(patient, course),
            "staff": staff,
            "can_grade": can_grade(request.user),
            "can_review": can_review(request.user),
            "levels": LEVELS,
            "sources": SOURCES,
        },
    )


# CSV export.

CSV_COLUMNS = [
    "kind",
    "onset",
    "symptom_or_term",
    "ctcae_version",
    "grade",
    "frequency",
    "severity",
    "interference",
    "present",
    "temperature_c",
    "reviewed_grade",
    "dose_in_course",
    "course_id",
    "attribution",
    "state",
    "recorded_by",
]


def _entry_cells(entry, zone) -> dict:
    """The columns a patient's report and a staff entry fill the same way."""
    return {
        "onset": entry.onset_at.astimezone(zone).isoformat(timespec="seconds"),
        "dose_in_course": entry.dose.dose_in_course if entry.dose else None,
        "course_id": entry.dose.course_id if entry.dose else None,
        "state": entry.state,
        "_at": entry.onset_at,
    }


def _csv_rows(patient):
    zone = patient.zone
    reports = SymptomReport.objects.for_patient(patient).select_related(
        "symptom", "dose", "reported_by"
    )
    events = AdverseEvent.objects.for_patient(patient).select_related(
        "term", "dose", "recorded_by"
    )
    rows = []
    for report in reports:
        rows.append(
            {
                **_entry_cells(report, zone),
                "kind": "patient",
                "symptom_or_term": report.symptom.name,
                "frequency": report.frequency,
                "severity": report.severity,
                "interference": report.interference,
                "present": {True: "yes", False: "no"}.get(report.present, ""),
                "temperature_c": report.temperature_c,
                "reviewed_grade": report.reviewed_grade,
                "recorded_by": str(report.reported_by),
            }
        )
    for event in events:
        rows.append(
            {
                **_entry_cells(event, zone),
                "kind": "staff",
                "symptom_or_term": event.term.term,
                "ctcae_version": event.ctcae_version,
                "grade": event.grade,
                "attribution": event.attribution,
                "recorded_by": str(event.recorded_by),
            }
        )
    return sorted(rows, key=lambda row: (row["_at"], row["kind"]))


@login_required
@require_GET
def side_effects_csv(request, patient_pk):
    patient = get_patient_for_export(request.user, patient_pk)
    return csv_response(
        f"side-effects-{patient.mrn}.csv",
        CSV_COLUMNS,
        ([row.get(column) for column in CSV_COLUMNS] for row in _csv_rows(patient)),
    )

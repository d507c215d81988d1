"""Pages that read several apps: the home pages, the shift, a dose, a course's summary, an alert,
the flowsheet.

Each app below owns its rows and the pages about them alone; a page that puts
doses beside alerts, side effects or thyroid results lives here, so that no
domain app imports one above it (docs/architecture.md).
"""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from regimens.access import get_course_for_user
from regimens.models import Course, Dose, RegimenTemplate
from tracker.accounts.decorators import role_required
from tracker.accounts.roles import STAFF_ROLES, Role
from tracker.alerts.access import get_alert_for_user
from tracker.alerts.for_doses import other_open_alerts, patient_open_alerts
from tracker.alerts.forms import AcknowledgeForm
from tracker.alerts.models import Alert
from tracker.alerts.who_was_told import notifications_of
from tracker.clinic import flowsheet as sheets
from tracker.clinic.dashboards import most_urgent_doses, with_treatment
from tracker.clinic.forms import FlowsheetQuery
from tracker.clinic.shift import shift_lists, show_on_shift
from tracker.clinic.side_by_side import side_effects_context
from tracker.clinic.summary import course_summary
from tracker.clinic.trend_charts import chart_json, trends
from tracker.lib.pages import page_of
from tracker.lib.reads import note_list
from tracker.lib.records import refused_on_form
from tracker.observations.access import get_patient_for_charting
from tracker.patients.access import get_own_patient
from tracker.patients.models import Patient, Ward
from tracker.symptoms.access import can_reply, can_review, get_alert_for_message
from tracker.symptoms.forms.messages import AlertMessageForm
from tracker.symptoms.models import MESSAGES_PER_ALERT
from tracker.symptoms.replies import MessageRefused, can_message_about, send_alert_message
from tracker.thyroid.schedule import due_checks_by_patient, overdue_checks
from tracker.ward.access import can_override_withhold, can_record, get_dose_for_user
from tracker.ward.models import DoseRecord
from tracker.ward.recording import withhold_status

HOME_ALERTS = 20
# The most severe open alerts of patients with no dose due, on the shift page.
SHIFT_ALERTS = 20
# Doses and thyroid checks on the clinician's page: the most urgent few, then a link.
HOME_DOSES = 20
# A patient's own records wait on the shift page until verified: the oldest first, a page at a time.
TO_VERIFY_PER_PAGE = 20
# The shift page's overdue and due doses, each a page at a time, the most urgent first.
SHIFT_DOSES_PER_PAGE = 20
# What was recorded in the last hours, newest first: a busy team's shift records hundreds.
RECENT_PER_PAGE = 20
HOME_THYROID = 20
DASHBOARD_HOURS = 24
SHIFT_HOURS = (8, 12, 24)
RECENT = timedelta(hours=12)
# A home dose left unrecorded is asked about on the patient's home page for this long.
MISSED_ASKED_FOR = timedelta(days=7)
# Thyroid tests are shown on the patient's home page this long before they fall due.
THYROID_AHEAD = timedelta(days=14)


# Home pages ---------------------------------------------------------------------------


@login_required
@role_required(Role.CLINICIAN)
def clinician_home(request):
    """The clinician's day: the most urgent doses, alerts and thyroid checks, each with
    its count and a link to the whole list, and a page of the patients."""
    note_list()
    now = timezone.now()
    team = Patient.objects.visible_to(request.user)
    patients = page_of(
        request, with_treatment(team, now).order_by("family_name", "given_name", "pk")
    )
    doses = most_urgent_doses(request.user, now, DASHBOARD_HOURS, HOME_DOSES)
    alerts = (
        Alert.objects.visible_to(request.user)
        .open()
        .select_related("patient", "acknowledged_by", "symptom_report", "adverse_event")
        .most_severe_first()
    )
    thyroid_overdue = overdue_checks(team)
    return render(
        request,
        "clinic/clinician_home.html",
        {
            "patients": patients,
            "page": patients,
            "now": now,
            # Overdue first, then the soonest due; the shift page has the rest.
            **doses,
            "doses": doses["overdue"] + doses["due"],
            "dose_count": doses["overdue_count"] + doses["due_count"],
            "hours": DASHBOARD_HOURS,
            # The oldest few; the TSH checks page has the rest.
            "thyroid_overdue": thyroid_overdue[:HOME_THYROID],
            "thyroid_overdue_count": len(thyroid_overdue),
            # The most severe few; the alerts page has the rest.
            "alerts": list(alerts[:HOME_ALERTS]),
            "open_alert_count": alerts.count(),
        },
    )


def _local_day(now, zone) -> tuple[datetime, datetime]:
    """The instants at which the patient's calendar day begins and ends."""
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _doses_to_show(patient, now) -> dict:
    """Today's doses, the next one to give, and the home doses the patient may have missed.

    The next dose is the first without a record from today on: a dose of an earlier
    day that was never recorded would otherwise stay the patient's "next dose" for
    good.  A home dose whose recording window has ended with no record is asked
    about instead ("Did you take your dose…?"), for a week; after that it is for the
    ward to sort out.
    """
    start, end = _local_day(now, patient.zone)
    doses = Dose.objects.for_patient(patient).with_course().with_cycle_total()
    today = list(
        doses.exclude(status=Dose.Status.CANCELLED)
        .exclude(course__status=Course.Status.CANCELLED)
        .due_between(start, end)
        .order_by("planned_at")
    )
    next_dose = doses.recordable().filter(planned_at__gte=start).order_by("planned_at").first()
    missed = list(
        doses.window_ended(now)
        .filter(course__template__route=RegimenTemplate.Route.SC)
        .filter(planned_at__gte=now - MISSED_ASKED_FOR)
        .order_by("planned_at")
    )
    asked = {dose.pk for dose in missed}
    for dose in [*today, *([next_dose] if next_dose else [])]:
        dose.record_now = _records_it_now(dose, now, start) and dose.pk not in asked
    return {"next_dose": next_dose, "today": today, "missed": missed}


def _records_it_now(dose, now, day_start) -> bool:
    """Whether the patient records this dose now: a home dose of today (or before) waiting."""
    return (
        dose.course.template.route == RegimenTemplate.Route.SC
        and dose.status == Dose.Status.SCHEDULED
        and dose.course.takes_records
        and dose.planned_at < day_start + timedelta(days=1)
        and now >= dose.planned_at - dose.course.recording_window
    )


def _thyroid_due(patient, now) -> list:
    """The patient's TSH tests not yet done that are due within two weeks, or overdue."""
    today = timezone.localdate(now, patient.zone)
    checks = due_checks_by_patient([patient.pk]).get(patient.pk, [])
    return [due for due in checks if due.met_on is None and due.on <= today + THYROID_AHEAD]


@login_required
@role_required(Role.PATIENT)
def patient_home(request):
    """What now: a missed dose to answer, the next dose (and recording it), today's doses,
    thyroid tests due, the ward's phone, and the patient's other pages."""
    patient = get_own_patient(request.user)
    if patient is None:
        return render(request, "clinic/patient_home.html", {"patient": None})
    now = timezone.now()
    courses = list(patient.courses.select_related("template"))
    ward = Ward.objects.filter(patients=patient).only("phone").first()
    return render(
        request,
        "clinic/patient_home.html",
        {
            "patient": patient,
            "courses": courses,
            "now": now,
            "thyroid_due": _thyroid_due(patient, now),
            "today_date": timezone.localdate(now, patient.zone),
            "ward_phone_number": ward.phone if ward else "",
            **_doses_to_show(patient, now),
        },
    )


# The ward -----------------------------------------------------------------------------


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def shift(request):
    """The nurse's shift: overdue and due doses of their patients, and what was just recorded."""
    note_list()
    now = timezone.now()
    try:
        hours = int(request.GET.get("hours", 12))
    except ValueError:
        hours = 12
    hours = hours if hours in SHIFT_HOURS else 12
    overdue_doses, due_doses = shift_lists(request.user, now, hours)
    counts = Dose.objects.visible_to(request.user).waiting_counts(now, hours)
    overdue = page_of(
        request, overdue_doses, SHIFT_DOSES_PER_PAGE, "overdue_page", counts["overdue"]
    )
    due = page_of(request, due_doses, SHIFT_DOSES_PER_PAGE, "due_page", counts["due"])
    shown = show_on_shift(request.user, now, overdue, due)
    # The team's whole list is on the patients page; here, what the shift must act on.
    other_alerts, other_alert_count = other_open_alerts(request.user, shown, SHIFT_ALERTS)
    # The courses, patients and people are read after the pages, for both lists at
    # once: joined here, PostgreSQL took longer to plan each list than to run it.
    records = DoseRecord.objects.active().visible_to(request.user).select_related("dose")
    # A patient's own record waits here, however old, until a nurse verifies or corrects it.
    to_verify = page_of(
        request,
        records.awaiting_verification().order_by("dose__planned_at", "pk"),
        TO_VERIFY_PER_PAGE,
        param="verify_page",
    )
    recent = page_of(
        request,
        records.settled().filter(recorded_at__gte=now - RECENT).order_by("-recorded_at", "-pk"),
        RECENT_PER_PAGE,
        param="recent_page",
    )
    prefetch_related_objects(
        [*to_verify, *recent],
        "dose__course__patient",
        "dose__course__template",
        "recorded_by",
        "given_by",
        "verified_by",
    )
    return render(
        request,
        "clinic/shift.html",
        {
            "now": now,
            "hours": hours,
            "shift_hours": SHIFT_HOURS,
            "overdue": overdue,
            "due": due,
            "other_alerts": other_alerts,
            "other_alert_count": other_alert_count,
            "more_alerts": other_alert_count - len(other_alerts),
            "recent": recent,
            "to_verify": to_verify,
            "can_record": can_record(request.user),
        },
    )


@login_required
@require_GET
def dose_detail(request, pk):
    dose = get_dose_for_user(request.user, pk)
    staff = request.user.role in STAFF_ROLES
    records = dose.records.select_related(
        "recorded_by",
        "given_by",
        "marked_in_error_by",
        "verified_by",
        "pre_dose_check",
        "withhold_override__authorised_by",
    ).order_by("recorded_at", "pk")
    return render(
        request,
        "clinic/dose_detail.html",
        {
            "open_alerts": patient_open_alerts(request.user, dose.course.patient) if staff else [],
            "alert_next": request.get_full_path(),
            "dose": dose,
            "course": dose.course,
            "patient": dose.course.patient,
            "counts": dose.course.counts(),
            "records": records,
            "checks": dose.checks.select_related("recorded_by") if staff else [],
            "staff": staff,
            # Patients see the coded reason; the notes are the care team's.
            "patient_view": not staff,
            "can_record": can_record(request.user),
            "can_override": can_override_withhold(request.user),
            "withhold": withhold_status(dose, timezone.now()) if staff else None,
            "overrides": dose.withhold_overrides.select_related("authorised_by") if staff else [],
            "overdue": dose.is_overdue(timezone.now()),
            **side_effects_context(dose, request.user),
        },
    )


@login_required
@require_GET
def course_summary_page(request, pk):
    """The course on one printable page, for the notes and for the next course's decision."""
    course = get_course_for_user(request.user, pk)
    now = timezone.now()
    return render(
        request,
        "clinic/course_summary.html",
        {
            "now": now,
            "summary": course_summary(course, now),
            "course": course,
            "patient": course.patient,
            "patient_view": request.user.role not in STAFF_ROLES,
            "dose": course.dose_calculation(),
        },
    )


# Alerts -------------------------------------------------------------------------------


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def alert_detail(request, pk):
    """One alert with the entry that raised it, and the Acknowledge form if still open."""
    alert = get_alert_for_user(request.user, pk, with_source=True)
    return alert_page(request, alert)


def alert_page(request, alert, *, message_form=None, status=200):
    """The alert's page; `message_form` is a message to the patient, refused."""
    # An alert raised by a report shows the report's thread instead.
    thread = (
        []
        if alert.symptom_report_id
        else list(alert.messages.select_related("author", "withdrawn_by"))
    )
    standing = sum(not message.is_withdrawn for message in thread)
    may_reply = can_reply(request.user)
    return render(
        request,
        "clinic/alert_detail.html",
        {
            "alert": alert,
            "acknowledge_form": AcknowledgeForm(),
            "alert_next": (
                request.get_full_path()
                if request.method == "GET"
                else reverse("alert-detail", args=[alert.pk])
            ),
            "may_review": can_review(request.user),
            "notifications": notifications_of(alert),
            "thread": thread,
            "may_reply": may_reply,
            "may_message": may_reply and can_message_about(alert),
            "thread_full": standing >= MESSAGES_PER_ALERT,
            "message_limit": MESSAGES_PER_ALERT,
            "message_form": message_form or AlertMessageForm(),
        },
        status=status,
    )


@login_required
@role_required(*STAFF_ROLES)
@require_POST
def alert_message(request, pk):
    """The care team writes to the patient about an alert that has no report."""
    alert = get_alert_for_message(request.user, pk)
    form = AlertMessageForm(request.POST)
    if form.is_valid():
        try:
            send_alert_message(alert, by=request.user, body=form.cleaned_data["body"])
        except MessageRefused as refusal:
            refused_on_form(form, refusal)
        else:
            told = (
                "They are e-mailed that a message is waiting."
                if alert.patient.user.email
                else "They have no e-mail address here, so they will see it when they next sign in."
            )
            messages.success(request, f"Message sent to {alert.patient.full_name}. {told}")
            return redirect(reverse("alert-detail", args=[alert.pk]) + "#alert-messages")
    return alert_page(request, alert, message_form=form, status=400)


# The flowsheet -------------------------------------------------------------------------


def _flowsheet_course(patient, course_pk):
    """The course asked for (another patient's is 404), else the latest one not cancelled."""
    courses = Course.objects.filter(patient=patient)
    if course_pk is not None:
        course = courses.filter(pk=course_pk).first()
        if course is None:
            raise Http404("No such course for this patient.")
        return course
    return (
        courses.exclude(status=Course.Status.CANCELLED)
        .order_by("-start_date", "-start_time", "-pk")
        .first()
    )


def _default_day(span, today):
    """Today while the admission goes on (charted today or yesterday), else its last day."""
    if span is None:
        return today
    first, last = span
    return today if first <= today <= last + timedelta(days=1) else last


@login_required
@require_GET
def flowsheet(request, pk):
    """The chart as a grid of one day's hours, with trends; or every day of it, for printing."""
    patient = get_patient_for_charting(request.user, pk)
    query = FlowsheetQuery(request.GET)
    query.is_valid()
    asked = query.cleaned_data
    course = _flowsheet_course(patient, asked.get("course"))
    zone, now = patient.zone, timezone.now()
    today = sheets.local_day(now, zone)
    span = sheets.charted_days(patient, course)
    every_day = asked.get("days") == "all"
    if every_day:
        days = sheets.days_between(*span) if span else [today]
    else:
        days = [asked.get("day") or _default_day(span, today)]
    first, last = days[0], days[-1]
    if span and not every_day:
        # The trends cover the whole admission, so the day's page reads it all.
        first, last = min(first, span[0]), max(last, span[1])
    start, end = sheets.day_bounds(first, zone)[0], sheets.day_bounds(last, zone)[1]
    data = sheets.load_chart(patient, course, start, end)
    day_sheets = [sheets.build_sheet(data, day, now) for day in days]
    charts = [] if every_day else trends(data, now)
    day = days[0]
    return render(
        request,
        "clinic/flowsheet.html",
        {
            "patient": patient,
            "course": course,
            "sheets": day_sheets,
            "every_day": every_day,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "span": span,
            "problems": query.problems(),
            "trends": charts,
            "chart_data": chart_json(charts),
            "now": now,
        },
    )

"""Thyroid results: the patient's table, chart and due checks, entering a result, the export,
and the staff list of overdue TSH checks.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.accounts.decorators import role_required
from tracker.accounts.roles import STAFF_ROLES
from tracker.alerts.rules import open_alert_note
from tracker.lib.pages import page_of
from tracker.lib.reads import note_list
from tracker.lib.records import refused_on_form
from tracker.lib.spreadsheets import csv_response
from tracker.lib.views import entered_in_error_page
from tracker.patients.models import Patient
from tracker.thyroid import lab, schedule
from tracker.thyroid.access import can_record, get_patient_for_results, get_result_for_correction
from tracker.thyroid.forms import ResultForm, usual_ranges
from tracker.thyroid.models import ThyroidResult
from tracker.thyroid.recording import ResultRefused, mark_entered_in_error, record_result

CHARTED = (lab.Test.TSH, lab.Test.FREE_T4)
ONE_DAY = timedelta(days=1)


def _day_on(zone):
    return lambda result: timezone.localdate(result.collected_at, zone)


def chart_data(results, zone) -> dict:
    """TSH and free T4 over time, for static/js/thyroid-chart.js.

    Times are the patient's wall clock without an offset, so the chart shows the
    patient's clock whatever zone the browser is in.  Free T4 is charted in
    the unit of its latest result; the band is the latest result's range.
    """
    series = {}
    for test in CHARTED:
        spec = lab.TESTS[test]
        charted = sorted(
            (r for r in results if r.test == test and r.is_active),
            key=lambda r: r.collected_at,
        )
        if not charted:
            continue
        unit = charted[-1].unit
        points, band = [], None
        for result in charted:
            local = timezone.localtime(result.collected_at, zone).replace(tzinfo=None)
            points.append(
                {
                    "x": local.isoformat(timespec="minutes"),
                    "y": float(lab.convert(result.value, test, result.unit, unit)),
                    "flag": result.get_flag_display(),
                }
            )
            if result.range_low is not None and result.range_high is not None:
                band = [
                    lab.convert(limit, test, result.unit, unit)
                    .quantize(lab.TWO_PLACES)
                    .normalize()
                    for limit in (result.range_low, result.range_high)
                ]
        series[test.value] = {
            "label": spec.name,
            "unit": unit,
            "points": points,
            "band": [float(limit) for limit in band] if band else None,
            "range": f"{band[0]:f}–{band[1]:f} {unit}" if band else "",
        }
    return series


@login_required
@require_GET
def results(request, patient_pk):
    patient = get_patient_for_results(request.user, patient_pk)
    staff = request.user.role in STAFF_ROLES
    rows = list(
        ThyroidResult.objects.for_patient(patient)
        .select_related("recorded_by", "course__template")
        .order_by("-collected_at", "test", "-pk")
    )
    active = [r for r in rows if r.is_active]
    today = timezone.localdate(timezone.now(), patient.zone)
    due = schedule.due_checks_by_patient([patient.pk]).get(patient.pk, [])
    return render(
        request,
        "thyroid/results.html",
        {
            "patient": patient,
            "results": rows,
            "reading": lab.reading(active, _day_on(patient.zone)),
            "due": due,
            "today": today,
            "chart": chart_data(rows, patient.zone),
            "staff": staff,
            "can_record": can_record(request.user),
        },
    )


def _saved_message(result, zone) -> str:
    """What the nurse is told: the flag, and the reading of that day's TSH, free T4 and T3."""
    text = f"{result} saved: {result.get_flag_display().lower()}."
    if result.is_abnormal:
        text += " The care team has been alerted."
    if result.test in lab.READ:
        day = timezone.localdate(result.collected_at, zone)
        near = (
            ThyroidResult.objects.for_patient(result.patient)
            .active()
            .filter(
                test__in=lab.READ,
                collected_at__range=(result.collected_at - ONE_DAY, result.collected_at + ONE_DAY),
            )
        )
        same_day = [r for r in near if timezone.localdate(r.collected_at, zone) == day]
        found = lab.reading(same_day, _day_on(zone))
        if found:
            text += f" {found.text}"
    return text


@login_required
@require_http_methods(["GET", "POST"])
def result_new(request, patient_pk):
    patient = get_patient_for_results(request.user, patient_pk, record=True)
    initial = {}
    if request.GET.get("test") in {test.value for test in lab.Test}:
        # "Add a result" from a due check opens the form on TSH; other links may choose.
        test = lab.Test(request.GET["test"])
        initial = {"test": test.value, "unit": lab.TESTS[test].canonical}
    form = ResultForm(request.POST or None, patient=patient, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = record_result(patient, by=request.user, **form.result_fields())
        except ResultRefused as refusal:
            refused_on_form(form, refusal)
        else:
            level = messages.warning if result.is_abnormal else messages.success
            level(request, _saved_message(result, patient.zone))
            return redirect("thyroid-results", patient.pk)
    return render(
        request,
        "thyroid/result_form.html",
        {"patient": patient, "form": form, "usual_ranges": usual_ranges()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def result_error(request, pk):
    """Mark a result entered in error, with a reason; it stays in the table, struck through."""
    result = get_result_for_correction(request.user, pk)
    patient = result.patient

    def marked_message() -> str:
        collected = dateformat.format(
            timezone.localtime(result.collected_at, patient.zone), "j M Y"
        )
        return (
            f"{result} collected {collected} is marked entered in error. It stays "
            "in the table, struck through, and no longer counts for the interpretation, "
            "the chart or the TSH checks." + open_alert_note(result)
        )

    return entered_in_error_page(
        request,
        result,
        mark=mark_entered_in_error,
        marked_message=marked_message,
        next_url=reverse("thyroid-results", args=[patient.pk]),
        template="thyroid/result_error.html",
        context={"result": result, "patient": patient},
    )


CSV_COLUMNS = [
    "collected_at",
    "test",
    "value",
    "unit",
    "value_in_other_unit",
    "range_low",
    "range_high",
    "flag",
    "loinc",
    "course_id",
    "state",
    "error_reason",
    "note",
    "recorded_by",
]


@login_required
@require_GET
def results_csv(request, patient_pk):
    patient = get_patient_for_results(request.user, patient_pk, export=True)
    results = (
        ThyroidResult.objects.for_patient(patient)
        .select_related("recorded_by")
        .order_by("collected_at", "test", "pk")
    )
    return csv_response(
        f"thyroid-{patient.mrn}.csv",
        CSV_COLUMNS,
        (_csv_row(result, patient.zone) for result in results),
    )


def _csv_row(result, zone) -> list:
    other = lab.in_other_unit(result.value, result.test, result.unit)
    return [
        timezone.localtime(result.collected_at, zone).isoformat(),
        result.get_test_display(),
        result.shown_value,
        result.unit,
        f"{result.qualifier}{other[0]} {other[1]}" if other else "",
        lab.format_number(result.range_low),
        lab.format_number(result.range_high),
        result.flag,
        result.loinc,
        result.course_id or "",
        result.state,
        result.error_reason,
        result.note,
        str(result.recorded_by),
    ]


@login_required
@role_required(*STAFF_ROLES)
@require_GET
def due_list(request):
    """TSH checks whose day has passed with no result, oldest first, for the user's patients."""
    note_list()
    # Oldest first: the first page is the longest overdue.
    page = page_of(request, schedule.overdue_checks(Patient.objects.visible_to(request.user)))
    return render(
        request,
        "thyroid/due.html",
        {"overdue": page.object_list, "page": page, "can_record": can_record(request.user)},
    )

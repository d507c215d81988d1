"""Dose calendars in the patient's zone: a month grid and a day/week list.

Views only fetch and group; all display formatting is in regimens.templatetags.regimens.
"""

import calendar as stdlib_calendar
from collections import defaultdict
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from regimens.models import Dose
from tracker.lib.forms import SafeInputMixin
from tracker.patients.access import get_patient_for_user


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local date begins, as an aware datetime (the ORM stores it as UTC)."""
    return datetime.combine(day, time.min, tzinfo=zone)


def doses_by_local_date(doses, zone: ZoneInfo) -> dict[date, list[Dose]]:
    days = defaultdict(list)
    for dose in doses:
        days[dose.planned_at.astimezone(zone).date()].append(dose)
    return days


def patient_doses_between(patient, first_day: date, last_day: date, zone: ZoneInfo):
    """All the patient's doses (every course, every status) on local dates first..last."""
    start = local_midnight_utc(first_day, zone)
    end = local_midnight_utc(last_day + timedelta(days=1), zone)
    return (
        Dose.objects.for_patient(patient)
        .due_between(start, end)
        .with_course()
        .with_cycle_total()
        .order_by("planned_at", "course_id")
    )


def default_month(patient, zone: ZoneInfo) -> tuple[int, int]:
    """The month of the next upcoming dose, else the current month, in the patient's zone."""
    upcoming = (
        Dose.objects.for_patient(patient)
        .scheduled()
        .filter(planned_at__gte=timezone.now())
        .order_by("planned_at")
        .values_list("planned_at", flat=True)
        .first()
    )
    local = (upcoming or timezone.now()).astimezone(zone)
    return local.year, local.month


def shift_month(year: int, month: int, by: int) -> tuple[int, int] | None:
    index = year * 12 + (month - 1) + by
    year, month = divmod(index, 12)
    if not MINYEAR < year < MAXYEAR:
        return None
    return year, month + 1


@login_required
@require_GET
def patient_month(request, patient_pk, year=None, month=None):
    patient = get_patient_for_user(request.user, patient_pk)
    zone = ZoneInfo(patient.time_zone)
    if year is None:
        year, month = default_month(patient, zone)
    # Years at the edges would push the grid or the month links out of range.
    if not 1 <= month <= 12 or not MINYEAR < year < MAXYEAR:
        raise Http404("No such month.")

    now = timezone.now()
    weeks = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    doses = patient_doses_between(patient, weeks[0][0], weeks[-1][-1], zone)
    by_day = doses_by_local_date(doses, zone)
    grid = [
        [
            {"date": day, "in_month": day.month == month, "doses": by_day.get(day, [])}
            for day in week
        ]
        for week in weeks
    ]
    return render(
        request,
        "regimens/patient_month.html",
        {
            "patient": patient,
            "month": date(year, month, 1),
            "weekdays": [weeks[0][i] for i in range(7)],
            "weeks": grid,
            "dose_count": sum(len(v) for d, v in by_day.items() if d.month == month),
            "previous": shift_month(year, month, -1),
            "next": shift_month(year, month, 1),
            "today": now.astimezone(zone).date(),
            "now": now,
        },
    )


class DoseListForm(SafeInputMixin, forms.Form):
    SPANS = [("day", "Day"), ("week", "Seven days")]

    date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, e.g. 2027-03-14."},
    )
    span = forms.ChoiceField(
        choices=SPANS,
        required=False,
        error_messages={"invalid_choice": "Choose a span of day or week."},
    )

    def clean_date(self):
        value = self.cleaned_data["date"]
        # Keep a week and its neighbours inside the range dates can hold.
        if value and not date(MINYEAR, 1, 15) <= value <= date(MAXYEAR, 12, 15):
            raise forms.ValidationError("Choose a date between the years 2 and 9998.")
        return value


@login_required
@require_GET
def patient_dose_list(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk)
    zone = ZoneInfo(patient.time_zone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    form = DoseListForm(request.GET or None)
    context = {"patient": patient, "form": form, "today": today, "now": now}
    if request.GET and not form.is_valid():
        return render(request, "regimens/patient_doses.html", context, status=400)

    data = form.cleaned_data if request.GET else {}
    chosen = data.get("date") or today
    span = data.get("span") or "week"
    if span == "week":
        # Seven days from the date, not its Monday: on a Sunday the list still shows
        # what is coming.
        first = chosen
        last, step = first + timedelta(days=6), timedelta(days=7)
    else:
        first = last = chosen
        step = timedelta(days=1)

    by_day = doses_by_local_date(patient_doses_between(patient, first, last, zone), zone)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    context.update(
        {
            "span": span,
            "chosen": chosen,
            "first": first,
            "last": last,
            "previous": chosen - step,
            "next": chosen + step,
            "days": [{"date": day, "doses": by_day.get(day, [])} for day in days],
            "dose_count": sum(len(v) for v in by_day.values()),
        }
    )
    return render(request, "regimens/patient_doses.html", context)

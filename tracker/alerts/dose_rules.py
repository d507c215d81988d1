"""Alerts about doses: given past a withhold, held again and again in one cycle, overdue,
and a home dose the patient says they missed.

Each reads its severity (and, for held doses, how many) from the active alert rule
of its trigger; with none active it raises nothing.  The ward calls the first two
in the transaction that records the dose, with the dose locked; the third is a
periodic task.  All go through `raise_alert`, so each is delivered like any other.
The rules and why are in docs/alerts.md, "Dose alerts".
"""

from datetime import timedelta

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from regimens.models import Course, Dose
from tracker.alerts.models import Alert, AlertRule
from tracker.alerts.rules import raise_alert

Trigger = Alert.Trigger

# A rule for held doses with no count set: one centre's "3 held doses" (clinical-facts §1.3).
HELD_IN_CYCLE = 3
# How far back the overdue sweep reads: past the longest window shipped (4 h overdue
# plus 12 h for a home injection) and a day of the scheduler being down.
OVERDUE_LOOKBACK = timedelta(hours=48)


def active_rule(trigger) -> AlertRule | None:
    """The rule that decides the trigger's severity: its most severe active one, or None."""
    return AlertRule.objects.active().for_trigger(trigger).most_severe_first().first()


def alert_for_override(override, *, withheld_by: str) -> Alert | None:
    """A clinician authorised giving a dose past a withhold: tell the team, once per dose.

    `override` is the ward's WithholdOverride; `withheld_by` says in words what
    withheld the dose.  A second authorisation of the same dose (the first withdrawn
    in error) raises nothing more: the first alert already named the dose.
    """
    rule = active_rule(Trigger.WITHHOLD_OVERRIDE)
    dose = override.dose
    if rule is None or dose.alerts.filter(trigger=Trigger.WITHHOLD_OVERRIDE).exists():
        return None
    patient = dose.course.patient
    return raise_alert(
        patient=patient,
        trigger=Trigger.WITHHOLD_OVERRIDE,
        severity=rule.severity,
        rule=rule,
        dose=dose,
        created_at=override.recorded_at,
        text=(
            f"{patient.full_name}: dose {dose.dose_in_course} to be given despite "
            f"{withheld_by}, authorised by {override.authorised_by}: {override.reason}"
        ),
    )


def alert_for_held_doses(dose, *, now) -> Alert | None:
    """`dose`, just held, brings its cycle's held doses to the rule's count: once per cycle.

    The alert names the dose that reached the count.  Counted under the course's row
    lock (which the ward's lock on the dose already holds), so of two holds recorded
    at once the second counts the first.
    """
    rule = active_rule(Trigger.DOSES_HELD)
    if rule is None or dose.status != Dose.Status.HELD:
        return None
    Course.objects.select_for_update().filter(pk=dose.course_id).first()
    cycle = Dose.objects.filter(course_id=dose.course_id, cycle=dose.cycle)
    held = list(
        cycle.filter(status=Dose.Status.HELD)
        .order_by("dose_in_course")
        .values_list("dose_in_course", flat=True)
    )
    at_least = HELD_IN_CYCLE if rule.at_least is None else rule.at_least
    if len(held) < at_least:
        return None
    if Alert.objects.filter(trigger=Trigger.DOSES_HELD, dose__in=cycle).exists():
        return None
    patient = dose.course.patient
    return raise_alert(
        patient=patient,
        trigger=Trigger.DOSES_HELD,
        severity=rule.severity,
        rule=rule,
        dose=dose,
        created_at=now,
        text=(
            f"{patient.full_name}: {len(held)} doses of cycle {dose.cycle} held "
            f"(doses {_listed(held)}); the latest, dose {dose.dose_in_course}."
        ),
    )


def _listed(numbers) -> str:
    words = [str(n) for n in numbers]
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else words[0]


def alert_overdue_doses(now=None) -> int:
    """Alert on each dose still with no record a recording window after it fell overdue.

    Once per dose: a dose already alerted is not read, and two sweeps at once are
    kept to one alert by the constraint (the second's insert fails and is skipped).
    Two queries read every dose; each alert then costs the same few queries.
    Returns how many alerts were raised.
    """
    now = now or timezone.now()
    rule = active_rule(Trigger.DOSE_OVERDUE)
    if rule is None:
        return 0
    alerted = Alert.objects.filter(trigger=Trigger.DOSE_OVERDUE, dose=OuterRef("pk"))
    doses = (
        Dose.objects.past_recording_window(now)
        .filter(planned_at__gte=now - OVERDUE_LOOKBACK)
        .filter(~Exists(alerted))
        .select_related("course__patient")
        .order_by("planned_at", "pk")
    )
    return sum(1 for dose in doses if _alert_overdue(dose, rule, now))


def _alert_overdue(dose, rule, now) -> Alert | None:
    patient = dose.course.patient
    planned = dose.local_time(patient.time_zone)
    try:
        with transaction.atomic():
            # Locked as the ward locks it to record: a record saved since the read wins.
            waiting = Dose.objects.select_for_update().filter(pk=dose.pk, status=dose.status)
            if not waiting.exists():
                return None
            return raise_alert(
                patient=patient,
                trigger=Trigger.DOSE_OVERDUE,
                severity=rule.severity,
                rule=rule,
                dose=dose,
                created_at=now,
                text=(
                    f"{patient.full_name}: dose {dose.dose_in_course} (planned "
                    f"{planned:%H:%M} on {planned.day} {planned:%b}, patient's clock) has no "
                    f"record {_hours(now - dose.planned_at)} after its time."
                ),
            )
    except IntegrityError:
        # Another sweep raised it a moment ago (alert_once_per_dose).
        return None


def alert_for_missed_dose(record) -> Alert | None:
    """The patient says they did not take a home dose: tell the team, as for an overdue one.

    `record` is the ward's patient-made "not given" record, saved in the caller's
    transaction with the dose locked.  The severity is the overdue rule's: a missed
    dose is an overdue dose the patient has explained.  A dose the overdue sweep
    already alerted on raises nothing more (the team was told; the record is on the
    dose page), and with no active overdue rule nothing is raised.
    """
    rule = active_rule(Trigger.DOSE_OVERDUE)
    dose = record.dose
    if rule is None or dose.alerts.filter(trigger=Trigger.DOSE_OVERDUE).exists():
        return None
    patient = dose.course.patient
    if record.not_given_reason == "missed":
        said = f"dose {dose.dose_in_course} was missed"
    else:
        said = (
            f"dose {dose.dose_in_course} was not taken "
            f"({record.get_not_given_reason_display().lower()})"
        )
    try:
        with transaction.atomic():
            return raise_alert(
                patient=patient,
                trigger=Trigger.DOSE_OVERDUE,
                severity=rule.severity,
                rule=rule,
                dose=dose,
                created_at=record.recorded_at,
                text=f"{patient.full_name}: the patient says {said}.",
            )
    except IntegrityError:
        # The overdue sweep alerted on the dose a moment ago (alert_once_per_dose).
        return None


def _hours(delta: timedelta) -> str:
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@shared_task(name="alerts.alert_overdue_doses")
def alert_overdue_doses_task() -> int:
    return alert_overdue_doses()

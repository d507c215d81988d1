"""When an entry raises an alert to the care team, how severe it is, and what it says.

The thresholds are rows of the AlertRule table (tracker/alerts/shipped.py ships
them; admins edit them with a reason).  Each evaluation reads the active rules of
its trigger once, so an edit applies to the next entry.  Of the rules an entry
meets, the most severe wins and the alert names it; the text lists what alerted.

Called by the operations that save each entry, in their transaction.  The patient's
own advice after a report ("call the ward now") reads `report_severity`, the same
rules, so what the patient is told and what the team is sent never disagree.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.text import Truncator

from regimens.models import Course, RegimenTemplate
from tracker.alerts.delivery import queue_notifications
from tracker.alerts.models import Alert, AlertRule

Severity = Alert.Severity
Trigger = Alert.Trigger
Attribute = AlertRule.Attribute
Measure = AlertRule.Measure
TEXT_LENGTH = Alert._meta.get_field("text").max_length
RANK = {severity: rank for rank, severity in enumerate(Severity.values)}

# The thyroid test whose "high" is a positive antibody; written out here because
# tracker.thyroid sits above this app and may not be imported.
ANTI_TPO = "tpo"
# Admission observations belong to the course about to start
# (tracker.observations.charting.ADMITTED_BEFORE_FIRST_DOSE).
ADMITTED_BEFORE_FIRST_DOSE = timedelta(days=1)


def raise_alert(**fields) -> Alert:
    # Long names can make the text outgrow its column; shorten it rather than
    # refuse the entry (PostgreSQL would), since the entry itself is what matters.
    fields["text"] = Truncator(fields["text"]).chars(TEXT_LENGTH)
    alert = Alert.objects.create(**fields)
    queue_notifications(alert)
    return alert


# Reading the rules ---------------------------------------------------------------------


def rules_for(trigger) -> list[AlertRule]:
    """The trigger's active rules, most severe first, in one query."""
    rules = AlertRule.objects.active().for_trigger(trigger)
    return sorted(rules, key=lambda rule: (RANK[rule.severity], rule.pk))


def on_high_dose_course(patient, at) -> bool:
    """Whether the patient was on an open high-dose IV course at `at` (from a day before
    its first dose, as the chart counts it)."""
    return Course.objects.filter(
        patient=patient,
        status=Course.Status.OPEN,
        template__route=RegimenTemplate.Route.IV,
        doses__planned_at__lte=at + ADMITTED_BEFORE_FIRST_DOSE,
    ).exists()


def rules_met(rules, meets: Callable, patient, at) -> list[AlertRule]:
    """The rules an entry meets, most severe first; a high-dose-only rule counts only
    while the patient is on a high-dose course, which is read only if one is met."""
    met = [rule for rule in rules if meets(rule)]
    if any(rule.high_dose_only for rule in met) and not on_high_dose_course(patient, at):
        met = [rule for rule in met if not rule.high_dose_only]
    return met


def reaches(rule, value: Decimal, qualifier: str = "") -> bool:
    """Whether a value meets the rule's threshold; a rule without one takes any value.

    A lab's ">10" (beyond the assay's limit) is above 10 though its stored value is
    10; a "<" value is not known to reach anything.
    """
    if rule.at_least is None:
        return True
    if rule.below:
        return value < rule.at_least and qualifier != ">"
    if qualifier == "<":
        return False
    if rule.strictly_above:
        return value > rule.at_least or (qualifier == ">" and value >= rule.at_least)
    return value >= rule.at_least


def _threshold_words(rule, unit: str) -> str:
    threshold = f"{rule.at_least.normalize():f}{unit}"
    if rule.below:
        return f"below {threshold}"
    return f"above {threshold}" if rule.strictly_above else f"at or above {threshold}"


# Patient answers -----------------------------------------------------------------------


def _answer(report, attribute: str) -> Decimal | None:
    """The answer a rule on `attribute` reads: 0–4, presence 1 or 0, or the temperature
    measured with a fever the patient has."""
    if attribute == Attribute.TEMPERATURE:
        return report.temperature_c if report.present else None
    if attribute == Attribute.PRESENCE:
        return None if report.present is None else Decimal(int(report.present))
    value = getattr(report, attribute, None)
    return None if value is None else Decimal(value)


def _answer_meets(rule, report) -> bool:
    if rule.symptom and rule.symptom != report.symptom.slug:
        return False
    value = _answer(report, rule.attribute)
    return value is not None and reaches(rule, value)


def answer_rules_met(report) -> list[AlertRule]:
    return rules_met(
        rules_for(Trigger.PATIENT_ANSWER),
        lambda rule: _answer_meets(rule, report),
        report.patient,
        report.onset_at,
    )


def report_severity(report) -> Severity | None:
    """How urgently a patient's answers need the team, or None if they need no alert."""
    met = answer_rules_met(report)
    return Severity(met[0].severity) if met else None


def _answer_words(report, met) -> str:
    # Presence is said by the symptom's name; the temperature is always said for an
    # item that asks it, given or not.
    alerting = {rule.attribute for rule in met} - {Attribute.PRESENCE}
    words = [
        f"{attribute.label.lower()} {words.lower()} ({value})"
        for attribute, value, words in report.answers()
        if attribute.value in alerting
    ]
    if report.symptom.asks_temperature:
        words.append(
            f"temperature {report.temperature_text}"
            if report.temperature_c is not None
            else "no temperature given"
        )
    return f": {', '.join(words)}" if words else ""


def alert_for_report(report) -> Alert | None:
    met = answer_rules_met(report)
    if not met:
        return None
    return raise_alert(
        patient=report.patient,
        trigger=Trigger.PATIENT_ANSWER,
        severity=met[0].severity,
        rule=met[0],
        symptom_report=report,
        text=(
            f"{report.patient.full_name} reported {report.symptom.name.lower()}"
            f"{_answer_words(report, met)}."
        ),
    )


# Staff CTCAE grades --------------------------------------------------------------------


def _grade_meets(rule, event) -> bool:
    if rule.term and rule.term.casefold() != event.term.term.casefold():
        return False
    return reaches(rule, Decimal(event.grade))


def event_rules_met(event) -> list[AlertRule]:
    return rules_met(
        rules_for(Trigger.STAFF_GRADE),
        lambda rule: _grade_meets(rule, event),
        event.patient,
        event.onset_at,
    )


def alert_for_event(event) -> Alert | None:
    met = event_rules_met(event)
    if not met:
        return None
    return raise_alert(
        patient=event.patient,
        trigger=Trigger.STAFF_GRADE,
        severity=met[0].severity,
        rule=met[0],
        adverse_event=event,
        text=f"{event.patient.full_name}: {event.term.term}, grade {event.grade}.",
    )


# Thyroid and laboratory results --------------------------------------------------------


def _result_meets(rule, result) -> bool:
    """A result out of the lab's range, of the rule's test and flag, at its threshold
    (read in the test's canonical unit).  The lab's range decides whether it alerts at all."""
    return (
        result.is_abnormal
        and rule.test in ("", result.test)
        and rule.flag in ("", result.flag)
        and reaches(rule, result.canonical_value, result.qualifier)
    )


def result_rules_met(result, rules, at) -> list[AlertRule]:
    return rules_met(rules, lambda rule: _result_meets(rule, result), result.patient, at)


def _result_words(result, rule) -> str:
    """ "TSH 10.5 mIU/L is high, above 10 mIU/L" """
    name = f"{result.get_test_display()} {result.shown_value} {result.unit_label}"
    if result.test == ANTI_TPO and result.flag == "high":
        # A risk of thyroiditis, not a disorder: said so, whatever the rule.
        return (
            f"{name} is positive. For information: a risk of thyroiditis, not a thyroid "
            "disorder; keep to the TSH checks"
        )
    words = f"{name} is {result.get_flag_display().lower()}"
    if rule.at_least is not None:
        unit = result.spec.units[result.spec.canonical].label
        words += f", {_threshold_words(rule, f' {unit}')}"
    return words


def alert_for_result(result) -> Alert | None:
    """A thyroid result's alert."""
    met = result_rules_met(result, rules_for(Trigger.THYROID), result.collected_at)
    if not met:
        return None
    return raise_alert(
        patient=result.patient,
        trigger=Trigger.THYROID,
        severity=met[0].severity,
        rule=met[0],
        thyroid_result=result,
        text=f"{result.patient.full_name}: {_result_words(result, met[0])}.",
    )


def alert_for_lab_results(results, *, now=None) -> Alert | None:
    """One alert for the results of one sample (a panel, or one result), or None.

    It points to the result whose rule is the most severe and lists every result that
    met a rule, so a panel with several results out of range is one alert, not many.
    """
    rules = rules_for(Trigger.LAB)
    flagged = [
        (result, met[0])
        for result in results
        if (met := result_rules_met(result, rules, result.taken_at))
    ]
    if not flagged:
        return None
    result, rule = min(flagged, key=lambda flagged: RANK[flagged[1].severity])
    words = "; ".join(_result_words(result, rule) for result, rule in flagged)
    return raise_alert(
        patient=result.patient,
        trigger=Trigger.LAB,
        severity=rule.severity,
        rule=rule,
        lab_result=result,
        text=f"{result.patient.full_name}: {words}.",
        created_at=now or timezone.now(),
    )


# Charted clinical events ---------------------------------------------------------------


def alert_for_clinical_event(event, *, now=None) -> Alert | None:
    """A charted event's alert (an ICU transfer, an intubation, …), as it is charted
    (`now`: when it is charted, for a replayed chart)."""
    met = rules_met(
        rules_for(Trigger.EVENT),
        lambda rule: rule.event_kind in ("", event.kind),
        event.patient,
        event.taken_at,
    )
    if not met:
        return None
    return raise_alert(
        patient=event.patient,
        trigger=Trigger.EVENT,
        severity=met[0].severity,
        rule=met[0],
        clinical_event=event,
        text=f"{event.patient.full_name}: {event.name} charted.",
        created_at=now or timezone.now(),
    )


# Readings the patient recorded at home -------------------------------------------------

# Written out here because tracker.observations sits above this app: an observation's
# `source` when the patient recorded it (tracker.observations.models.base.Source).
PATIENT_REPORTED = "patient"
TENTH = Decimal("0.1")
# What the alert's text calls each measure, and its unit.
MEASURE_WORDS = {
    Measure.TEMPERATURE: ("temperature", " °C"),
    Measure.WEIGHT_GAIN: ("weight gain", " %"),
    Measure.SYSTOLIC_BP: ("systolic BP", " mmHg"),
}


def weight_baseline(entry) -> Decimal | None:
    """What a weight's gain is counted from: the course's admission weight, or, with no
    course, the weight the patient was registered with."""
    if entry.course_id is not None:
        return entry.course.weight_gain_baseline
    return entry.patient.weight_kg


def reading_value(entry, measure: str) -> Decimal | None:
    """The value a rule on `measure` reads from a set of vital signs or a weight entry."""
    if measure == Measure.WEIGHT_GAIN:
        weight = getattr(entry, "weight_kg", None)
        baseline = weight_baseline(entry) if weight is not None else None
        if not baseline:
            return None
        # Rounded as the weight chart shows it (WeightEntry.gain_percent), so a gain the
        # nurse reads as 5.0 % is the one that alerts.
        return ((weight - baseline) * 100 / baseline).quantize(TENTH, rounding=ROUND_HALF_UP)
    value = getattr(entry, measure, None)
    return None if value is None else Decimal(value)


def reading_rules_met(entry) -> list[AlertRule]:
    """The home-reading rules a patient-reported entry meets, most severe first.

    A reading the care team charted meets none: the ward's entries have the chart's own
    rules (tracker.observations.rules), and one reading must not alert twice.
    """
    if entry.source != PATIENT_REPORTED:
        return []

    def meets(rule) -> bool:
        value = reading_value(entry, rule.measure)
        return value is not None and reaches(rule, value)

    return rules_met(rules_for(Trigger.READING), meets, entry.patient, entry.taken_at)


def _reading_words(entry, met) -> str:
    words = []
    for measure in dict.fromkeys(rule.measure for rule in met):
        rule = next(rule for rule in met if rule.measure == measure)
        value = reading_value(entry, measure)
        name, unit = MEASURE_WORDS[Measure(measure)]
        words.append(f"{name} {value}{unit}, {_threshold_words(rule, unit)}")
    return "; ".join(words)


def alert_for_reading(entry, *, now=None) -> Alert | None:
    """One alert for a reading the patient recorded at home that meets a rule, or None.

    `entry` is a set of vital signs or a weight entry; the alert points to it and lists
    every measure that met a rule, so a reading is one alert, however many rules it meets.
    """
    met = reading_rules_met(entry)
    if not met:
        return None
    source = "weight_entry" if hasattr(entry, "weight_kg") else "vital_signs"
    return raise_alert(
        patient=entry.patient,
        trigger=Trigger.READING,
        severity=met[0].severity,
        rule=met[0],
        text=f"{entry.patient.full_name} recorded at home: {_reading_words(entry, met)}.",
        created_at=now or timezone.now(),
        **{source: entry},
    )


def open_alert_note(entry) -> str:
    """A sentence to add when an entry is marked entered in error and its alert is open.

    Marking an entry leaves its alert open (an alert is closed by a person, not by
    data), so the message says so; otherwise it says nothing.
    """
    if entry.alerts.open().exists():
        return " Its alert stays open for the care team to acknowledge."
    return ""

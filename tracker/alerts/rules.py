"""When an entry raises an alert to the care team, how severe it is, and what it says.

Called by the operations that save each entry, in their transaction.  The patient's
own advice after a report ("call the ward now") reads `report_severity` too, so what
the patient is told and what the team is sent never disagree.  The thresholds are
written out in docs/side-effects.md.
"""

from decimal import Decimal

from django.utils.text import Truncator

from tracker.alerts.delivery import queue_notifications
from tracker.alerts.models import Alert

Severity = Alert.Severity

# PRO-CTCAE answers run 0–4; CTCAE grades 1–5.
VERY_SEVERE, SEVERE = 4, 3
FREQUENTLY, ALMOST_CONSTANTLY = 3, 4
VERY_MUCH = 4
# A fever the patient reports: a measured 38.0 °C or more is high, above 40.0 °C
# urgent (CTCAE Fever grade 1 starts at 38.0, grade 3 is above 40.0); a fever
# with no temperature still goes to the team (docs/clinical-sources.md §2).
FEVER_HIGH_C = Decimal("38.0")
FEVER_URGENT_ABOVE_C = Decimal("40.0")
STAFF_GRADE_ALERT = 3
STAFF_GRADE_URGENT = 4
TEXT_LENGTH = Alert._meta.get_field("text").max_length


def report_severity(report) -> Severity | None:
    """How urgently a patient's answers need the team, or None if they need no alert.

    Severity decides: "very severe" is urgent, "severe" high.  Frequency alone
    ("frequently" with a moderate headache) is routine, unless the item asks
    nothing else, where "almost constantly" is high.  Interference "very much" is high.
    A fever goes by the temperature measured with it.
    """
    if report.symptom.asks_temperature and report.present:
        return _fever_severity(report.temperature_c)
    severity, frequency = report.severity or 0, report.frequency or 0
    if severity >= VERY_SEVERE:
        return Severity.URGENT
    if severity >= SEVERE or (report.interference or 0) >= VERY_MUCH:
        return Severity.HIGH
    if frequency >= ALMOST_CONSTANTLY and not report.symptom.asks_severity:
        return Severity.HIGH
    if frequency >= FREQUENTLY:
        return Severity.ROUTINE
    return None


def _fever_severity(temperature_c) -> Severity:
    if temperature_c is None:
        return Severity.ROUTINE
    if temperature_c > FEVER_URGENT_ABOVE_C:
        return Severity.URGENT
    if temperature_c >= FEVER_HIGH_C:
        return Severity.HIGH
    return Severity.ROUTINE


def event_severity(event) -> Severity | None:
    if event.grade >= STAFF_GRADE_URGENT:
        return Severity.URGENT
    if event.grade >= STAFF_GRADE_ALERT:
        return Severity.HIGH
    return None


# Thyroid results (docs/clinical-sources.md §3).  The tests' codes are written out
# here: tracker.thyroid sits above this app and may not be imported.
TSH, ANTI_TPO = "tsh", "tpo"
# A TSH above this (mIU/L, its only unit) is usually treated, not only watched.
TSH_CALLED_OUT = Decimal(10)


def result_severity(result) -> Severity | None:
    """Any result out of range is routine, except a TSH above 10 mIU/L, which is high.

    A positive anti-TPO is information (a risk of thyroiditis, not a disorder):
    routine, never more.
    """
    if not result.is_abnormal:
        return None
    if result.test == TSH and _above(result, TSH_CALLED_OUT):
        return Severity.HIGH
    return Severity.ROUTINE


def _above(result, threshold: Decimal) -> bool:
    # ">10" (beyond the assay's limit) is above 10 though its stored value is 10.
    value = Decimal(str(result.value))
    return value > threshold or (result.qualifier == ">" and value >= threshold)


def _result_words(result) -> str:
    if result.test == ANTI_TPO and result.flag == "high":
        return (
            "is positive. For information: a risk of thyroiditis, not a thyroid disorder; "
            "keep to the TSH checks."
        )
    words = f"is {result.get_flag_display().lower()}"
    if result_severity(result) == Severity.HIGH:
        words += f", above {TSH_CALLED_OUT} mIU/L"
    return words + "."


def raise_alert(**fields) -> Alert:
    # Long names can make the text outgrow its column; shorten it rather than
    # refuse the entry (PostgreSQL would), since the entry itself is what matters.
    fields["text"] = Truncator(fields["text"]).chars(TEXT_LENGTH)
    alert = Alert.objects.create(**fields)
    queue_notifications(alert)
    return alert


def _answer_words(report, alerting) -> str:
    words = [
        f"{attribute.label.lower()} {words.lower()} ({value})"
        for attribute, value, words in report.answers()
        if alerting(attribute.value, value)
    ]
    if report.symptom.asks_temperature:
        words.append(
            f"temperature {report.temperature_text}"
            if report.temperature_c is not None
            else "no temperature given"
        )
    return ", ".join(words)


def _alerting_answer(attribute: str, value: int) -> bool:
    thresholds = {"frequency": FREQUENTLY, "severity": SEVERE, "interference": VERY_MUCH}
    return attribute in thresholds and value >= thresholds[attribute]


def alert_for_report(report) -> Alert | None:
    severity = report_severity(report)
    if severity is None:
        return None
    return raise_alert(
        patient=report.patient,
        trigger=Alert.Trigger.PATIENT_ANSWER,
        severity=severity,
        symptom_report=report,
        text=(
            f"{report.patient.full_name} reported {report.symptom.name.lower()}: "
            f"{_answer_words(report, _alerting_answer)}."
        ),
    )


def alert_for_event(event) -> Alert | None:
    severity = event_severity(event)
    if severity is None:
        return None
    return raise_alert(
        patient=event.patient,
        trigger=Alert.Trigger.STAFF_GRADE,
        severity=severity,
        adverse_event=event,
        text=f"{event.patient.full_name}: {event.term.term}, grade {event.grade}.",
    )


def alert_for_result(result) -> Alert | None:
    severity = result_severity(result)
    if severity is None:
        return None
    return raise_alert(
        patient=result.patient,
        trigger=Alert.Trigger.THYROID,
        severity=severity,
        thyroid_result=result,
        text=(
            f"{result.patient.full_name}: {result.get_test_display()} "
            f"{result.qualifier}{Decimal(str(result.value)).normalize():f} {result.unit} "
            f"{_result_words(result)}"
        ),
    )


def open_alert_note(entry) -> str:
    """A sentence to add when an entry is marked entered in error and its alert is open.

    Marking an entry leaves its alert open (an alert is closed by a person, not by
    data), so the message says so; otherwise it says nothing.
    """
    if entry.alerts.open().exists():
        return " Its alert stays open for the care team to acknowledge."
    return ""

"""The side-effect timeline of one course: doses across, symptoms down.

Each cell holds the highest grade linked to that dose for that symptom, from the
most authoritative source that has one:

1. a staff CTCAE grade (an adverse-event entry);
2. else a clinician's reviewed grade of the patient's report;
3. else the patient's own worst answer (0–4 on the PRO-CTCAE scale), marked PRO.

`build_timeline` is a pure function over plain rows, so the rule is tested
without a database; `course_rows` is the one function that queries (three
queries, however many doses and entries).
"""

from dataclasses import dataclass
from datetime import datetime

from regimens.models import Dose
from tracker.symptoms.models import AdverseEvent, SymptomReport

STAFF, REVIEWED, PRO = "staff", "reviewed", "pro"
SOURCES = {
    STAFF: "Staff CTCAE grade",
    REVIEWED: "Clinician's reviewed grade of the patient's report",
    PRO: "Patient's worst answer (0–4), not yet reviewed",
}
LEVELS = range(0, 6)


@dataclass(frozen=True)
class Column:
    dose_id: int
    number: int  # the dose's number in its course
    cycle: int
    local_time: datetime
    status: str


@dataclass(frozen=True)
class Cell:
    level: int
    source: str

    @property
    def source_text(self) -> str:
        return SOURCES[self.source]


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple  # one Cell or None per column


@dataclass(frozen=True)
class Timeline:
    columns: tuple
    rows: tuple

    @property
    def is_empty(self) -> bool:
        return not self.rows


def patient_level(report: dict) -> int:
    """The patient's worst answer on any attribute; "yes" to a presence item counts 1."""
    answers = [report.get(name) for name in ("frequency", "severity", "interference")]
    if report.get("present") is not None:
        answers.append(int(report["present"]))
    return max((value for value in answers if value is not None), default=0)


def _report_row(report: dict) -> tuple[str, str, tuple]:
    """A report's row: its CTCAE term, so it shares a row with staff entries of that term."""
    name, term = report["symptom__name"], report["symptom__ctcae_term"]
    label = name if term in ("", name) else f"{name} ({term})"
    key = term or f"symptom:{report['symptom__slug']}"
    return key, label, (0, report["symptom__order"], name)


def build_timeline(doses: list[dict], reports: list[dict], events: list[dict]) -> Timeline:
    """The grid from plain rows.

    doses: pk, dose_in_course, cycle, local_time, status.
    reports: dose_id, symptom__name, symptom__slug, symptom__order, symptom__ctcae_term,
    frequency, severity, interference, present, reviewed_grade.
    events: dose_id, term__term, grade.
    """
    labels: dict[str, tuple[str, tuple]] = {}
    found: dict[tuple[str, int], dict[str, list[int]]] = {}

    def note(key, dose_id, source, level):
        found.setdefault((key, dose_id), {}).setdefault(source, []).append(level)

    for report in reports:
        key, label, order = _report_row(report)
        labels.setdefault(key, (label, order))
        if report["reviewed_grade"] is not None:
            note(key, report["dose_id"], REVIEWED, report["reviewed_grade"])
        note(key, report["dose_id"], PRO, patient_level(report))
    for event in events:
        key = event["term__term"]
        labels.setdefault(key, (key, (1, 0, key)))
        note(key, event["dose_id"], STAFF, event["grade"])

    marked = {dose_id for _, dose_id in found}
    columns = tuple(
        Column(d["pk"], d["dose_in_course"], d["cycle"], d["local_time"], d["status"])
        for d in sorted(doses, key=lambda d: d["dose_in_course"])
        # A cancelled dose never happened; it only takes space unless something names it.
        if d["status"] != Dose.Status.CANCELLED or d["pk"] in marked
    )
    rows = []
    for key, (label, _) in sorted(labels.items(), key=lambda item: item[1][1]):
        cells = []
        for column in columns:
            sources = found.get((key, column.dose_id), {})
            source = next((s for s in (STAFF, REVIEWED, PRO) if s in sources), None)
            cells.append(Cell(max(sources[source]), source) if source else None)
        if any(cells):
            rows.append(Row(label, tuple(cells)))
    return Timeline(columns, tuple(rows))


def course_rows(patient, course) -> tuple[list[dict], list[dict], list[dict]]:
    """The plain rows of one course's timeline: three queries."""
    doses = [
        {**dose, "local_time": dose["planned_at"].astimezone(patient.zone)}
        for dose in course.doses.values("pk", "dose_in_course", "cycle", "planned_at", "status")
    ]
    reports = list(
        SymptomReport.objects.for_patient(patient)
        .active()
        .filter(dose__course=course)
        .values(
            "dose_id",
            "symptom__name",
            "symptom__slug",
            "symptom__order",
            "symptom__ctcae_term",
            "frequency",
            "severity",
            "interference",
            "present",
            "reviewed_grade",
        )
    )
    events = list(
        AdverseEvent.objects.for_patient(patient)
        .active()
        .filter(dose__course=course)
        .values("dose_id", "term__term", "grade")
    )
    return doses, reports, events


def course_timeline(patient, course) -> Timeline:
    return build_timeline(*course_rows(patient, course))

"""What the patient said and what staff graded for one dose, row by row.

A patient's symptom and a staff entry pair up when the symptom's CTCAE term
(`ProSymptom.ctcae_term`) is the entry's term, e.g. "Hot flashes" and "Flushing".
An entry whose term no reported symptom names gets a row of its own.
"""

from dataclasses import dataclass, field

from tracker.symptoms.access import can_grade, can_review
from tracker.symptoms.models import AdverseEvent, SymptomReport


@dataclass
class SideEffectRow:
    label: str
    term: str  # the CTCAE term name both sides are compared on; "" if the symptom has none
    reports: list = field(default_factory=list)
    events: list = field(default_factory=list)

    @property
    def highest_grade(self) -> int | None:
        return max((event.grade for event in self.events), default=None)


def pair(reports, events) -> list[SideEffectRow]:
    """Rows for already-fetched reports and entries: symptoms first, in the patient's order."""
    rows: dict[tuple, SideEffectRow] = {}
    by_term: dict[str, SideEffectRow] = {}
    for report in sorted(reports, key=lambda r: (r.symptom.order, r.symptom.name, r.onset_at)):
        symptom = report.symptom
        row = rows.get(("symptom", symptom.pk))
        if row is None:
            term = symptom.ctcae_term
            label = symptom.name if term in ("", symptom.name) else f"{symptom.name} ({term})"
            row = rows[("symptom", symptom.pk)] = SideEffectRow(label=label, term=term)
            # The first symptom to name a term takes that term's entries.
            if term:
                by_term.setdefault(term, row)
        row.reports.append(report)
    for event in sorted(events, key=lambda e: (e.term.term, e.onset_at)):
        row = by_term.get(event.term.term)
        if row is None:
            row = by_term[event.term.term] = rows[("term", event.term.term)] = SideEffectRow(
                label=event.term.term, term=event.term.term
            )
        row.events.append(event)
    return list(rows.values())


def rows_for_dose(dose) -> list[SideEffectRow]:
    """The active reports and entries linked to `dose`, paired: two queries however many."""
    reports = (
        SymptomReport.objects.active().filter(dose=dose).select_related("symptom", "reviewed_by")
    )
    events = AdverseEvent.objects.active().filter(dose=dose).select_related("term", "recorded_by")
    return pair(list(reports), list(events))


def side_effects_context(dose, user) -> dict:
    """What templates/clinic/includes/dose_side_effects.html needs on the dose page.

    The dose page passes `dose` and `patient` itself; this adds the rows and the flags.
    """
    return {
        "side_effects": rows_for_dose(dose),
        "can_review": can_review(user),
        "can_grade": can_grade(user),
    }

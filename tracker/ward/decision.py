"""The dose decision panel: every withhold criterion for a due high-dose IV dose, at once.

Two sources answer the label's table: the chart's rules, read over the last hours
of the chart (tracker.observations.rules), and the bedside rules, read against the
latest pre-dose check that counts for the dose.  Each criterion is met, not met or
has no data; one with no data is never shown as passed.
"""

from dataclasses import dataclass
from decimal import Decimal

from tracker.observations import rules as chart_rules
from tracker.observations.summary import summarise
from tracker.observations.trends import Status
from tracker.ward.models import CREATININE_VALID_FOR, Finding, HoldRule
from tracker.ward.recording import CHECK_VALID_FOR, latest_valid_check

HEPATIC = "Signs of hepatic failure"


@dataclass(frozen=True)
class BedsideCriterion:
    name: str
    status: Status
    why: str


def bedside_criteria(check, hold_rules) -> list[BedsideCriterion]:
    """The bedside rules against the check: what the chart cannot say (occult blood, skin ...)."""
    if check is None:
        hours = CHECK_VALID_FOR.total_seconds() / 3600
        why = f"no pre-dose check in the {hours:g} hours before the dose"
        names = [str(rule) for rule in hold_rules] + [HEPATIC]
        return [BedsideCriterion(name, Status.NO_DATA, why) for name in names]
    values = check.rule_values()
    found = []
    for rule in hold_rules:
        if values.get(rule.measure) is None:
            found.append(BedsideCriterion(str(rule), Status.NO_DATA, "not recorded on the check"))
            continue
        status = Status.MET if rule.fires(values) else Status.NOT_MET
        found.append(
            BedsideCriterion(str(rule), status, f"checked: {_shown(values[rule.measure])}")
        )
    hepatic = {
        Finding.YES: (Status.MET, "recorded yes: the label stops the course"),
        Finding.NO: (Status.NOT_MET, "recorded no"),
    }.get(check.hepatic_failure, (Status.NO_DATA, "not assessed"))
    found.append(BedsideCriterion(HEPATIC, *hepatic))
    return found


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.1f}".rstrip("0").rstrip(".") if not isinstance(value, int) else str(value)


@dataclass(frozen=True)
class Panel:
    check_valid_hours = f"{CHECK_VALID_FOR.total_seconds() / 3600:g}"

    assessment: chart_rules.Assessment
    summary: object
    check: object
    bedside: list[BedsideCriterion]

    @property
    def met(self) -> bool:
        return bool(self.assessment.met) or any(c.status == Status.MET for c in self.bedside)

    @property
    def no_data(self) -> bool:
        return bool(self.assessment.no_data) or any(
            c.status == Status.NO_DATA for c in self.bedside
        )

    @property
    def suggestion(self) -> str:
        if self.assessment.stops_course or (self.check and self.check.stops_course):
            return "Stop aldesleukin: a criterion to stop for good is met. Tell the prescriber."
        if self.met:
            return "Withhold this dose: a withhold criterion is met. Only a clinician can authorise giving it."
        if self.no_data:
            return "Chart or check what has no data before deciding: it has not been shown to be safe."
        return "Give: every criterion was checked and none is met."


def decision_panel(dose, now) -> Panel | None:
    """The panel for a high-dose IV dose, read at `now`; None for a dose that takes no check."""
    if not chart_rules.applies_to(dose.course):
        return None
    assessment = chart_rules.assess(dose.course, now)
    check = latest_valid_check(dose, now)
    return Panel(
        assessment=assessment,
        summary=summarise(assessment.chart),
        check=check,
        bedside=bedside_criteria(check, list(HoldRule.objects.active())),
    )


def check_initial(panel: Panel | None, zone) -> dict:
    """What the pre-dose check form can start from on the chart: a pressor running, and
    the latest creatinine of the last day with its sample time.  Only what is charted:
    no pressor charted leaves the answer to the nurse rather than saying "no".
    """
    if panel is None:
        return {}
    initial = {}
    if panel.summary.pressors:
        initial["on_pressors"] = "yes"
    at = panel.summary.at
    creatinine = [
        r
        for r in panel.assessment.chart.labs
        if r.test == "creatinine" and at - r.taken_at <= CREATININE_VALID_FOR
    ]
    if creatinine:
        latest = creatinine[-1]
        taken = latest.taken_at.astimezone(zone)
        initial |= {
            "creatinine_mg_dl": latest.canonical_value.quantize(Decimal("0.01")),
            "creatinine_date": taken.date(),
            "creatinine_time": taken.time().replace(second=0, microsecond=0),
        }
    return initial

"""The chart's rules read at an instant: met, not met or no data, and why.

`assess` reads a course's chart once and every active rule against it, for the
dose decision panel and the pre-dose check.  `reassess` runs after each entry
is charted or marked in error: a rule newly met raises one alert to the care
team (urgent, as shipped) and is kept as a firing until a later reading shows
it no longer met.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from regimens.models import Course, RegimenTemplate
from tracker.alerts.dose_rules import active_rule
from tracker.alerts.models import Alert
from tracker.alerts.rules import raise_alert
from tracker.lib.history import save_with_history
from tracker.observations import trends
from tracker.observations.chart import LOOKBACK, Chart
from tracker.observations.models import ChartRule, RuleCondition, RuleFiring
from tracker.observations.trends import Outcome, Status

Test = RuleCondition.Test


@dataclass(frozen=True)
class ConditionResult:
    condition: RuleCondition
    outcome: Outcome


@dataclass(frozen=True)
class RuleResult:
    rule: ChartRule
    status: Status
    groups: list[list[ConditionResult]]

    @property
    def conditions(self) -> list[ConditionResult]:
        return [c for group in self.groups for c in group]

    @property
    def met(self) -> bool:
        return self.status == Status.MET

    @property
    def no_data(self) -> bool:
        return self.status == Status.NO_DATA

    @property
    def why(self) -> str:
        """The reasons that decide the answer: a met group's, or the conditions that
        answer as the rule does in the groups that could still be met."""
        if not self.groups:
            return "the rule has no conditions set"
        if self.met:
            shown = next(g for g in self.groups if all(c.outcome.met for c in g))
        else:
            open_groups = self.groups
            if self.no_data:
                open_groups = [
                    g for g in self.groups if not any(_is(c, Status.NOT_MET) for c in g)
                ]
            shown = [c for g in open_groups for c in g if _is(c, self.status)]
        return "; ".join(dict.fromkeys(c.outcome.why for c in shown))

    def snapshot(self) -> dict:
        """What a pre-dose check keeps of the rule, as it was then."""
        return {
            "chart_rule": self.rule.slug,
            "text": self.rule.name,
            "why": self.why,
            "hold_reason": self.rule.hold_reason,
            "action": self.rule.action,
        }


def _is(condition: ConditionResult, status: Status) -> bool:
    return condition.outcome.status == status


def read_condition(chart: Chart, condition: RuleCondition) -> Outcome:
    spec, at = condition.spec, chart.at
    hours = timedelta(hours=float(condition.hours)) if condition.hours is not None else None
    if condition.test == Test.ONGOING:
        return trends.ongoing(chart.episodes(condition.parameter), at, measure=spec.measure)
    if condition.test == Test.LASTING:
        return trends.lasting(
            chart.episodes(condition.parameter), at, measure=spec.measure, longer_than=hours
        )
    if condition.test == Test.RISING and condition.parameter == "pressor":
        return trends.rate_rising(chart.pressor_rates(), at, measure=spec.measure, over=hours)
    readings = chart.readings(condition.parameter)
    if condition.test == Test.RISING:
        return trends.rising(
            readings,
            at,
            measure=spec.measure,
            by=condition.threshold,
            over=hours,
            within=spec.fresh_for,
        )
    terms = {
        "measure": spec.measure,
        "comparison": condition.comparison,
        "threshold": condition.threshold,
        "within": spec.fresh_for,
    }
    if condition.test == Test.SUSTAINED:
        return trends.sustained(readings, at, duration=hours, **terms)
    return trends.latest(readings, at, **terms)


def read_rule(chart: Chart, rule: ChartRule) -> RuleResult:
    groups = [
        [ConditionResult(c, read_condition(chart, c)) for c in group] for group in rule.groups()
    ]
    status = trends.combine([[c.outcome for c in group] for group in groups])
    return RuleResult(rule, status, groups)


@dataclass(frozen=True)
class Assessment:
    chart: Chart
    results: list[RuleResult]

    @property
    def met(self) -> list[RuleResult]:
        return [r for r in self.results if r.met]

    @property
    def no_data(self) -> list[RuleResult]:
        return [r for r in self.results if r.no_data]

    @property
    def stops_course(self) -> bool:
        return any(r.rule.stops_course for r in self.met)


def active_rules():
    return list(ChartRule.objects.active().with_conditions())


def assess(course, at=None, *, rules=None) -> Assessment:
    """Every active rule read against the course's chart at `at` (now by default)."""
    at = trends.utc(at or timezone.now())
    rules = active_rules() if rules is None else rules
    chart = Chart.read(course, at, lookback=_lookback(rules))
    return Assessment(chart, [read_rule(chart, rule) for rule in rules])


def _lookback(rules) -> timedelta:
    longest = LOOKBACK
    for rule in rules:
        for condition in rule.conditions.all():
            if condition.hours is not None and condition.test in (Test.SUSTAINED, Test.RISING):
                span = timedelta(hours=float(condition.hours)) + condition.spec.fresh_for
                longest = max(longest, span)
    return longest


def applies_to(course) -> bool:
    """The rules are the high-dose IV label's: they read a ward course, not a home one."""
    return course is not None and course.needs_pre_dose_check and course.is_open


@transaction.atomic
def reassess(course, *, now=None, rules=None, withdrawn: bool = False) -> list[RuleFiring]:
    """Read the rules at `now` after a change to the chart; alert on each rule newly met.

    A rule that goes on being met is one firing and one alert.  A firing closes when
    its rule reads "not met"; "no data" leaves it open, since a chart that stopped
    being kept has not shown the problem gone, unless an entry was just withdrawn
    (`withdrawn`): what met the rule may have been that entry.  Firings of a rule
    switched off, or of a course no longer open, close too.
    """
    if course is None:
        return []
    now = now or timezone.now()
    # One reader at a time per course, so two entries charted at once fire a rule once.
    Course.objects.select_for_update().filter(pk=course.pk).first()
    open_firings = {f.rule_id: f for f in RuleFiring.objects.open().filter(course=course)}
    if not applies_to(course):
        _clear(open_firings.values(), now, "The course is no longer open")
        return []
    assessment = assess(course, now, rules=rules)
    fired = []
    for result in assessment.results:
        firing = open_firings.pop(result.rule.pk, None)
        if result.met and firing is None:
            fired.append(_fire(course, result, now))
        elif firing is not None and not result.met and (not result.no_data or withdrawn):
            _clear([firing], now, f"No longer met: {result.why}")
    # What is left belongs to rules switched off since they fired.
    _clear(open_firings.values(), now, "The rule is switched off")
    return fired


def _clear(firings, now, reason: str) -> None:
    for firing in firings:
        firing.cleared_at = now
        save_with_history(firing, by=None, reason=reason[:100], update_fields=["cleared_at"])


def _fire(course, result: RuleResult, now) -> RuleFiring:
    rule = result.rule
    verb = "stop aldesleukin" if rule.stops_course else "withhold the next dose"
    alert_rule = active_rule(Alert.Trigger.CHART_RULE)
    alert = raise_alert(
        patient=course.patient,
        trigger=Alert.Trigger.CHART_RULE,
        # A met withhold or stop rule always reaches the team: with its alert rule
        # switched off it is still raised, urgent (docs/alerts.md, "Dose alerts").
        severity=alert_rule.severity if alert_rule else Alert.Severity.URGENT,
        rule=alert_rule,
        text=f"{course.patient.full_name}: {rule.name} ({result.why}): {verb}.",
        created_at=now,
    )
    firing = RuleFiring(
        rule=rule,
        patient=course.patient,
        course=course,
        fired_at=now,
        why=result.why[: RuleFiring._meta.get_field("why").max_length],
        alert=alert,
    )
    save_with_history(firing, by=None, reason="Chart rule met")
    return firing


def reassess_open_courses(*, now=None) -> list[RuleFiring]:
    """Read every open high-dose IV course's rules now, for what time alone makes true.

    An intubation passes 72 hours, or a low urine output its 16th hour, with nothing
    new charted; a periodic run catches it between entries.
    """
    courses = Course.objects.filter(
        status=Course.Status.OPEN, template__route=RegimenTemplate.Route.IV
    ).select_related("patient", "template")
    rules = active_rules()
    return [firing for course in courses for firing in reassess(course, now=now, rules=rules)]

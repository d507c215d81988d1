"""The chart's periodic task: what time alone makes true, read between entries."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.observations.infusions import start_event
from tracker.observations.models import RuleFiring
from tracker.observations.tasks import reassess_charts

NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
H = timedelta(hours=1)


def test_the_task_reads_every_open_course_and_alerts_once_on_a_rule_newly_met(
    course, personas, shipped_data, clock
):
    start_event(
        personas.patient,
        by=personas.nurse_on_team,
        kind="coma_psychosis",
        started_at=NOW - 2 * H,
        now=NOW,
    )
    clock.move_to(NOW + 46 * H)
    assert reassess_charts.delay().get() == 0
    clock.move_to(NOW + 47 * H)
    assert reassess_charts.delay().get() == 1
    assert reassess_charts.delay().get() == 0
    firing = RuleFiring.objects.get()
    assert (firing.rule.slug, firing.fired_at) == ("coma-over-48-hours", NOW + 47 * H)
    assert "stop aldesleukin" in firing.alert.text

"""The chart's periodic work, run by Celery beat (tracker/celery.py)."""

from celery import shared_task

from tracker.observations.rules import reassess_open_courses


@shared_task(name="observations.reassess_charts")
def reassess_charts() -> int:
    """Read the rules of every open high-dose IV course now: what time alone makes true.

    Safe to repeat: a rule still met is still the one firing, so no second alert.
    Returns how many rules were newly met.
    """
    return len(reassess_open_courses())

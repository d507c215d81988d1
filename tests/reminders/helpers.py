from datetime import datetime

import time_machine

from tracker.reminders.tasks import send_due_reminders


def dose_on(course, day: str):
    """The course's dose on a local date, "2027-03-28"."""
    return next(d for d in course.doses.all() if str(d.local_time().date()) == day)


def run_at(when) -> int:
    """Run the beat task as it runs every minute, with the clock at `when`; how many sent."""
    when = datetime.fromisoformat(when) if isinstance(when, str) else when
    with time_machine.travel(when, tick=False):
        return send_due_reminders.delay().get()

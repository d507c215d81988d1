"""When each reminder is sent, on the patient's clock.

Two kinds of time, on purpose (docs/alerts.md, "Patient reminders"):
- "N minutes before the dose" is N minutes of elapsed time before the dose's
  instant, so a change of the clocks overnight cannot move it an hour;
- "09:00 on the day the test is due" and quiet hours are wall-clock times on the
  patient's own clock, whatever the offset that day.

Quiet hours: a reminder that falls in them waits for their end.  A dose that itself
falls in them (an early-morning injection) is reminded the evening before,
shortly before quiet hours begin, so the patient hears of it without being woken.
"""

from datetime import UTC, datetime, time, timedelta

from tracker.reminders.models import ReminderSettings

# The morning reminder of a thyroid test due today.
THYROID_MORNING = time(9, 0)
# How long before quiet hours a dose inside them is reminded.
BEFORE_QUIET_HOURS = timedelta(minutes=30)


def dose_due_at(dose, settings: ReminderSettings, zone) -> datetime:
    """When to remind the patient of `dose`: the lead they chose before it, out of quiet hours."""
    at = dose.planned_at - settings.dose_lead
    quiet = settings.quiet_hours_around(at, zone)
    if quiet is None:
        return at
    start, end = quiet
    if end <= dose.planned_at:
        return end
    return start - BEFORE_QUIET_HOURS


def unrecorded_at(dose, settings: ReminderSettings, zone) -> datetime:
    """The end of the dose's recording window, or the end of quiet hours if it is in them."""
    return after_quiet_hours(dose.planned_at + dose.course.recording_window, settings, zone)


def thyroid_due_at(day, settings: ReminderSettings, zone) -> datetime:
    """09:00 on the patient's clock on the day the test is due, out of quiet hours."""
    morning = datetime.combine(day, THYROID_MORNING, tzinfo=zone).astimezone(UTC)
    return after_quiet_hours(morning, settings, zone)


def after_quiet_hours(instant: datetime, settings: ReminderSettings, zone) -> datetime:
    quiet = settings.quiet_hours_around(instant, zone)
    return instant if quiet is None else quiet[1]

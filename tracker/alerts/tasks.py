"""The alerts app's Celery tasks, found by autodiscovery of this module."""

import tracker.alerts.dose_rules  # noqa: F401  (alerts.alert_overdue_doses)

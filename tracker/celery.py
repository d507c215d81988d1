"""The Celery app: background work (notifications, escalation, reminders).

Settings are the CELERY_* names in tracker/settings.py; each app's tasks live in
its `tasks.py`, and the periodic ones are listed in CELERY_BEAT_SCHEDULE.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work, read by `celery beat`.  Every task is also safe to run at any
# time: each reads the database for what is due, and constraints stop a repeat.
app.conf.beat_schedule = {
    # The outbox sweep: notifications queued but never sent (a broker outage, a
    # killed worker) are sent, with back-off after a failure.
    "send-due-notifications": {"task": "alerts.send_due_notifications", "schedule": 60},
    "escalate-unacknowledged-alerts": {"task": "alerts.escalate", "schedule": 60},
    "send-routine-digests": {"task": "alerts.send_digests", "schedule": 300},
    "alert-overdue-doses": {"task": "alerts.alert_overdue_doses", "schedule": 300},
    "reassess-charts": {"task": "observations.reassess_charts", "schedule": 300},
    "send-patient-reminders": {"task": "reminders.send_due_reminders", "schedule": 60},
    "send-message-notices": {"task": "symptoms.send_message_notices", "schedule": 300},
}

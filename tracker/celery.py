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

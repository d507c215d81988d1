"""Who hears of an unacknowledged alert, and when, as shipped (docs/alerts.md).

Urgent: on call at once, the whole care team at 15 minutes, the named consultant
at 30 minutes and every 15 minutes after until someone acknowledges.  High: on
call at once, the care team at one hour, the consultant at two.  Routine alerts
escalate to no one: they go in the daily digest.  Admins edit these, with a
reason, in the admin.  Written out here, not imported, so that a later change to
the defaults never rewrites what this migration did.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

from tracker.accounts.roles import grant

MINUTES = timedelta(minutes=1)
STEPS = [
    # severity, level, after, audience, repeat every
    ("urgent", 1, 0 * MINUTES, "on_call", None),
    ("urgent", 2, 15 * MINUTES, "care_team", None),
    ("urgent", 3, 30 * MINUTES, "consultant", 15 * MINUTES),
    ("high", 1, 0 * MINUTES, "on_call", None),
    ("high", 2, 60 * MINUTES, "care_team", None),
    ("high", 3, 120 * MINUTES, "consultant", None),
]
REASON = "Shipped default"

GRANTS = {
    "admin": [
        "alerts.view_escalationstep",
        "alerts.add_escalationstep",
        "alerts.change_escalationstep",
        "alerts.view_historicalescalationstep",
        "alerts.view_oncallshift",
        "alerts.add_oncallshift",
        "alerts.change_oncallshift",
        "alerts.view_historicaloncallshift",
        "alerts.view_notification",
    ]
}


def load(apps, schema_editor):
    EscalationStep = apps.get_model("alerts", "EscalationStep")
    HistoricalEscalationStep = apps.get_model("alerts", "HistoricalEscalationStep")
    for severity, level, after, audience, repeat_every in STEPS:
        fields = {"after": after, "audience": audience, "repeat_every": repeat_every}
        step, created = EscalationStep.objects.get_or_create(
            severity=severity, level=level, defaults=fields
        )
        if created:
            HistoricalEscalationStep.objects.create(
                id=step.pk,
                severity=severity,
                level=level,
                **fields,
                history_date=timezone.now(),
                history_type="+",
                history_user_id=None,
                history_change_reason=REASON,
            )
    grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0010_shipped_dose_alert_rules"), ("patients", "0008_ward_grants")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The alerts app's tables: alerts, and (each in its own module) what decides and
delivers them."""

from tracker.alerts.models.alert import Alert, AlertQuerySet
from tracker.alerts.models.alert_rules import AlertRule, AlertRuleQuerySet
from tracker.alerts.models.delivery import EscalationStep, Notification, OnCallShift

__all__ = [
    "Alert",
    "AlertQuerySet",
    "AlertRule",
    "AlertRuleQuerySet",
    "EscalationStep",
    "Notification",
    "OnCallShift",
]

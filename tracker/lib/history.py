"""Saving a clinical row so that its history row says who changed it and why."""

from django.db import models


def save_with_history(obj: models.Model, *, by, reason: str, update_fields=None, **kwargs) -> None:
    """Save `obj`; the history row carries `by` and `reason`.

    django-simple-history reads these two attributes off the instance when it
    writes the row, so setting them here keeps every caller from forgetting one.
    """
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj._history_user = by  # type: ignore[attr-defined]
    obj.save(update_fields=update_fields, **kwargs)

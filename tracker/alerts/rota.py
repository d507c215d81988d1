"""A ward's on-call rota: adding and cancelling shifts, and the rota as its page shows it.

Shifts are entered on the ward's clock and stored as UTC instants.  A cancelled shift is
kept, with who cancelled it and why, so the rota of any past night can be read again.
Two shifts may overlap (a handover, a second person for a busy night): both are told.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tracker.accounts.models import User
from tracker.accounts.roles import ON_CALL_ROLES
from tracker.alerts.models import OnCallShift
from tracker.lib.forms import REASON_LENGTH
from tracker.lib.history import save_with_history
from tracker.lib.records import Refused

LONGEST_SHIFT = timedelta(days=7)
# A shift forgotten last night may still be entered in the morning, not last month's.
LATEST_BACKFILL = timedelta(days=1)
PAST_DAYS, COMING_DAYS = 7, 14


class RotaRefused(Refused):
    """A shift the rota cannot take; the message says why."""


def people_who_may_be_on_call():
    """Active clinicians and nurses: who the rota offers."""
    return (
        User.objects.filter(is_active=True, groups__name__in=ON_CALL_ROLES)
        .distinct()
        .prefetch_related("groups")
    )


@transaction.atomic
def add_shift(ward, *, person, starts_at, ends_at, by, now=None) -> OnCallShift:
    """Put `person` on call for `ward` from `starts_at` to `ends_at`, or refuse."""
    now = now or timezone.now()
    if not person.is_active or person.role not in ON_CALL_ROLES:
        raise RotaRefused("Only an active clinician or nurse can be on call.", field="person")
    if ends_at <= starts_at:
        raise RotaRefused("The shift must end after it starts.", field="end_time")
    if ends_at - starts_at > LONGEST_SHIFT:
        raise RotaRefused("A shift can be 7 days at most: add the next week as its own shift.")
    if starts_at < now - LATEST_BACKFILL:
        raise RotaRefused(
            "The shift starts more than a day ago: the rota of past days stays as it was.",
            field="start_date",
        )
    shift = OnCallShift(
        ward=ward, person=person, starts_at=starts_at, ends_at=ends_at, created_by=by
    )
    save_with_history(shift, by=by, reason="Added to the rota")
    return shift


@transaction.atomic
def cancel_shift(shift, *, by, reason: str, now=None) -> OnCallShift:
    """Cancel a shift that has not ended, keeping it with who cancelled it and why."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise RotaRefused("Say why the shift is cancelled.", field="reason")
    if len(reason) > REASON_LENGTH:
        raise RotaRefused(
            f"Keep the reason to {REASON_LENGTH} characters or fewer.", field="reason"
        )
    locked = OnCallShift.objects.select_for_update().get(pk=shift.pk)
    if locked.is_cancelled:
        raise RotaRefused("This shift is already cancelled.")
    if locked.ends_at <= now:
        raise RotaRefused("This shift has ended: the rota keeps it as it was.")
    locked.cancelled_at, locked.cancelled_by, locked.cancel_reason = now, by, reason
    fields = ["cancelled_at", "cancelled_by", "cancel_reason"]
    save_with_history(locked, by=by, reason=f"Cancelled: {reason}", update_fields=fields)
    return locked


@dataclass
class RotaLine:
    """A shift on the rota, or a gap in it when `shift` is None."""

    starts_at: datetime
    ends_at: datetime
    shift: OnCallShift | None = None
    overlaps: bool = False

    @property
    def is_gap(self) -> bool:
        return self.shift is None


@dataclass
class Rota:
    ward: object
    now: datetime
    on_call_now: list = field(default_factory=list)
    coming: list = field(default_factory=list)
    past: list = field(default_factory=list)


def gaps(shifts, start, end) -> list[tuple[datetime, datetime]]:
    """The stretches from `start` to `end` that no standing shift covers."""
    found, covered_until = [], start
    for shift in sorted(shifts, key=lambda s: s.starts_at):
        if shift.starts_at > covered_until:
            found.append((covered_until, min(shift.starts_at, end)))
        covered_until = max(covered_until, shift.ends_at)
        if covered_until >= end:
            break
    if covered_until < end:
        found.append((covered_until, end))
    return [(a, b) for a, b in found if a < b]


def _overlapping(standing) -> set[int]:
    """The pks of standing shifts that share some time with another standing shift."""
    ordered = sorted(standing, key=lambda s: s.starts_at)
    found, latest = set(), None
    for shift in ordered:
        if latest is not None and shift.starts_at < latest.ends_at:
            found.update({shift.pk, latest.pk})
        if latest is None or shift.ends_at > latest.ends_at:
            latest = shift
    return found


def _lines(shifts, standing, start, end) -> list[RotaLine]:
    """Every shift (cancelled ones too) and every gap from `start` to `end`, in order."""
    overlapping = _overlapping(standing)
    lines = [RotaLine(s.starts_at, s.ends_at, s, overlaps=s.pk in overlapping) for s in shifts]
    lines += [RotaLine(a, b) for a, b in gaps(standing, start, end)]
    return sorted(lines, key=lambda line: (line.starts_at, line.is_gap, line.ends_at))


def ward_rota(ward, now=None) -> Rota:
    """Who is on call now, and the shifts and gaps of the next 14 days and the last 7."""
    now = now or timezone.now()
    start, end = now - timedelta(days=PAST_DAYS), now + timedelta(days=COMING_DAYS)
    shifts = list(
        OnCallShift.objects.for_ward(ward)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("person", "cancelled_by")
        .prefetch_related("person__groups")
    )
    standing = [s for s in shifts if not s.is_cancelled]
    lines = _lines(shifts, standing, start, end)
    return Rota(
        ward=ward,
        now=now,
        on_call_now=[s for s in standing if s.starts_at <= now < s.ends_at],
        # What is going on now heads the coming lines; the past reads back from now.
        coming=[line for line in lines if line.ends_at > now],
        past=[line for line in reversed(lines) if line.ends_at <= now],
    )

"""IANA time zones: validation, the list offered in forms, local times as instants, and the
clocks' leeway."""

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

from django.core.exceptions import ValidationError
from django.utils import dateformat, translation

from tracker.lib.zone_names import known_zones

# A time this far ahead of the server's clock still counts as now: the clock on the
# ward's wall, a phone or a lab's analyser may run a little fast.
CLOCK_LEEWAY = timedelta(minutes=5)


@cache
def all_zones() -> tuple[str, ...]:
    # Legacy aliases such as "US/Eastern" are left out of the choices but still validate.
    return tuple(
        sorted(
            z
            for z in zoneinfo.available_timezones()
            if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/"))
        )
    )


def validate_time_zone(value: str) -> None:
    if value not in known_zones():
        raise ValidationError(
            "%(value)s is not a time zone. Use a name such as Europe/London or America/New_York.",
            code="invalid_time_zone",
            params={"value": value},
        )


def local_instant(day, clock, zone) -> datetime:
    """A local date and time on `zone`'s clock as an instant, refusing times that never happen."""
    local = datetime.combine(day, clock).replace(tzinfo=zone)
    try:
        local.astimezone(UTC)
    except OverflowError:
        raise ValidationError("Check the date: it is out of range.") from None
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            f"{clock:%H:%M} does not exist on {day:%d %b %Y} in {zone.key}: "
            "the clocks went forward. Check the time."
        )
    return local


def on_clock(instant: datetime, zone, fmt: str) -> str:
    """`instant` on `zone`'s wall clock in Django's date format `fmt` ("D j M, H:i T").

    A shift page or a flowsheet shows a time in each of its rows, and shows the same
    doses again at every refresh: each worker remembers the last few thousand, by
    instant, zone, format and language, since formatting one takes longer than the
    rest of its row's cell.
    """
    return _formatted(instant.astimezone(UTC), str(zone), fmt, translation.get_language())


@lru_cache(maxsize=8192)
def _formatted(instant: datetime, zone: str, fmt: str, language: str | None) -> str:
    return dateformat.format(instant.astimezone(zoneinfo.ZoneInfo(zone)), fmt)


# Offered first, after the clinic's own zone: where most patients of an
# English-speaking clinic live.  The rest follow in one alphabetical group.
COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Toronto",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# The country is what people recognise; the tz database names only a city.
COUNTRIES = {
    "Europe/London": "UK",
    "Europe/Dublin": "Ireland",
    "America/New_York": "US",
    "America/Chicago": "US",
    "America/Denver": "US",
    "America/Phoenix": "US",
    "America/Los_Angeles": "US",
    "America/Toronto": "Canada",
    "Australia/Sydney": "Australia",
    "Pacific/Auckland": "New Zealand",
}


def zone_choices(first: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a zone select: the clinic's zone and common ones first, then the rest.

    `first` (a patient's zone, say) leads the list when it is not the clinic's.
    """
    from django.conf import settings

    leading = list(
        dict.fromkeys(z for z in (first, settings.CLINIC_TIME_ZONE, *COMMON_ZONES) if z)
    )
    rest = [z for z in all_zones() if z not in leading]
    return [
        ("Common time zones", [(z, f"{zone_in_words(z)} · {z}") for z in leading]),
        ("All time zones", [(z, z.replace("_", " ")) for z in rest]),
    ]


def zone_in_words(name: str, year: int | None = None) -> str:
    """A zone as people say it, e.g. "London, UK (GMT/BST)" or "Kolkata (IST)".

    The abbreviations are winter's and summer's in `year` (this year by default).
    """
    from django.utils import timezone

    zone = zoneinfo.ZoneInfo(name)
    year = year or timezone.now().year
    # Standard time first, then summer time, whichever hemisphere the zone is in.
    seen = sorted(
        {
            (moment.utcoffset(), moment.tzname() or "")
            for moment in (datetime(year, month, 15, 12, tzinfo=zone) for month in (1, 7))
        }
    )
    # Zones without a letter abbreviation are named by their offset, e.g. "+03".
    names = [f"UTC{n}" if n[:1] in "+-" else n for _, n in seen]
    place = name.rsplit("/", 1)[-1].replace("_", " ")
    country = COUNTRIES.get(name)
    where = f"{place}, {country}" if country else place
    return f"{where} ({'/'.join(names)})"

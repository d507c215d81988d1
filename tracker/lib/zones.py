"""IANA time zones: validation and the list offered in forms."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


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


# These names depend on how the server is configured, not on the tz database.
SERVER_DEPENDENT = frozenset({"localtime", "posixrules", "Factory"})


def validate_time_zone(value: str) -> None:
    if value in SERVER_DEPENDENT or value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a time zone. Use a name such as Europe/London or America/New_York.",
            code="invalid_time_zone",
            params={"value": value},
        )

"""The IANA zone names a patient or a course may be in.

Pure Python, no Django: regimens/calendar.py checks its zones against the same list
that validates a patient's zone.
"""

import zoneinfo
from functools import cache

# These names depend on how the server is configured, not on the tz database: a
# course planned in one would silently change with the machine.
SERVER_DEPENDENT = frozenset({"localtime", "posixrules", "Factory"})


@cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - SERVER_DEPENDENT)

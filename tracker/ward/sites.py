"""Where a patient injects a home (subcutaneous) dose, and which site to use next.

Injecting the same spot again and again hardens the skin and the drug is absorbed
less well, so the patient rotates through eight sites in a fixed order.  Pure
functions: no database, tested on their own.
"""

from collections.abc import Sequence

from django.db import models


class InjectionSite(models.TextChoices):
    # In the order a patient rotates through them.
    ABDOMEN_UPPER_LEFT = "abdomen_upper_left", "Abdomen, upper left"
    ABDOMEN_UPPER_RIGHT = "abdomen_upper_right", "Abdomen, upper right"
    ABDOMEN_LOWER_LEFT = "abdomen_lower_left", "Abdomen, lower left"
    ABDOMEN_LOWER_RIGHT = "abdomen_lower_right", "Abdomen, lower right"
    LEFT_THIGH = "left_thigh", "Left thigh"
    RIGHT_THIGH = "right_thigh", "Right thigh"
    LEFT_UPPER_ARM = "left_upper_arm", "Left upper arm"
    RIGHT_UPPER_ARM = "right_upper_arm", "Right upper arm"


ROTATION: tuple[str, ...] = tuple(InjectionSite.values)


def suggest_site(recent: Sequence[str]) -> str:
    """The site to use next, given the sites used, most recent first.

    The site after the last one in the rotation, so never the last one used; with
    no site used yet (or only ones no longer known) the first in the rotation.
    """
    last = next((site for site in recent if site in ROTATION), None)
    if last is None:
        return ROTATION[0]
    return ROTATION[(ROTATION.index(last) + 1) % len(ROTATION)]

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.functional import SimpleLazyObject


def csp_nonce(request):
    """Expose the CSP nonce under the name django-htmx's {% htmx_script %} reads."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def ward_phone(request):
    """The ward's number, for the advice patients see when a side effect is severe."""
    return {"ward_phone": settings.WARD_PHONE}


def ward_zone(request):
    """The zone staff pages show times in: the viewer's own setting, else the clinic's.

    Lazy, so a page that prints no time does not load the user for it.
    """

    def zone() -> ZoneInfo:
        user = request.user
        return user.ward_zone if user.is_authenticated else ZoneInfo(settings.CLINIC_TIME_ZONE)

    return {"ward_zone": SimpleLazyObject(zone)}

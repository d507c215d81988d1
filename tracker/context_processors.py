from django.conf import settings


def csp_nonce(request):
    """Expose the CSP nonce under the name django-htmx's {% htmx_script %} reads."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def ward_phone(request):
    """The ward's number, for the advice patients see when a side effect is severe."""
    return {"ward_phone": settings.WARD_PHONE}

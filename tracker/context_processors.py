def csp_nonce(request):
    """Expose the CSP nonce under the name django-htmx's {% htmx_script %} reads."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}

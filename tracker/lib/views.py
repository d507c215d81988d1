"""View bodies shared by the apps."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from tracker.lib.forms import EnteredInErrorForm
from tracker.lib.records import ClinicalEntry, Refused, refused_on_form


def entered_in_error_page(
    request,
    entry: ClinicalEntry,
    *,
    mark: Callable,
    marked_message: Callable[[], str],
    next_url: str,
    template: str,
    context: dict,
    form_class=EnteredInErrorForm,
    refused_status: int = 200,
) -> HttpResponse:
    """The body of a "mark entered in error" view, after its access helper found `entry`.

    A valid POST calls the app's operation, `mark(entry, by=user, reason=reason)`, then
    shows `marked_message()` (called after the mark, so it can say what is still open)
    and goes to `next_url`.  An entry already marked shows its model's notice and takes
    no reason.  The template gets `context` with the form and that notice (`already`);
    a refused POST is answered with `refused_status`.
    """
    already = "" if entry.is_active else entry.already_in_error
    form = form_class(request.POST or None)
    if request.method == "POST" and not already and form.is_valid():
        try:
            mark(entry, by=request.user, reason=form.cleaned_data["reason"])
        except Refused as refusal:
            refused_on_form(form, refusal)
        else:
            messages.success(request, marked_message())
            return redirect(next_url)
    refused = request.method == "POST" and (already or form.errors)
    return render(
        request,
        template,
        {**context, "form": form, "already": already},
        status=refused_status if refused else 200,
    )

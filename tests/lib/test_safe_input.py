"""Every form refuses a NUL character (PostgreSQL cannot store one) with a message."""

import importlib
import pkgutil

import pytest
from django import forms
from django.forms import BaseForm
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

import regimens
import tracker
from tracker.accounts.models import User
from tracker.lib.forms import NUL_MESSAGE, SafeInputMixin


def _import_every_module():
    for package in (tracker, regimens):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations." not in module.name:
                importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _app_forms() -> set[type]:
    _import_every_module()
    return {
        cls
        for cls in _subclasses(BaseForm)
        if cls.__module__.split(".")[0] in {"tracker", "regimens"}
    }


def _cleans_first(form_class) -> bool:
    """The mixin comes before the form's own cleaning in its method order."""
    order = form_class.__mro__
    return SafeInputMixin in order and order.index(SafeInputMixin) < order.index(BaseForm)


def test_every_form_of_the_app_inherits_the_mixin_before_its_own_cleaning():
    found = _app_forms()
    assert len(found) > 40  # the walk found them, not nothing
    missing = sorted(
        f"{cls.__module__}.{cls.__qualname__}" for cls in found if not _cleans_first(cls)
    )
    assert missing == []


def _views(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


def test_every_class_based_page_uses_a_form_with_the_mixin():
    """Django's own views (sign-in, passwords) are given the app's forms."""
    checked = 0
    for view in _views():
        view_class = getattr(view, "view_class", None)
        initkwargs = getattr(view, "view_initkwargs", {})
        for attribute in ("form_class", "authentication_form"):
            form_class = initkwargs.get(attribute) or getattr(view_class, attribute, None)
            if form_class is not None:
                checked += 1
                assert _cleans_first(form_class), f"{view_class.__name__}.{attribute}"
    assert checked >= 4


def test_every_admin_form_of_the_app_has_the_mixin():
    """The admin builds its forms on `form` (and `add_form`) when a page is asked for."""
    from django.contrib import admin

    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model.__module__.split(".")[0] not in {"tracker", "regimens"}:
            continue
        for attribute in ("form", "add_form"):
            form_class = getattr(model_admin, attribute, None)
            if form_class is not None:
                checked += 1
                assert _cleans_first(form_class), f"{type(model_admin).__name__}.{attribute}"
    assert checked > 20


class LookupForm(SafeInputMixin, forms.Form):
    """Its field asks the database, as a choice of a user by username would."""

    user = forms.ModelChoiceField(queryset=User.objects.all(), to_field_name="username")
    note = forms.CharField(required=False)

    reached_clean = False

    def clean(self):
        self.reached_clean = True
        return super().clean()


@pytest.mark.django_db
def test_a_nul_in_a_field_is_refused_there_before_any_field_is_cleaned():
    form = LookupForm({"user": "nurse\x00", "note": "fine"})
    assert not form.is_valid()
    assert form.errors == {"user": [NUL_MESSAGE]}
    assert form.cleaned_data == {}
    assert not form.reached_clean


def test_a_nul_sent_outside_the_fields_is_refused_at_the_top():
    form = LookupForm({"user": "nurse", "next": "/ward/\x00"})
    assert not form.is_valid()
    assert form.non_field_errors() == [NUL_MESSAGE]


@pytest.mark.django_db
def test_a_form_without_nul_cleans_as_before():
    form = LookupForm({"user": "nobody", "note": "ok"})
    assert not form.is_valid()
    assert "user" in form.errors and NUL_MESSAGE not in str(form.errors)
    assert form.reached_clean


def test_an_unbound_form_has_no_errors():
    assert LookupForm().errors == {}


# Pages: the message is shown, nothing is written.


@pytest.mark.django_db
@pytest.mark.now("2027-03-12 12:00Z")
def test_a_nul_in_an_alert_note_is_refused_and_the_alert_stays_open(
    as_persona, personas, raise_alert
):
    alert = raise_alert(personas.patient, personas.nurse_on_team, at=timezone.now())
    response = as_persona("nurse_on_team").post(
        f"/alerts/{alert.pk}/acknowledge/", {"note": "Seen\x00", "next": "/alerts/"}
    )
    assert response.status_code == 200
    assert "NUL character" in response.text
    alert.refresh_from_db()
    assert alert.is_open


@pytest.mark.django_db
def test_a_nul_in_the_patient_search_is_refused_with_a_message(as_persona):
    response = as_persona("nurse_on_team").get("/patients/", {"q": "Smith\x00"})
    assert response.status_code == 200
    assert "NUL character" in response.text

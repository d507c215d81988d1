"""The shipped tables (regimens/shipped.py, tracker/*/shipped.py) and what migrations leave.

The data migrations keep frozen copies of the same data; these tests keep the
two from drifting apart.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from regimens import shipped as regimens
from regimens.models import RegimenTemplate
from tracker import shipped
from tracker.symptoms import shipped as symptoms
from tracker.symptoms.models import CtcaeTerm, ProSymptom
from tracker.ward import shipped as ward
from tracker.ward.models import HoldRule

pytestmark = pytest.mark.django_db

TABLES = [
    (RegimenTemplate, regimens.TEMPLATES),
    (HoldRule, ward.HOLD_RULES),
    (CtcaeTerm, symptoms.TERMS),
    (ProSymptom, symptoms.SYMPTOMS),
]


def test_a_freshly_migrated_database_holds_exactly_the_shipped_tables():
    loads = shipped.load_all()
    assert [str(loaded) for loaded in loads if not loaded.matches_table] == []
    assert {model: model.objects.count() for model, _ in TABLES} == {
        model: len(table) for model, table in TABLES
    }


def test_a_shipped_template_leaves_the_fields_it_does_not_list_at_their_defaults():
    for fields in regimens.TEMPLATES:
        template = RegimenTemplate.objects.get(slug=fields["slug"])
        unlisted = [
            f
            for f in RegimenTemplate._meta.concrete_fields
            if not f.primary_key and f.name not in fields
        ]
        assert {f.name: getattr(template, f.name) for f in unlisted} == {
            f.name: f.get_default() for f in unlisted
        }, fields["slug"]


def test_loading_into_an_empty_database_creates_every_row_and_twice_changes_nothing():
    for model, _ in TABLES:
        model.objects.all().delete()

    first = shipped.load_all()
    second = shipped.load_all()

    assert [len(loaded.created) for loaded in first] == [len(table) for _, table in TABLES]
    assert [loaded.changed for loaded in second] == [False] * len(TABLES)


def edit_in_the_admin():
    RegimenTemplate.objects.filter(slug="sc-5on2off").update(recording_window=timedelta(hours=6))
    HoldRule.objects.filter(measure="heart_rate").update(is_active=True)
    return HoldRule.objects.create(
        measure="temperature_c",
        comparison="gt",
        threshold=Decimal("39.5"),
        hold_reason="institutional",
        source="Our ward",
    )


def test_the_command_keeps_a_centres_edits_and_names_them(capsys):
    local = edit_in_the_admin()

    call_command("load_reference_data")

    out = capsys.readouterr().out
    assert "regimens.RegimenTemplate: 0 created, 0 updated, 1 kept as edited, 3 unchanged" in out
    assert "kept as edited (--reset sets them back): sc-5on2off" in out
    assert "kept as edited (--reset sets them back): heart_rate gt 130" in out
    template = RegimenTemplate.objects.get(slug="sc-5on2off")
    assert template.recording_window == timedelta(hours=6)
    assert HoldRule.objects.get(measure="heart_rate").is_active
    assert HoldRule.objects.filter(pk=local.pk).exists()


def test_the_command_with_reset_sets_an_edited_row_back_and_says_which(capsys):
    local = edit_in_the_admin()

    call_command("load_reference_data", "--reset")

    out = capsys.readouterr().out
    assert "regimens.RegimenTemplate: 0 created, 1 updated, 3 unchanged" in out
    assert "updated: sc-5on2off" in out
    assert "ward.HoldRule: 0 created, 1 updated, 9 unchanged" in out
    assert "updated: heart_rate gt 130" in out
    template = RegimenTemplate.objects.get(slug="sc-5on2off")
    assert template.recording_window == timedelta(hours=12)
    assert template.history.first().history_change_reason == "Shipped reference data"
    assert not HoldRule.objects.get(measure="heart_rate").is_active
    assert HoldRule.objects.filter(pk=local.pk).exists()


def test_a_new_database_shows_the_label_hold_rules_as_a_nurse_would_say_them():
    rules = [str(rule) for rule in HoldRule.objects.active()]
    assert rules[:3] == [
        "AF, SVT or bradycardia needing treatment",
        "Systolic BP < 90 mmHg",
        "SpO₂ < 90%",
    ]
    assert len(rules) == 8

"""The shipped tables (regimens/shipped.py, tracker/*/shipped.py) and what migrations leave.

The data migrations keep frozen copies of the same data; these tests keep the
two from drifting apart.
"""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from regimens import shipped as regimens
from regimens.models import RegimenTemplate
from tracker import shipped
from tracker.alerts import shipped as alerts
from tracker.alerts.models import AlertRule
from tracker.observations import shipped as observations
from tracker.observations.models import ChartRule
from tracker.symptoms import shipped as symptoms
from tracker.symptoms.models import CtcaeTerm, ProSymptom, SelfCareAdvice
from tracker.thyroid import shipped as thyroid
from tracker.thyroid.models import FollowUpCheck
from tracker.ward import shipped as ward
from tracker.ward.models import HoldRule

pytestmark = pytest.mark.django_db

TABLES = [
    (RegimenTemplate, regimens.TEMPLATES),
    (HoldRule, ward.HOLD_RULES),
    (ChartRule, observations.CHART_RULES),
    (CtcaeTerm, symptoms.TERMS),
    (ProSymptom, symptoms.SYMPTOMS),
    (SelfCareAdvice, symptoms.ADVICE),
    (FollowUpCheck, thyroid.FOLLOW_UP_CHECKS),
    (AlertRule, alerts.every_rule()),
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


def test_a_new_database_holds_the_shipped_alert_rules_as_the_migration_froze_them():
    migration = importlib.import_module("tracker.alerts.migrations.0009_shipped_alert_rules")
    assert migration.ALERT_RULES == alerts.ALERT_RULES
    home = importlib.import_module("tracker.alerts.migrations.0012_home_readings")
    assert home.RULES == alerts.HOME_READING_RULES
    for key, values in alerts.rows():
        rule = AlertRule.objects.get(**key)
        assert {field: getattr(rule, field) for field in values} == values, key


def conditions_of(rule):
    fields = observations.CONDITION_FIELDS
    return [tuple(getattr(c, f) for f in fields) for c in rule.conditions.order_by("group", "pk")]


def test_a_new_database_holds_each_chart_rule_with_its_shipped_conditions():
    migration = importlib.import_module("tracker.observations.migrations.0011_shipped_chart_rules")
    assert migration.CHART_RULES == observations.CHART_RULES
    for shipped_rule in observations.CHART_RULES:
        rule = ChartRule.objects.get(slug=shipped_rule["slug"])
        assert conditions_of(rule) == shipped_rule["conditions"], rule.slug


def test_loading_gives_a_missing_rule_its_conditions_and_leaves_a_centres_conditions():
    ChartRule.objects.get(slug="oliguria-rising-creatinine").conditions.filter(
        parameter="creatinine"
    ).update(threshold=Decimal("0.5"))
    ChartRule.objects.get(slug="hypoxia").conditions.all().delete()
    ChartRule.objects.filter(slug="hypoxia").delete()

    shipped.load_all()

    assert conditions_of(ChartRule.objects.get(slug="hypoxia")) == [
        (1, "spo2", "latest", "lt", Decimal(90), None)
    ]
    oliguria = conditions_of(ChartRule.objects.get(slug="oliguria-rising-creatinine"))
    assert oliguria[1][4] == Decimal("0.5")


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


def test_the_command_keeps_a_centres_choice_to_turn_on_the_15_dose_template_unless_reset():
    RegimenTemplate.objects.filter(slug="hd-iv-q8h-15").update(is_active=True)

    call_command("load_reference_data")
    assert RegimenTemplate.objects.get(slug="hd-iv-q8h-15").is_active

    call_command("load_reference_data", "--reset")
    assert not RegimenTemplate.objects.get(slug="hd-iv-q8h-15").is_active


# CTCAE terms: every term's grades come from its version's table (docs/clinical-sources.md §2).

IL2_TERMS = [
    "Sinus tachycardia",
    "Atrial fibrillation",
    "Supraventricular tachycardia",
    "Ventricular tachycardia",
    "Cardiac troponin I increased",
    "CPK increased",
    "Hypoxia",
    "Pulmonary edema",
    "Pleural effusion",
    "Agitation",
    "Somnolence",
    "Psychosis",
    "Seizure",
    "Acidosis",
    "Hypomagnesemia",
    "Hypocalcemia",
    "Hypophosphatemia",
    "Hypokalemia",
    "Anemia",
    "White blood cell decreased",
    "Neutrophil count decreased",
    "Febrile neutropenia",
    "Sepsis",
    "Catheter related infection",
    "Alanine aminotransferase increased",
    "Upper gastrointestinal hemorrhage",
    "Lower gastrointestinal hemorrhage",
    "Ascites",
    "Bullous dermatitis",
    "Erythroderma",
    "Skin hypopigmentation",
    "Malaise",
    "Hot flashes",
]


def table_row(term):
    rows = {name: texts for name, _, texts in symptoms.TERMS_BY_VERSION[term.version]}
    return rows[term.term]


def test_every_term_takes_its_grades_from_its_versions_table_and_none_is_empty():
    terms = CtcaeTerm.objects.all()
    assert terms.count() == sum(len(table) for table in symptoms.TERMS_BY_VERSION.values())
    for term in terms:
        texts = table_row(term)
        assert [term.grade_text(grade) for grade in range(1, 6)] == list(texts), term.term
        assert term.grades(), f"{term.term} defines no grade"
        assert all(text.strip() == text and text for _, text in term.grades()), term.term


def test_the_il2_toxicities_are_current_terms_with_the_ncis_names():
    current = set(CtcaeTerm.objects.current().values_list("term", flat=True))
    assert set(IL2_TERMS) <= current
    # v5.0 grades GI bleeding by site and vitiligo as skin hypopigmentation.
    assert not current & {"GI hemorrhage", "Gastrointestinal hemorrhage", "Vitiligo"}


def test_a_term_keeps_undefined_the_grades_v5_does_not_define():
    grades = {t.term: [g for g, _ in t.grades()] for t in CtcaeTerm.objects.all()}
    assert grades["Sepsis"] == [4, 5]
    assert grades["Febrile neutropenia"] == [3, 4, 5]
    assert grades["Cardiac troponin I increased"] == [1, 3]
    assert grades["Ventricular tachycardia"] == [2, 3, 4, 5]
    assert grades["Acute kidney injury"] == [3, 4, 5]
    assert grades["Hypoxia"] == [2, 3, 4, 5]
    assert grades["Skin hypopigmentation"] == grades["Malaise"] == [1, 2]
    for lab in ("Neutrophil count decreased", "White blood cell decreased", "CPK increased"):
        assert grades[lab] == [1, 2, 3, 4], lab


def test_the_grade_texts_that_changed_meaning_say_what_v5_says():
    term = {t.term: t for t in CtcaeTerm.objects.current()}
    edema = term["Edema limbs"]
    assert "obscuration of anatomic architecture" in edema.grade_1
    assert "deviation from normal anatomic contour" in edema.grade_2
    assert "gross deviation from normal anatomic contour" in edema.grade_3
    for name in ("Blood bilirubin increased", "Aspartate aminotransferase increased"):
        for grade in (1, 2, 3, 4):
            assert "baseline if baseline was abnormal" in term[name].grade_text(grade), name
    assert term["Diarrhea"].grade_2 == (
        "Increase of 4–6 stools per day over baseline; moderate increase in ostomy output "
        "compared to baseline; limiting instrumental ADL"
    )


def test_only_the_terms_read_against_a_source_are_marked_checked_and_say_where():
    checked = {t.term: t.checked_in for t in CtcaeTerm.objects.filter(checked_against_source=True)}
    assert checked == symptoms.CHECKED_BY_VERSION["5.0"]
    assert set(checked) == {
        "Edema limbs",
        "Diarrhea",
        "Aspartate aminotransferase increased",
        "Blood bilirubin increased",
    }
    assert not CtcaeTerm.objects.filter(checked_against_source=False).exclude(checked_in="")


def test_the_database_refuses_a_term_marked_checked_without_saying_where():
    term = CtcaeTerm.objects.get(term="Sepsis")
    term.checked_against_source = True
    with pytest.raises(IntegrityError), transaction.atomic():
        term.save()


def migration_0005():
    return importlib.import_module(
        "tracker.symptoms.migrations.0005_ctcae_il2_terms_and_symptom_list"
    )


def test_the_migration_corrects_a_shipped_text_but_keeps_a_centres_edit_unchecked():
    migration = migration_0005()
    before, _ = migration.CORRECTED_TERMS["Diarrhea"]["grade_2"]
    CtcaeTerm.objects.filter(term="Diarrhea").update(
        grade_2=before, checked_against_source=False, checked_in=""
    )
    CtcaeTerm.objects.filter(term="Edema limbs").update(
        grade_1="Our ward's wording", checked_against_source=False, checked_in=""
    )

    migration.add_terms(CtcaeTerm)

    diarrhea = CtcaeTerm.objects.get(term="Diarrhea")
    assert "ostomy output" in diarrhea.grade_2 and diarrhea.checked_against_source
    edema = CtcaeTerm.objects.get(term="Edema limbs")
    assert edema.grade_1 == "Our ward's wording"
    assert not edema.checked_against_source


def test_the_migration_maps_a_centres_unedited_items_and_keeps_an_edited_one():
    migration = migration_0005()
    ProSymptom.objects.filter(slug="hot-flashes").update(ctcae_term="Flushing")
    ProSymptom.objects.filter(slug="concentration").update(ctcae_term="Our local term")

    migration.change_symptoms(ProSymptom)

    assert ProSymptom.objects.get(slug="hot-flashes").ctcae_term == "Hot flashes"
    assert ProSymptom.objects.get(slug="concentration").ctcae_term == "Our local term"


def test_the_shipped_self_care_advice_is_the_table_the_migration_froze():
    migration = importlib.import_module(
        "tracker.symptoms.migrations.0007_self_care_advice_and_message_grants"
    )
    assert migration.ADVICE == symptoms.ADVICE
    assert all(source for _, _, source in symptoms.ADVICE)

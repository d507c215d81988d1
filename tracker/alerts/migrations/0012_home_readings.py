"""Readings a patient records at home alert the care team: the trigger, its rules' measure
and "below", the alert's link to the reading, and the shipped rules (docs/alerts.md,
"Readings at home").  Rows are found by name, so a centre's edits are left as they are.
"""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

HOME_FEVER = (
    "CTCAE v5.0 Fever (grade 1 from 38.0 °C, grade 3 above 40.0 °C); a patient injecting "
    "at home is told to call the ward for a fever; our proposal"
)
WEIGHT_GAIN = (
    "CTCAE v5.0 Weight gain (grade 1 from 5% over baseline); capillary leak shows first as "
    "weight gain (Proleukin boxed warning); our proposal"
)

RULES = [
    {
        "name": "Temperature above 40.0 °C at home",
        "trigger": "reading",
        "severity": "urgent",
        "measure": "temperature_c",
        "at_least": Decimal("40.0"),
        "strictly_above": True,
        "source": HOME_FEVER,
    },
    {
        "name": "Temperature of 38.0 °C or more at home",
        "trigger": "reading",
        "severity": "high",
        "measure": "temperature_c",
        "at_least": Decimal("38.0"),
        "source": HOME_FEVER,
    },
    {
        "name": "Weight gain of 5% or more at home",
        "trigger": "reading",
        "severity": "high",
        "measure": "weight_gain_percent",
        "at_least": Decimal(5),
        "source": WEIGHT_GAIN,
    },
    {
        "name": "Systolic BP below 90 mmHg at home",
        "trigger": "reading",
        "severity": "high",
        "measure": "systolic_bp",
        "at_least": Decimal(90),
        "below": True,
        "source": "Proleukin label (2024 PI, Table 2): systolic BP below 90 mmHg, withhold",
    },
]


def ship(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    for rule in RULES:
        values = {key: value for key, value in rule.items() if key != "name"}
        AlertRule.objects.get_or_create(
            name=rule["name"], defaults={"trigger": "reading", **values}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0011_shipped_escalation_steps"),
        ("observations", "0013_observation_source"),
        ("patients", "0008_ward_grants"),
        ("regimens", "0022_cycle_end_and_discharge_grants"),
        ("symptoms", "0005_ctcae_il2_terms_and_symptom_list"),
        ("thyroid", "0005_shipped_follow_up_checks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="alert",
            name="alert_one_source_for_its_trigger",
        ),
        migrations.RemoveConstraint(
            model_name="alertrule",
            name="alertrule_fields_fit_trigger",
        ),
        migrations.AddField(
            model_name="alert",
            name="vital_signs",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alerts",
                to="observations.vitalsigns",
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="weight_entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alerts",
                to="observations.weightentry",
            ),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="below",
            field=models.BooleanField(
                default=False,
                help_text="E.g. a systolic BP below 90 mmHg: the value must be under the threshold.",
                verbose_name="below, not at or above, the threshold",
            ),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="measure",
            field=models.CharField(
                blank=True,
                choices=[
                    ("temperature_c", "Temperature (°C)"),
                    ("weight_gain_percent", "Weight gain (% of the baseline weight)"),
                    ("systolic_bp", "Systolic BP (mmHg)"),
                ],
                help_text="Readings at home: the measure read; a weight gain is counted from the course's admission weight, or the patient's registered weight.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="historicalalert",
            name="vital_signs",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="observations.vitalsigns",
            ),
        ),
        migrations.AddField(
            model_name="historicalalert",
            name="weight_entry",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="observations.weightentry",
            ),
        ),
        migrations.AddField(
            model_name="historicalalertrule",
            name="below",
            field=models.BooleanField(
                default=False,
                help_text="E.g. a systolic BP below 90 mmHg: the value must be under the threshold.",
                verbose_name="below, not at or above, the threshold",
            ),
        ),
        migrations.AddField(
            model_name="historicalalertrule",
            name="measure",
            field=models.CharField(
                blank=True,
                choices=[
                    ("temperature_c", "Temperature (°C)"),
                    ("weight_gain_percent", "Weight gain (% of the baseline weight)"),
                    ("systolic_bp", "Systolic BP (mmHg)"),
                ],
                help_text="Readings at home: the measure read; a weight gain is counted from the course's admission weight, or the patient's registered weight.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("staff_grade", "Staff-graded side effect of grade 3 or more"),
                    ("patient_answer", "Patient answer of 3 or more"),
                    ("thyroid", "Thyroid result out of range"),
                    ("chart_rule", "Chart rule met (withhold or stop)"),
                    ("lab", "Laboratory result flagged"),
                    ("event", "Clinical event charted"),
                    ("withhold_override", "Dose given despite a withhold rule"),
                    ("dose_overdue", "Dose not recorded by the end of its window"),
                    ("doses_held", "Several doses held in one cycle"),
                    ("reading", "Reading recorded at home"),
                    ("drill", "Drill"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="alertrule",
            name="at_least",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="The threshold: an answer (0–4), a grade, a temperature (°C), a result's value in its test's first unit, a count of doses, a weight gain (%), a BP (mmHg).",
                max_digits=7,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="alertrule",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("staff_grade", "Staff-graded side effect of grade 3 or more"),
                    ("patient_answer", "Patient answer of 3 or more"),
                    ("thyroid", "Thyroid result out of range"),
                    ("chart_rule", "Chart rule met (withhold or stop)"),
                    ("lab", "Laboratory result flagged"),
                    ("event", "Clinical event charted"),
                    ("withhold_override", "Dose given despite a withhold rule"),
                    ("dose_overdue", "Dose not recorded by the end of its window"),
                    ("doses_held", "Several doses held in one cycle"),
                    ("reading", "Reading recorded at home"),
                    ("drill", "Drill"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="historicalalert",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("staff_grade", "Staff-graded side effect of grade 3 or more"),
                    ("patient_answer", "Patient answer of 3 or more"),
                    ("thyroid", "Thyroid result out of range"),
                    ("chart_rule", "Chart rule met (withhold or stop)"),
                    ("lab", "Laboratory result flagged"),
                    ("event", "Clinical event charted"),
                    ("withhold_override", "Dose given despite a withhold rule"),
                    ("dose_overdue", "Dose not recorded by the end of its window"),
                    ("doses_held", "Several doses held in one cycle"),
                    ("reading", "Reading recorded at home"),
                    ("drill", "Drill"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="historicalalertrule",
            name="at_least",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="The threshold: an answer (0–4), a grade, a temperature (°C), a result's value in its test's first unit, a count of doses, a weight gain (%), a BP (mmHg).",
                max_digits=7,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalalertrule",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("staff_grade", "Staff-graded side effect of grade 3 or more"),
                    ("patient_answer", "Patient answer of 3 or more"),
                    ("thyroid", "Thyroid result out of range"),
                    ("chart_rule", "Chart rule met (withhold or stop)"),
                    ("lab", "Laboratory result flagged"),
                    ("event", "Clinical event charted"),
                    ("withhold_override", "Dose given despite a withhold rule"),
                    ("dose_overdue", "Dose not recorded by the end of its window"),
                    ("doses_held", "Several doses held in one cycle"),
                    ("reading", "Reading recorded at home"),
                    ("drill", "Drill"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("adverse_event__isnull", False),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "staff_grade"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", False),
                        ("thyroid_result__isnull", True),
                        ("trigger", "patient_answer"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", False),
                        ("trigger", "thyroid"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", False),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "lab"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", False),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "event"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", False),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "withhold_override"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", False),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "dose_overdue"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", False),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "doses_held"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", False),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "drill"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "reading"),
                        ("vital_signs__isnull", False),
                        ("weight_entry__isnull", True),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "reading"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", False),
                    ),
                    models.Q(
                        ("adverse_event__isnull", True),
                        ("clinical_event__isnull", True),
                        ("dose__isnull", True),
                        ("drill_recipient__isnull", True),
                        ("lab_result__isnull", True),
                        ("symptom_report__isnull", True),
                        ("thyroid_result__isnull", True),
                        ("trigger", "chart_rule"),
                        ("vital_signs__isnull", True),
                        ("weight_entry__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="alert_one_source_for_its_trigger",
            ),
        ),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        models.Q(
                            (
                                "trigger__in",
                                [
                                    "patient_answer",
                                    "staff_grade",
                                    "thyroid",
                                    "lab",
                                    "event",
                                    "reading",
                                ],
                            ),
                            _negated=True,
                        ),
                        models.Q(
                            ("event_kind", ""),
                            ("flag", ""),
                            ("measure", ""),
                            ("term", ""),
                            ("test", ""),
                            ("trigger", "patient_answer"),
                            ("at_least__isnull", False),
                        ),
                        models.Q(
                            ("attribute", ""),
                            ("event_kind", ""),
                            ("flag", ""),
                            ("measure", ""),
                            ("symptom", ""),
                            ("test", ""),
                            ("trigger", "staff_grade"),
                            ("at_least__isnull", False),
                        ),
                        models.Q(
                            ("attribute", ""),
                            ("event_kind", ""),
                            ("measure", ""),
                            ("symptom", ""),
                            ("term", ""),
                            ("trigger", "thyroid"),
                        ),
                        models.Q(
                            ("attribute", ""),
                            ("event_kind", ""),
                            ("measure", ""),
                            ("symptom", ""),
                            ("term", ""),
                            ("trigger", "lab"),
                        ),
                        models.Q(
                            ("attribute", ""),
                            ("flag", ""),
                            ("measure", ""),
                            ("symptom", ""),
                            ("term", ""),
                            ("test", ""),
                            ("trigger", "event"),
                            ("at_least__isnull", True),
                            ("strictly_above", False),
                        ),
                        models.Q(
                            ("attribute", ""),
                            ("event_kind", ""),
                            ("flag", ""),
                            ("symptom", ""),
                            ("term", ""),
                            ("test", ""),
                            ("trigger", "reading"),
                            ("at_least__isnull", False),
                        ),
                        _connector="OR",
                    ),
                    models.Q(
                        ("below", False),
                        models.Q(("strictly_above", False), ("trigger", "reading")),
                        _connector="OR",
                    ),
                ),
                name="alertrule_fields_fit_trigger",
                violation_error_message="The rule has fields its trigger does not read.",
            ),
        ),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.CheckConstraint(
                condition=models.Q(("measure", ""), ("trigger", "reading"), _negated=True),
                name="alertrule_reading_names_its_measure",
                violation_error_message="A rule on readings names the measure it reads.",
            ),
        ),
        migrations.RunPython(ship, migrations.RunPython.noop),
    ]

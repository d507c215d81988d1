"""Vital signs on the observation chart: one set of observations at the time taken."""

from decimal import Decimal

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("observations", "0001_initial"),
        ("patients", "0006_retreatment_flag_grants"),
        ("regimens", "0022_cycle_end_and_discharge_grants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalVitalSigns",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("active", "Active"), ("entered_in_error", "Entered in error")],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("error_reason", models.CharField(blank=True, max_length=200)),
                (
                    "taken_at",
                    models.DateTimeField(help_text="When it was measured (or given, or passed)."),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "systolic_bp",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="systolic BP (mmHg)"
                    ),
                ),
                (
                    "diastolic_bp",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="diastolic BP (mmHg)"
                    ),
                ),
                (
                    "heart_rate",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="heart rate (/min)"
                    ),
                ),
                (
                    "rhythm",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("sinus", "Sinus rhythm"),
                            ("sinus_tachycardia", "Sinus tachycardia"),
                            ("af", "Atrial fibrillation"),
                            ("svt", "Supraventricular tachycardia"),
                            ("bradycardia", "Bradycardia"),
                            ("other", "Other rhythm (see note)"),
                        ],
                        max_length=20,
                        verbose_name="cardiac rhythm",
                    ),
                ),
                (
                    "respiratory_rate",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="respiratory rate (/min)"
                    ),
                ),
                (
                    "spo2",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="SpO₂ (%)"
                    ),
                ),
                (
                    "oxygen_device",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("room_air", "Room air"),
                            ("nasal_cannula", "Nasal cannula"),
                            ("face_mask", "Simple face mask"),
                            ("venturi", "Venturi mask"),
                            ("non_rebreather", "Non-rebreather mask"),
                            ("high_flow", "High-flow nasal oxygen"),
                            ("cpap_bipap", "CPAP/BiPAP"),
                            ("ventilator", "Ventilator"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "oxygen_flow_l_min",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=3,
                        null=True,
                        verbose_name="oxygen flow (L/min)",
                    ),
                ),
                (
                    "temperature_c",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=3,
                        null=True,
                        verbose_name="temperature (°C)",
                    ),
                ),
                (
                    "alert_oriented",
                    models.BooleanField(blank=True, null=True, verbose_name="alert and oriented"),
                ),
                (
                    "cognitive_test",
                    models.CharField(
                        choices=[
                            ("passed", "Passed"),
                            ("failed", "Failed"),
                            ("not_done", "Not done"),
                        ],
                        default="not_done",
                        max_length=8,
                        verbose_name="serial sevens or WORLD backwards",
                    ),
                ),
                (
                    "sedation",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("alert", "Alert"),
                            ("voice", "Drowsy, rousable to voice"),
                            ("touch", "Rousable only to touch"),
                            ("unrousable", "Unrousable"),
                        ],
                        max_length=10,
                        verbose_name="sedation level",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="regimens.course",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical vital signs",
                "verbose_name_plural": "historical vital signs",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="VitalSigns",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("active", "Active"), ("entered_in_error", "Entered in error")],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("error_reason", models.CharField(blank=True, max_length=200)),
                (
                    "taken_at",
                    models.DateTimeField(help_text="When it was measured (or given, or passed)."),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "systolic_bp",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="systolic BP (mmHg)"
                    ),
                ),
                (
                    "diastolic_bp",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="diastolic BP (mmHg)"
                    ),
                ),
                (
                    "heart_rate",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="heart rate (/min)"
                    ),
                ),
                (
                    "rhythm",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("sinus", "Sinus rhythm"),
                            ("sinus_tachycardia", "Sinus tachycardia"),
                            ("af", "Atrial fibrillation"),
                            ("svt", "Supraventricular tachycardia"),
                            ("bradycardia", "Bradycardia"),
                            ("other", "Other rhythm (see note)"),
                        ],
                        max_length=20,
                        verbose_name="cardiac rhythm",
                    ),
                ),
                (
                    "respiratory_rate",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="respiratory rate (/min)"
                    ),
                ),
                (
                    "spo2",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="SpO₂ (%)"
                    ),
                ),
                (
                    "oxygen_device",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("room_air", "Room air"),
                            ("nasal_cannula", "Nasal cannula"),
                            ("face_mask", "Simple face mask"),
                            ("venturi", "Venturi mask"),
                            ("non_rebreather", "Non-rebreather mask"),
                            ("high_flow", "High-flow nasal oxygen"),
                            ("cpap_bipap", "CPAP/BiPAP"),
                            ("ventilator", "Ventilator"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "oxygen_flow_l_min",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=3,
                        null=True,
                        verbose_name="oxygen flow (L/min)",
                    ),
                ),
                (
                    "temperature_c",
                    models.DecimalField(
                        blank=True,
                        decimal_places=1,
                        max_digits=3,
                        null=True,
                        verbose_name="temperature (°C)",
                    ),
                ),
                (
                    "alert_oriented",
                    models.BooleanField(blank=True, null=True, verbose_name="alert and oriented"),
                ),
                (
                    "cognitive_test",
                    models.CharField(
                        choices=[
                            ("passed", "Passed"),
                            ("failed", "Failed"),
                            ("not_done", "Not done"),
                        ],
                        default="not_done",
                        max_length=8,
                        verbose_name="serial sevens or WORLD backwards",
                    ),
                ),
                (
                    "sedation",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("alert", "Alert"),
                            ("voice", "Drowsy, rousable to voice"),
                            ("touch", "Rousable only to touch"),
                            ("unrousable", "Unrousable"),
                        ],
                        max_length=10,
                        verbose_name="sedation level",
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regimens.course",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "vital signs",
                "verbose_name_plural": "vital signs",
                "ordering": ["taken_at", "pk"],
                "get_latest_by": "taken_at",
                "abstract": False,
                "indexes": [
                    models.Index(
                        fields=["patient", "taken_at"], name="vitalsigns_patient_taken_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("state", "active"),
                            models.Q(("error_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="observations_vitalsigns_error_has_reason",
                        violation_error_message="Say why the record was entered in error.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("systolic_bp__isnull", True),
                            models.Q(("systolic_bp__gte", 40), ("systolic_bp__lte", 300)),
                            _connector="OR",
                        ),
                        name="vitalsigns_systolic_bp_range",
                        violation_error_message="Systolic BP must be between 40 and 300 mmHg.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("diastolic_bp__isnull", True),
                            models.Q(("diastolic_bp__gte", 20), ("diastolic_bp__lte", 200)),
                            _connector="OR",
                        ),
                        name="vitalsigns_diastolic_bp_range",
                        violation_error_message="Diastolic BP must be between 20 and 200 mmHg.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("heart_rate__isnull", True),
                            models.Q(("heart_rate__gte", 20), ("heart_rate__lte", 250)),
                            _connector="OR",
                        ),
                        name="vitalsigns_heart_rate_range",
                        violation_error_message="Heart rate must be between 20 and 250/min.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("respiratory_rate__isnull", True),
                            models.Q(("respiratory_rate__gte", 4), ("respiratory_rate__lte", 60)),
                            _connector="OR",
                        ),
                        name="vitalsigns_respiratory_rate_range",
                        violation_error_message="Respiratory rate must be between 4 and 60/min.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("spo2__isnull", True),
                            models.Q(("spo2__gte", 50), ("spo2__lte", 100)),
                            _connector="OR",
                        ),
                        name="vitalsigns_spo2_range",
                        violation_error_message="SpO₂ must be between 50 and 100%.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("oxygen_flow_l_min__isnull", True),
                            models.Q(
                                ("oxygen_flow_l_min__gte", Decimal("0.1")),
                                ("oxygen_flow_l_min__lte", Decimal("80")),
                            ),
                            _connector="OR",
                        ),
                        name="vitalsigns_oxygen_flow_l_min_range",
                        violation_error_message="Oxygen flow must be between 0.1 and 80 L/min.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("temperature_c__isnull", True),
                            models.Q(
                                ("temperature_c__gte", Decimal("30.0")),
                                ("temperature_c__lte", Decimal("45.0")),
                            ),
                            _connector="OR",
                        ),
                        name="vitalsigns_temperature_c_range",
                        violation_error_message="Temperature must be between 30.0 and 45.0 °C.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("diastolic_bp__isnull", True), ("systolic_bp__isnull", True)
                            ),
                            models.Q(
                                ("diastolic_bp__isnull", False),
                                ("diastolic_bp__lt", models.F("systolic_bp")),
                                ("systolic_bp__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="vitalsigns_blood_pressure_pair",
                        violation_error_message="A blood pressure is systolic and diastolic, the diastolic the lower.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("rhythm", ""), ("heart_rate__isnull", False), _connector="OR"
                        ),
                        name="vitalsigns_rhythm_with_heart_rate",
                        violation_error_message="A rhythm is charted with its heart rate.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("rhythm", "other"), _negated=True),
                            models.Q(("note", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="vitalsigns_other_rhythm_has_note",
                        violation_error_message="Say which rhythm in the note.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("oxygen_device", ""),
                                ("oxygen_flow_l_min__isnull", True),
                                ("spo2__isnull", True),
                            ),
                            models.Q(
                                ("oxygen_device", "room_air"),
                                ("oxygen_flow_l_min__isnull", True),
                                ("spo2__isnull", False),
                            ),
                            models.Q(
                                ("oxygen_flow_l_min__isnull", False),
                                ("spo2__isnull", False),
                                models.Q(("oxygen_device__in", ["", "room_air"]), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="vitalsigns_oxygen_fits_spo2",
                        violation_error_message="An SpO₂ names the oxygen it was measured on: room air without a flow, any other device with its flow.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("systolic_bp__isnull", False),
                            ("heart_rate__isnull", False),
                            ("respiratory_rate__isnull", False),
                            ("spo2__isnull", False),
                            ("temperature_c__isnull", False),
                            ("alert_oriented__isnull", False),
                            ("cognitive_test__in", ["passed", "failed"]),
                            models.Q(("sedation", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="vitalsigns_at_least_one_measurement",
                        violation_error_message="Enter at least one measurement.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "rhythm__in",
                                [
                                    "",
                                    "sinus",
                                    "sinus_tachycardia",
                                    "af",
                                    "svt",
                                    "bradycardia",
                                    "other",
                                ],
                            )
                        ),
                        name="vitalsigns_rhythm_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "oxygen_device__in",
                                [
                                    "",
                                    "room_air",
                                    "nasal_cannula",
                                    "face_mask",
                                    "venturi",
                                    "non_rebreather",
                                    "high_flow",
                                    "cpap_bipap",
                                    "ventilator",
                                ],
                            )
                        ),
                        name="vitalsigns_oxygen_device_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("cognitive_test__in", ["passed", "failed", "not_done"])
                        ),
                        name="vitalsigns_cognitive_test_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("sedation__in", ["", "alert", "voice", "touch", "unrousable"])
                        ),
                        name="vitalsigns_sedation_known",
                    ),
                ],
            },
        ),
    ]

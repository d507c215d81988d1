"""Every admin changelist: constant queries, pages that open, search by MRN, every filter."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from regimens.courses import end_cycle, record_discharge_between_cycles
from regimens.models import (
    CalendarChoice,
    CalendarFeed,
    Course,
    Dose,
    RegimenTemplate,
    hash_feed_token,
)
from tests.factories import (
    NORMAL_OBSERVATIONS,
    make_course,
    make_user,
    record_given,
    sign_in_with_second_factor,
)
from tracker.accounts.models import Invitation, User
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert, AlertRule, EscalationStep, Notification, OnCallShift
from tracker.alerts.rules import alert_for_report
from tracker.observations.models import (
    ChartRule,
    ClinicalEvent,
    FluidEntry,
    Infusion,
    InfusionRateChange,
    LabResult,
    RuleCondition,
    RuleFiring,
    VitalSigns,
    WeightEntry,
)
from tracker.patients.models import Patient, RecordAccess, RetreatmentContraindication, Ward
from tracker.reminders.models import Reminder, ReminderSettings
from tracker.symptoms.models import (
    AdverseEvent,
    CtcaeTerm,
    ProSymptom,
    ReportMessage,
    SelfCareAdvice,
    SymptomReport,
)
from tracker.symptoms.reporting import record_event, report_symptom
from tracker.thyroid.models import FollowUpCheck, ThyroidResult
from tracker.ward.models import DoseRecord, HoldRule, PreDoseCheck, WithholdOverride

pytestmark = pytest.mark.django_db

APPS = {
    "accounts",
    "patients",
    "regimens",
    "ward",
    "observations",
    "symptoms",
    "thyroid",
    "alerts",
    "reminders",
}
START = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
SEQUENCE = itertools.count(1)


# Fast builders: n rows of a model, each with its own patient where it has one, spread
# over two years so that date hierarchies and date filters have something to group.


def at(i: int) -> datetime:
    return START + timedelta(days=3 * i, hours=i % 24)


def numbered(n: int) -> list[int]:
    return [next(SEQUENCE) for _ in range(n)]


def staff() -> User:
    return make_user(Role.NURSE)


def build_wards(n: int) -> list[Ward]:
    consultant = staff()
    return bulk_create_with_history(
        [
            Ward(name=f"Bulk ward {i}", time_zone="Europe/London", consultant=consultant)
            for i in numbered(n)
        ],
        Ward,
    )


def build_patients(n: int) -> list[Patient]:
    return bulk_create_with_history(
        [
            Patient(
                mrn=f"BULK-{i:05d}",
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                date_of_birth=date(1960, 1, 1) + timedelta(days=i),
                sex=Patient.Sex.FEMALE if i % 2 else Patient.Sex.MALE,
                height_cm=Decimal("170.0"),
                weight_kg=Decimal("70.0"),
                time_zone="Europe/London" if i % 2 else "America/New_York",
            )
            for i in numbered(n)
        ],
        Patient,
    )


def build_users(n: int) -> list[User]:
    """Nurses and patient logins (each with their record), alternately."""
    users = User.objects.bulk_create(
        [
            User(username=f"bulk-user-{i}", first_name=f"First{i}", last_name=f"Last{i}")
            for i in numbered(n)
        ]
    )
    groups = {role: Group.objects.get(name=role) for role in (Role.PATIENT, Role.NURSE)}
    User.groups.through.objects.bulk_create(
        User.groups.through(user=user, group=groups[Role.PATIENT if k % 2 else Role.NURSE])
        for k, user in enumerate(users)
    )
    logins = []
    for k, (patient, user) in enumerate(zip(build_patients(n), users, strict=True)):
        if k % 2:
            patient.user = user
            logins.append(patient)
    Patient.objects.bulk_update(logins, ["user"])
    return users


def build_invitations(n: int) -> list[Invitation]:
    """Invitations of patient logins (each with their record), used, revoked or open."""
    users = User.objects.bulk_create(
        [User(username=f"bulk-invited-{i}", email=f"invited{i}@example.org") for i in numbered(n)]
    )
    patients = build_patients(n)
    for patient, user in zip(patients, users, strict=True):
        patient.user = user
    Patient.objects.bulk_update(patients, ["user"])
    by = staff()
    return bulk_create_with_history(
        [
            Invitation(
                user=user,
                email=user.email,
                token_hash=f"{user.pk:064d}",
                created_at=at(k),
                created_by=by,
                expires_at=at(k) + timedelta(hours=72),
                used_at=at(k) + timedelta(hours=1) if k % 3 == 1 else None,
                revoked_at=at(k) + timedelta(hours=2) if k % 3 == 2 else None,
            )
            for k, user in enumerate(users)
        ],
        Invitation,
    )


def build_templates(n: int) -> list[RegimenTemplate]:
    shipped = [
        {f.attname: getattr(t, f.attname) for f in t._meta.concrete_fields if not f.primary_key}
        for t in RegimenTemplate.objects.all()
    ]
    return bulk_create_with_history(
        [
            RegimenTemplate(
                **{**shipped[k % len(shipped)], "slug": f"bulk-{i}", "name": f"Bulk regimen {i}"}
            )
            for k, i in enumerate(numbered(n))
        ],
        RegimenTemplate,
    )


def build_courses(n: int) -> list[Course]:
    templates = list(RegimenTemplate.objects.filter(slug__in=["hd-iv-label", "sc-5on2off"]))
    by = make_user(Role.CLINICIAN)
    courses = []
    for k, patient in enumerate(build_patients(n)):
        template = templates[k % 2]
        courses.append(
            Course(
                patient=patient,
                template=template,
                start_date=at(k).date(),
                start_time=time(8, 0),
                time_zone=patient.time_zone,
                cycles=1,
                weight_kg=patient.weight_kg,
                height_cm=patient.height_cm,
                dose_amount=template.dose_amount,
                dose_unit=template.dose_unit,
                dose_iu=Decimal(42_000_000),
                rule=template.rule_snapshot(),
                status=Course.Status.OPEN if k % 3 else Course.Status.DISCONTINUED,
                discontinue_reason="" if k % 3 else Course.DiscontinueReason.PROGRESSION,
                created_by=by,
            )
        )
    return bulk_create_with_history(courses, Course)


def build_retreatment_flags(n: int) -> list[RetreatmentContraindication]:
    by, other = make_user(Role.CLINICIAN), make_user(Role.CLINICIAN)
    flags = []
    for k, course in enumerate(build_courses(n)):
        lifted = k % 2 == 0
        flags.append(
            RetreatmentContraindication(
                patient=course.patient,
                course=course,
                criterion=RetreatmentContraindication.Criterion.INTUBATION,
                set_by=by,
                set_at=at(k),
                status="lifted" if lifted else "active",
                lift_requested_by=by if lifted else None,
                lift_requested_at=at(k) if lifted else None,
                lift_reason="Reviewed by two clinicians." if lifted else "",
                lift_confirmed_by=other if lifted else None,
                lift_confirmed_at=at(k) if lifted else None,
            )
        )
    return bulk_create_with_history(flags, RetreatmentContraindication)


def build_reminder_settings(n: int) -> list[ReminderSettings]:
    return bulk_create_with_history(
        [
            ReminderSettings(patient=patient, dose_reminders=True, dose_lead_minutes=30)
            for patient in build_patients(n)
        ],
        ReminderSettings,
    )


def build_reminders(n: int) -> list[Reminder]:
    return Reminder.objects.bulk_create(
        [
            Reminder(
                patient=patient,
                kind=Reminder.Kind.THYROID_DUE,
                test_due_on=at(k).date(),
                due_at=at(k),
                next_attempt_at=at(k),
                status="sent" if k % 2 else "queued",
                sent_at=at(k) if k % 2 else None,
            )
            for k, patient in enumerate(build_patients(n))
        ]
    )


def build_doses(n: int) -> list[Dose]:
    return bulk_create_with_history(
        [
            Dose(
                course=course,
                cycle=1,
                dose_in_cycle=1,
                dose_in_course=1,
                day=1,
                planned_at=at(k),
                original_planned_at=at(k),
                status=Dose.Status.SCHEDULED if k % 2 else Dose.Status.GIVEN,
            )
            for k, course in enumerate(build_courses(n))
        ],
        Dose,
    )


def build_feeds(n: int) -> list[CalendarFeed]:
    by = staff()
    return bulk_create_with_history(
        [
            CalendarFeed(
                patient=patient,
                created_by=by,
                token_hash=hash_feed_token(f"bulk-feed-{patient.pk}"),
                revoked_at=None if k % 2 else at(k),
                revoked_by=None if k % 2 else by,
            )
            for k, patient in enumerate(build_patients(n))
        ],
        CalendarFeed,
    )


def build_calendar_choices(n: int) -> list[CalendarChoice]:
    by = staff()
    return bulk_create_with_history(
        [
            CalendarChoice(
                patient=patient, neutral_titles=bool(k % 2), changed_by=by, changed_at=at(k)
            )
            for k, patient in enumerate(build_patients(n))
        ],
        CalendarChoice,
    )


def build_hold_rules(n: int) -> list[HoldRule]:
    return bulk_create_with_history(
        [
            HoldRule(
                measure=HoldRule.Measure.SYSTOLIC_BP,
                comparison=HoldRule.Comparison.BELOW,
                threshold=Decimal(60 + i % 20),
                hold_reason="hypotension",
                source=f"Bulk rule {i}",
                is_active=False,
                order=100 + i,
            )
            for i in numbered(n)
        ],
        HoldRule,
    )


def build_chart_rules(n: int) -> list[ChartRule]:
    rules = bulk_create_with_history(
        [
            ChartRule(
                slug=f"bulk-rule-{i}",
                name=f"Bulk rule {i}",
                action="withhold",
                hold_reason="institutional",
                source=f"Bulk rule {i}",
                is_active=False,
                order=100 + i,
            )
            for i in numbered(n)
        ],
        ChartRule,
    )
    saved = ChartRule.objects.filter(slug__startswith="bulk-rule-")
    RuleCondition.objects.bulk_create(
        RuleCondition(rule=rule, parameter="heart_rate", comparison="gt", threshold=130)
        for rule in saved.filter(conditions__isnull=True)
    )
    return rules


def build_rule_firings(n: int) -> list[RuleFiring]:
    rule = ChartRule.objects.get(slug="hypotension")
    return bulk_create_with_history(
        [
            RuleFiring(
                rule=rule,
                patient=course.patient,
                course=course,
                fired_at=at(k),
                why="systolic BP 84 mmHg, 1 h ago",
                cleared_at=at(k) + timedelta(hours=2) if k % 2 else None,
            )
            for k, course in enumerate(build_courses(n))
        ],
        RuleFiring,
    )


def build_follow_up_checks(n: int) -> list[FollowUpCheck]:
    return bulk_create_with_history(
        [
            FollowUpCheck(
                after_last_dose_days=1000 + i % 30000,  # within a small integer
                label=f"Bulk check {i}",
                source="Our ward",
                is_active=False,
                order=100 + i,
            )
            for i in numbered(n)
        ],
        FollowUpCheck,
    )


def build_dose_records(n: int) -> list[DoseRecord]:
    by = staff()
    return bulk_create_with_history(
        [
            DoseRecord(
                dose=dose,
                outcome="given",
                given_at=dose.planned_at,
                amount_iu=dose.course.dose_iu,
                given_by=by,
                recorded_by=by,
                recorded_at=dose.planned_at,
            )
            for dose in build_doses(n)
        ],
        DoseRecord,
    )


FIRED = [{"rule": 1, "measure": "systolic_bp", "text": "Systolic BP < 90 mmHg"}]


def build_checks(n: int) -> list[PreDoseCheck]:
    by = staff()
    return bulk_create_with_history(
        [
            PreDoseCheck(
                dose=dose,
                taken_at=dose.planned_at,
                **NORMAL_OBSERVATIONS,
                fired_rules=FIRED if k % 2 else [],
                decision="give",
                recorded_by=by,
            )
            for k, dose in enumerate(build_doses(n))
        ],
        PreDoseCheck,
    )


def build_overrides(n: int) -> list[WithholdOverride]:
    by = make_user(Role.CLINICIAN)
    return bulk_create_with_history(
        [
            WithholdOverride(
                dose=dose,
                kind="no_check",
                reason="Observations on the ICU chart",
                authorised_by=by,
                recorded_at=dose.planned_at,
            )
            for dose in build_doses(n)
        ],
        WithholdOverride,
    )


def build_infusions(n: int) -> list[Infusion]:
    by = staff()
    return bulk_create_with_history(
        [
            Infusion(
                patient=course.patient,
                course=course,
                agent="vasopressin" if k % 2 else "norepinephrine",
                dose_unit="units/min" if k % 2 else "mcg/kg/min",
                starting_rate=Decimal("0.04"),
                taken_at=at(k),
                stopped_at=at(k) + timedelta(hours=6) if k % 2 else None,
                stopped_by=by if k % 2 else None,
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        Infusion,
    )


def build_rate_changes(n: int) -> list[InfusionRateChange]:
    by = staff()
    return bulk_create_with_history(
        [
            InfusionRateChange(
                patient=infusion.patient,
                course=infusion.course,
                infusion=infusion,
                rate=Decimal("0.08"),
                taken_at=infusion.taken_at + timedelta(hours=1),
                recorded_by=by,
            )
            for infusion in build_infusions(n)
        ],
        InfusionRateChange,
    )


def build_clinical_events(n: int) -> list[ClinicalEvent]:
    by = staff()
    return bulk_create_with_history(
        [
            ClinicalEvent(
                patient=course.patient,
                course=course,
                kind="dialysis" if k % 2 else "intubation",
                taken_at=at(k),
                ended_at=at(k) + timedelta(hours=80) if k % 2 else None,
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        ClinicalEvent,
    )


def build_terms(n: int) -> list[CtcaeTerm]:
    return bulk_create_with_history(
        [
            CtcaeTerm(
                version="9.9", term=f"Bulk term {i}", category=f"Bulk {i % 3}", grade_1="Mild"
            )
            for i in numbered(n)
        ],
        CtcaeTerm,
    )


def build_pro_symptoms(n: int) -> list[ProSymptom]:
    return bulk_create_with_history(
        [
            ProSymptom(slug=f"bulk-{i}", name=f"Bulk {i}", item=f"bulk {i}", asks_severity=True)
            for i in numbered(n)
        ],
        ProSymptom,
    )


def build_reports(n: int) -> list[SymptomReport]:
    by, symptoms = staff(), list(ProSymptom.objects.filter(asks_severity=True)[:3])
    return bulk_create_with_history(
        [
            SymptomReport(
                patient=dose.course.patient,
                symptom=symptoms[k % 3],
                dose=dose,
                onset_at=dose.planned_at + timedelta(hours=2),
                severity=k % 5,
                reviewed_grade=k % 3 or None,
                reported_by=by,
            )
            for k, dose in enumerate(build_doses(n))
        ],
        SymptomReport,
    )


def build_self_care_advice(n: int) -> list[SelfCareAdvice]:
    symptoms = list(ProSymptom.objects.all()[:3])
    return bulk_create_with_history(
        [
            SelfCareAdvice(
                symptom=symptoms[k % 3],
                text=f"Bulk advice {i}",
                source="Our ward's leaflet",
                order=i,
                is_active=bool(k % 2),
            )
            for k, i in enumerate(numbered(n))
        ],
        SelfCareAdvice,
    )


def build_report_messages(n: int) -> list[ReportMessage]:
    """Messages about reports, and every other one about an alert with no report."""
    by = staff()
    return bulk_create_with_history(
        [
            ReportMessage(
                report=None if k % 2 else report,
                alert=alert if k % 2 else None,
                author=by,
                body=f"Bulk message {k}",
                sent_at=report.onset_at + timedelta(hours=1),
                read_at=None if k % 2 else report.onset_at + timedelta(hours=2),
            )
            for k, (report, alert) in enumerate(
                zip(build_reports(n), build_alerts(n), strict=True)
            )
        ],
        ReportMessage,
    )


def build_events(n: int) -> list[AdverseEvent]:
    by, terms = staff(), list(CtcaeTerm.objects.filter(version="5.0")[:3])
    return bulk_create_with_history(
        [
            AdverseEvent(
                patient=dose.course.patient,
                term=terms[k % 3],
                ctcae_version="5.0",
                grade=1 + k % 3,
                onset_at=dose.planned_at + timedelta(hours=2),
                attribution="possible",
                dose=dose,
                recorded_by=by,
            )
            for k, dose in enumerate(build_doses(n))
        ],
        AdverseEvent,
    )


def build_results(n: int) -> list[ThyroidResult]:
    by = staff()
    return bulk_create_with_history(
        [
            ThyroidResult(
                patient=course.patient,
                course=course,
                test="tsh",
                value=Decimal("2.0") if k % 2 else Decimal("9.0"),
                unit="mIU/L",
                range_low=Decimal("0.4"),
                range_high=Decimal("4.5"),
                flag="normal" if k % 2 else "high",
                collected_at=at(k),
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        ThyroidResult,
    )


def build_vital_signs(n: int) -> list[VitalSigns]:
    by = staff()
    return bulk_create_with_history(
        [
            VitalSigns(
                patient=course.patient,
                course=course,
                taken_at=at(k),
                systolic_bp=85 if k % 2 else 120,
                diastolic_bp=50 if k % 2 else 80,
                heart_rate=110 if k % 2 else 80,
                rhythm="af" if k % 2 else "sinus",
                spo2=95,
                oxygen_device="nasal_cannula" if k % 2 else "room_air",
                oxygen_flow_l_min=Decimal("2") if k % 2 else None,
                sedation="voice" if k % 2 else "alert",
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        VitalSigns,
    )


def build_alerts(n: int) -> list[Alert]:
    by = staff()
    return bulk_create_with_history(
        [
            Alert(
                patient=result.patient,
                trigger=Alert.Trigger.THYROID,
                thyroid_result=result,
                text=f"{result.patient.full_name}: TSH 9 mIU/L is high.",
                created_at=result.collected_at,
                acknowledged_by=None if k % 2 else by,
                acknowledged_at=None if k % 2 else result.collected_at,
            )
            for k, result in enumerate(build_results(n))
        ],
        Alert,
    )


def build_alert_rules(n: int) -> list[AlertRule]:
    return bulk_create_with_history(
        [
            AlertRule(
                name=f"Bulk rule {i}",
                trigger="staff_grade",
                severity="high",
                term=f"Bulk term {i}",
                at_least=3,
                active=False,
                source="Our ward",
            )
            for i in numbered(n)
        ],
        AlertRule,
    )


def build_escalation_steps(n: int) -> list[EscalationStep]:
    return bulk_create_with_history(
        [
            EscalationStep(
                severity=Alert.Severity.ROUTINE if k % 2 else Alert.Severity.HIGH,
                level=100 + i,
                after=timedelta(minutes=i),
                audience=EscalationStep.Audience.CARE_TEAM,
            )
            for k, i in enumerate(numbered(n))
        ],
        EscalationStep,
    )


def build_on_call_shifts(n: int) -> list[OnCallShift]:
    from tracker.patients.models import Ward

    ward, by = Ward.objects.create(name=f"Ward {next(SEQUENCE)}"), staff()
    return bulk_create_with_history(
        [
            OnCallShift(
                ward=ward,
                person=by,
                starts_at=at(i),
                ends_at=at(i) + timedelta(hours=12),
                created_by=by,
                cancelled_at=None if k % 2 else at(i),
                cancelled_by=None if k % 2 else by,
            )
            for k, i in enumerate(numbered(n))
        ],
        OnCallShift,
    )


def build_notifications(n: int) -> list[Notification]:
    by = staff()
    statuses = [Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.QUEUED]
    return Notification.objects.bulk_create(
        [
            Notification(
                alert=alert,
                recipient=by,
                channel=Notification.Channel.EMAIL if k % 2 else Notification.Channel.DIGEST,
                level=1,
                status=statuses[k % 3],
                queued_at=alert.created_at,
                sent_at=alert.created_at if k % 3 == 0 else None,
                failed_at=alert.created_at if k % 3 == 1 else None,
            )
            for k, alert in enumerate(build_alerts(n))
        ]
    )


def build_fluid_entries(n: int) -> list[FluidEntry]:
    by = staff()
    return bulk_create_with_history(
        [
            FluidEntry(
                patient=course.patient,
                course=course,
                direction="output" if k % 2 else "intake",
                kind="urine" if k % 2 else "iv_fluid",
                volume_ml=50 + k,
                period_start=at(k) - timedelta(hours=1) if k % 2 else None,
                taken_at=at(k),
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        FluidEntry,
    )


def build_weight_entries(n: int) -> list[WeightEntry]:
    by = staff()
    return bulk_create_with_history(
        [
            WeightEntry(
                patient=course.patient,
                course=course,
                weight_kg=Decimal("70.0") + k % 10,
                taken_at=at(k),
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        WeightEntry,
    )


def build_lab_results(n: int) -> list[LabResult]:
    by = staff()
    return bulk_create_with_history(
        [
            LabResult(
                patient=course.patient,
                course=course,
                test="potassium" if k % 2 else "creatinine",
                value=Decimal("3.1") if k % 2 else Decimal("1.0"),
                unit="mmol/L" if k % 2 else "mg/dL",
                range_low=Decimal("3.5") if k % 2 else Decimal("0.6"),
                range_high=Decimal("5.0") if k % 2 else Decimal("1.3"),
                flag="low" if k % 2 else "normal",
                taken_at=at(k),
                recorded_by=by,
            )
            for k, course in enumerate(build_courses(n))
        ],
        LabResult,
    )


def build_record_accesses(n: int) -> list[RecordAccess]:
    user = staff()
    return RecordAccess.objects.bulk_create(
        [
            RecordAccess(
                user=user,
                patient=patient,
                what="patient-detail",
                method="GET",
                path=f"/patients/{patient.pk}/",
                ip="10.0.0.1",
                at=at(k),
            )
            for k, patient in enumerate(build_patients(n))
        ]
    )


# model, builder, and the path from a row to its patient (None: it has none; "": itself).
MODELS = [
    (Ward, build_wards, None),
    (ReminderSettings, build_reminder_settings, "patient"),
    (Reminder, build_reminders, "patient"),
    (Patient, build_patients, ""),
    (User, build_users, "patient"),
    (Invitation, build_invitations, "user.patient"),
    (RegimenTemplate, build_templates, None),
    (Course, build_courses, "patient"),
    (RetreatmentContraindication, build_retreatment_flags, "patient"),
    (Dose, build_doses, "course.patient"),
    (CalendarFeed, build_feeds, "patient"),
    (CalendarChoice, build_calendar_choices, "patient"),
    (HoldRule, build_hold_rules, None),
    (ChartRule, build_chart_rules, None),
    (RuleFiring, build_rule_firings, "patient"),
    (DoseRecord, build_dose_records, "dose.course.patient"),
    (PreDoseCheck, build_checks, "dose.course.patient"),
    (WithholdOverride, build_overrides, "dose.course.patient"),
    (Infusion, build_infusions, "patient"),
    (InfusionRateChange, build_rate_changes, "patient"),
    (ClinicalEvent, build_clinical_events, "patient"),
    (VitalSigns, build_vital_signs, "patient"),
    (CtcaeTerm, build_terms, None),
    (ProSymptom, build_pro_symptoms, None),
    (SymptomReport, build_reports, "patient"),
    (SelfCareAdvice, build_self_care_advice, None),
    (ReportMessage, build_report_messages, "patient"),
    (AdverseEvent, build_events, "patient"),
    (ThyroidResult, build_results, "patient"),
    (FollowUpCheck, build_follow_up_checks, None),
    (Alert, build_alerts, "patient"),
    (AlertRule, build_alert_rules, None),
    (EscalationStep, build_escalation_steps, None),
    (OnCallShift, build_on_call_shifts, None),
    (Notification, build_notifications, "alert.patient"),
    (FluidEntry, build_fluid_entries, "patient"),
    (WeightEntry, build_weight_entries, "patient"),
    (LabResult, build_lab_results, "patient"),
    (RecordAccess, build_record_accesses, "patient"),
]
EVERY_MODEL = [pytest.param(model, build, id=model.__name__) for model, build, _ in MODELS]
WITH_PATIENT = [
    pytest.param(model, build, path, id=model.__name__)
    for model, build, path in MODELS
    if path is not None
]
# Every model the apps register is viewable by the admin role group.
NOT_VIEWABLE_BY_ADMIN_ROLE = set()


def url(model, view="changelist", *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def patient_of(row, path: str):
    for part in filter(None, path.split(".")):
        row = getattr(row, part)
    return row


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return response, len(queries)


def test_every_model_registered_by_the_apps_is_covered_here():
    registered = {m for m in admin.site._registry if m._meta.app_label in APPS}
    assert registered == {model for model, _, _ in MODELS}


@pytest.mark.parametrize(("model", "build"), EVERY_MODEL)
def test_a_changelist_runs_as_many_queries_for_200_rows_as_for_10(admin_client, model, build):
    build(10)
    admin_client.get(url(model))  # content types, sessions: cached from here on
    ten, ten_count = count_queries(admin_client, url(model))
    build(190)
    many, many_count = count_queries(admin_client, url(model))

    # Opening the read-access log's list is itself a read, logged: one more row.
    logged = 1 if model is RecordAccess else 0
    assert many.context["cl"].result_count == ten.context["cl"].result_count + 190 + logged
    # A full page: Django's 100 rows, or 50 for a long list (tracker.lib.admin.LongListAdmin).
    assert len(many.context["cl"].result_list) == many.context["cl"].list_per_page
    print(f"{model.__name__}: {ten_count} queries with 10 rows, {many_count} with 200")
    assert many_count == ten_count


@pytest.mark.parametrize(("model", "build"), EVERY_MODEL)
def test_the_changelist_a_change_page_and_the_history_page_open(admin_client, model, build):
    row = build(3)[0]
    for path in [url(model), url(model, "change", row.pk), url(model, "history", row.pk)]:
        assert admin_client.get(path).status_code == 200, path


@pytest.mark.parametrize(("model", "build", "path"), WITH_PATIENT)
def test_searching_by_mrn_finds_that_patients_rows_only(admin_client, model, build, path):
    rows = build(3)
    patient = patient_of(rows[1], path)
    response = admin_client.get(url(model), {"q": patient.mrn})
    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert [patient_of(row, path) for row in found] == [patient]
    assert patient.mrn in response.text


@pytest.mark.parametrize(("model", "build"), EVERY_MODEL)
def test_every_filter_choice_and_the_date_hierarchy_open(admin_client, model, build):
    build(4)
    listing = admin_client.get(url(model))
    cl = listing.context["cl"]
    choices = [choice for spec in cl.filter_specs for choice in spec.choices(cl)]
    assert len(choices) >= 2 * len(cl.filter_specs)
    for choice in choices:
        response = admin_client.get(url(model) + choice["query_string"])
        assert response.status_code == 200, choice["query_string"]  # a bad one redirects (?e=1)
    hierarchy = cl.model_admin.date_hierarchy
    if hierarchy:
        year = cl.result_list[0]
        for part in hierarchy.split("__"):
            year = getattr(year, part)
        response = admin_client.get(url(model), {f"{hierarchy}__year": year.year})
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(("model", "build"), EVERY_MODEL)
def test_the_admin_role_views_what_its_group_may_view(client, personas, model, build):
    row = build(1)[0]
    sign_in_with_second_factor(client, personas.admin)
    assert not personas.admin.is_superuser
    opts = model._meta
    may_view = personas.admin.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    assert may_view == (model not in NOT_VIEWABLE_BY_ADMIN_ROLE)
    pages = [url(model), url(model, "change", row.pk), url(model, "history", row.pk)]
    for path in pages:
        assert client.get(path).status_code == (200 if may_view else 403), path


def listed(client, model, **params) -> set:
    return set(client.get(url(model), params).context["cl"].result_list)


def test_the_grade_filter_lists_that_grade(admin_client):
    events = build_events(6)
    assert listed(admin_client, AdverseEvent, grade=3) == {e for e in events if e.grade == 3}


def test_the_regimen_filter_lists_that_regimens_doses(admin_client):
    doses = build_doses(4)
    label = RegimenTemplate.objects.get(slug="hd-iv-label")
    assert listed(admin_client, Dose, course__template__id__exact=label.pk) == {
        d for d in doses if d.course.template_id == label.pk
    }


def test_the_status_filter_lists_that_status(admin_client):
    doses = build_doses(4)
    assert listed(admin_client, Dose, status__exact="given") == {
        d for d in doses if d.status == "given"
    }


def test_the_flag_filters_list_flagged_rows(admin_client):
    results = build_results(4)
    assert listed(admin_client, ThyroidResult, flag__exact="high") == {
        r for r in results if r.flag == "high"
    }
    checks = build_checks(4)
    assert listed(admin_client, PreDoseCheck, fired="yes") == {c for c in checks if c.fired_rules}
    assert listed(admin_client, PreDoseCheck, fired="no") == {
        c for c in checks if not c.fired_rules
    }


def test_the_answer_filter_lists_reports_that_raised_an_alert(admin_client):
    reports = build_reports(5)
    alerted = {r for r in reports if alert_for_report(r)}
    assert {r.severity for r in alerted} == {3, 4}
    assert listed(admin_client, SymptomReport, alerting="yes") == alerted
    assert listed(admin_client, SymptomReport, alerting="no") == set(reports) - alerted


def test_the_changelists_show_mrn_name_and_regimen(admin_client):
    (record,) = build_dose_records(1)
    patient = record.dose.course.patient
    response = admin_client.get(url(DoseRecord))
    row = response.context["cl"].result_list[0]
    assert row == record
    for text in [patient.mrn, f"{patient.family_name}, {patient.given_name}", "High-dose IV"]:
        assert text in response.text


@pytest.fixture
def dose_with_side_effects(personas):
    nurse = personas.nurse_on_team
    course = make_course(personas.patient, by=personas.clinician_on_team)
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, nurse)
    after = dose.planned_at + timedelta(hours=2)
    nausea = ProSymptom.objects.get(slug="nausea")
    report_symptom(
        personas.patient,
        nausea,
        by=personas.the_patient,
        answers={"frequency": 2, "severity": 2},
        onset_at=after,
        now=after,
    )
    chills = CtcaeTerm.objects.get(term="Chills", version="5.0")
    record_event(
        personas.patient,
        chills,
        by=nurse,
        grade=2,
        onset_at=after,
        attribution="probable",
        now=after,
    )
    return dose


def test_a_dose_page_shows_its_record_and_side_effects_read_only(
    admin_client, dose_with_side_effects
):
    response = admin_client.get(url(Dose, "change", dose_with_side_effects.pk))
    assert response.status_code == 200
    inlines = {f.opts.model: f for f in response.context["inline_admin_formsets"]}
    assert set(inlines) == {DoseRecord, SymptomReport, AdverseEvent}
    assert {model: len(inline.formset.forms) for model, inline in inlines.items()} == {
        DoseRecord: 1,
        SymptomReport: 1,
        AdverseEvent: 1,
    }
    page = response.text
    for shown in ["Nausea", "Chills", "Side effects reported by the patient", "graded by staff"]:
        assert shown in page
    for editable in ['name="symptom_reports-0-severity"', 'name="adverse_events-0-grade"']:
        assert editable not in page


def test_a_dose_page_runs_as_many_queries_with_more_side_effects(
    admin_client, personas, dose_with_side_effects
):
    dose = dose_with_side_effects
    path = url(Dose, "change", dose.pk)
    admin_client.get(path)
    _, one = count_queries(admin_client, path)
    after = dose.planned_at + timedelta(hours=3)
    for slug, term in [("fatigue", "Fatigue"), ("diarrhoea", "Diarrhea"), ("chills", "Fever")]:
        symptom = ProSymptom.objects.get(slug=slug)
        answers = {a.value: 1 for a in symptom.attributes()}
        report_symptom(
            personas.patient,
            symptom,
            by=personas.the_patient,
            answers=answers,
            onset_at=after,
            now=after,
        )
        record_event(
            personas.patient,
            CtcaeTerm.objects.get(term=term, version="5.0"),
            by=make_user(Role.NURSE),
            grade=1,
            onset_at=after,
            attribution="possible",
            now=after,
        )
    _, several = count_queries(admin_client, path)
    assert several == one


def test_the_course_page_shows_cycles_ended_early_and_discharges_between_cycles(client, personas):
    clinician = personas.clinician_on_team
    course = make_course(personas.patient, by=clinician, start="2027-03-10 08:00")
    with time_machine.travel("2027-03-10 13:30Z", tick=False):
        record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)
        end_cycle(course, 1, by=clinician, reason="toxicity", note="Creatinine rising")
    with time_machine.travel("2027-03-12 12:00Z", tick=False):
        record_discharge_between_cycles(course, by=clinician, on=date(2027, 3, 12))
    sign_in_with_second_factor(client, personas.admin)
    html = client.get(url(Course, "change", course.pk)).text
    assert "Creatinine rising" in html
    assert "Discharges between cycles" in html
    assert "Discharged after cycle 1 on 12 Mar 2027" in html

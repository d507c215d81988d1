from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from regimens.courses import (
    CourseRefused,
    cancel_course,
    delay_remaining_doses,
    discontinue_course,
    move_start,
)
from regimens.models import Course, Dose, RegimenTemplate
from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db

BEFORE_START = "2027-03-01 12:00Z"


@pytest.fixture
def clinician():
    return make_user(Role.CLINICIAN)


def record(dose, status=Dose.Status.GIVEN):
    dose.status = status
    dose._change_reason = "recorded"
    dose.save(update_fields=["status"])


def test_the_four_templates_ship_with_the_migrations():
    slugs = set(RegimenTemplate.objects.values_list("slug", flat=True))
    assert slugs >= {"hd-iv-q8h-15", "hd-iv-label", "sc-5on2off", "sc-low-dose"}
    for template in RegimenTemplate.objects.all():
        template.full_clean()


def test_starting_a_label_course_writes_28_doses_with_history(clinician):
    course = make_course(PatientFactory(weight_kg=80), by=clinician)
    assert course.doses.count() == 28
    assert course.dose_iu == 48_000_000
    assert list(course.doses.values_list("cycle", flat=True).distinct().order_by("cycle")) == [
        1,
        2,
    ]
    assert Dose.history.filter(history_user=clinician).count() == 28


def test_a_course_keeps_its_rule_when_the_template_is_edited(clinician):
    course = make_course(PatientFactory(), by=clinician)
    template = course.template
    template.max_doses_per_cycle = 10
    template.save()
    assert len(Course.objects.get(pk=course.pk).plan()) == 28


def test_a_template_without_its_rule_fields_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        RegimenTemplate.objects.create(
            name="Broken", slug="broken", route="iv", dose_amount=1, dose_unit="MIU",
            mode="interval", every_hours=8,
        )  # fmt: skip


def test_a_dose_number_is_unique_within_its_course(clinician):
    course = make_course(PatientFactory(), by=clinician)
    first = course.doses.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dose.objects.create(
            course=course, cycle=1, dose_in_cycle=1, dose_in_course=first.dose_in_course,
            day=1, planned_at=first.planned_at, original_planned_at=first.planned_at,
        )  # fmt: skip


def test_delaying_after_three_recorded_doses_leaves_them_untouched(clinician):
    course = make_course(PatientFactory(), by=clinician)
    recorded = list(course.doses.order_by("dose_in_course")[:3])
    for dose in recorded:
        record(dose)
    before = {d.pk: (d.planned_at, d.status, d.history.count()) for d in recorded}
    # The clock reads just after the third dose; the next dose moves a day later.
    with time_machine.travel(recorded[2].planned_at.replace(minute=30)):
        delayed = delay_remaining_doses(
            course, datetime(2027, 3, 12, 8, 0), by=clinician, reason="bed free"
        )
    after = {
        d.pk: (d.planned_at, d.status, d.history.count())
        for d in course.doses.filter(pk__in=before)
    }
    assert after == before
    # Doses 4-12 fit before cycle 1's window closes on 15 March at 13:00 UTC; 13-14 do not.
    assert (delayed.moved, delayed.cancelled) == (9, 2)
    fourth = course.doses.get(dose_in_course=4)
    # 08:00 EST is 13:00 UTC; dose 4 was 24 h after the first dose.
    assert fourth.original_planned_at == datetime(2027, 3, 11, 13, 0, tzinfo=UTC)
    assert fourth.planned_at == datetime(2027, 3, 12, 13, 0, tzinfo=UTC)
    assert fourth.history.first().history_change_reason == "Delayed: bed free"


def test_moving_the_start_after_recorded_doses_is_refused(clinician):
    course = make_course(PatientFactory(), by=clinician)
    recorded = list(course.doses.order_by("dose_in_course")[:3])
    for dose in recorded:
        record(dose)
    with (
        time_machine.travel(recorded[2].planned_at.replace(minute=30)),
        pytest.raises(CourseRefused, match="Delay the remaining doses instead"),
    ):
        move_start(course, datetime(2027, 3, 1, 8, 0), by=clinician, reason="typo")
    assert not course.doses.exclude(planned_at=F("original_planned_at")).exists()
    course.refresh_from_db()
    assert course.start_date == date(2027, 3, 10)


@time_machine.travel(BEFORE_START)
def test_cancelling_a_course_cancels_its_future_unrecorded_doses(clinician):
    course = make_course(PatientFactory(), by=clinician)
    cancelled = cancel_course(course, by=clinician, reason="patient declined")
    assert cancelled == 28
    assert set(course.doses.values_list("status", flat=True)) == {Dose.Status.CANCELLED}
    assert course.status == Course.Status.CANCELLED
    assert course.history.first().history_change_reason == "patient declined"


def test_discontinuing_spares_recorded_and_past_doses(clinician):
    course = make_course(PatientFactory(), by=clinician)
    first, second = course.doses.order_by("dose_in_course")[:2]
    record(first, Dose.Status.HELD)
    with time_machine.travel(second.planned_at.replace(minute=30)):
        cancelled = discontinue_course(course, by=clinician, code="intolerance")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Dose.Status.HELD
    assert second.status == Dose.Status.SCHEDULED  # past and unrecorded: left for the nurse
    assert cancelled == 26


@time_machine.travel(BEFORE_START)
def test_a_cancelled_course_cannot_be_moved_or_cancelled_again(clinician):
    course = make_course(PatientFactory(), by=clinician)
    cancel_course(course, by=clinician, reason="x")
    with pytest.raises(CourseRefused):
        cancel_course(course, by=clinician, reason="again")
    with pytest.raises(CourseRefused):
        move_start(course, datetime(2027, 4, 1, 8, 0), by=clinician, reason="y")


def test_sc_low_dose_course_uses_the_chosen_number_of_days(clinician):
    course = make_course(PatientFactory(), slug="sc-low-dose", treatment_days=10, by=clinician)
    assert course.doses.count() == 10
    assert course.describe_rule() == "daily for 10 days"


# Dosing weight, admission weight and dose steps.


def test_a_course_records_the_dosing_weights_basis_date_and_chooser(clinician):
    course = make_course(
        PatientFactory(),
        by=clinician,
        weight_kg=Decimal("72.0"),
        weight_basis=Course.WeightBasis.ADJUSTED,
        weight_measured_on=date(2027, 3, 8),
        baseline_weight_kg=Decimal("80.0"),
        baseline_weight_on=date(2027, 3, 9),
    )
    course.refresh_from_db()
    assert (course.weight_kg, course.weight_basis) == (Decimal("72.0"), "adjusted")
    assert course.weight_measured_on == date(2027, 3, 8)
    assert course.weight_chosen_by == clinician
    assert (course.baseline_weight_kg, course.baseline_weight_on) == (
        Decimal("80.0"),
        date(2027, 3, 9),
    )
    # Weight gain counts from the admission weight, not the dosing weight.
    assert course.weight_gain_baseline == Decimal("80.0")


def test_without_an_admission_weight_the_dosing_weight_is_the_baseline(clinician):
    course = make_course(PatientFactory(), by=clinician, weight_kg=Decimal("70.0"))
    assert course.baseline_weight_kg == Decimal("70.0")
    assert course.weight_measured_on == course.start_date
    Course.objects.filter(pk=course.pk).update(baseline_weight_kg=None)
    assert Course.objects.get(pk=course.pk).weight_gain_baseline == Decimal("70.0")


def test_each_dose_of_a_stepped_course_has_its_own_amount(clinician):
    course = make_course(
        PatientFactory(), slug="sc-5on2off", by=clinician, start="2027-03-08 09:00"
    )
    doses = list(course.doses.order_by("dose_in_course"))

    amounts = [dose.prescribed_iu for dose in doses]
    assert amounts[:7] == [Decimal(18_000_000)] * 7
    assert amounts[7:10] == [Decimal(9_000_000)] * 3  # days 10-12
    assert sum(amounts) == Decimal(279_000_000)  # 90 + 3 × 63 MIU
    assert str(doses[7].prescribed_miu) == "9.00 MIU"
    assert course.has_dose_steps


def test_an_old_dose_without_its_own_amount_reads_the_courses(clinician):
    course = make_course(PatientFactory(weight_kg=80), by=clinician)
    dose = course.doses.first()
    Dose.objects.filter(pk=dose.pk).update(dose_iu=None)
    dose.refresh_from_db()
    assert dose.prescribed_iu == course.dose_iu == Decimal(48_000_000)


def test_a_course_keeps_its_dose_steps_when_the_template_is_edited(clinician):
    course = make_course(
        PatientFactory(), slug="sc-5on2off", by=clinician, start="2027-03-08 09:00"
    )
    RegimenTemplate.objects.filter(slug="sc-5on2off").update(dose_steps=[])
    course = Course.objects.get(pk=course.pk)
    assert course.amount_on(1, 10) == Decimal(9)


def test_a_template_with_nonsense_dose_steps_does_not_validate():
    template = RegimenTemplate.objects.get(slug="sc-5on2off")
    template.dose_steps = [{"from_day": 0, "amount": "9"}]
    with pytest.raises(ValidationError, match="from 2 on"):
        template.full_clean()


# The shipped subcutaneous and institutional templates.


def test_the_subcutaneous_template_follows_a_cited_stepped_regimen_and_says_it_is_off_label():
    template = RegimenTemplate.objects.get(slug="sc-5on2off")
    assert template.dose_steps
    assert "J Urol Oncol 2021" in template.notes
    assert "Subcutaneous use is off-label in the US." in template.notes


def test_the_institutional_15_dose_template_is_off_until_a_centre_turns_it_on():
    template = RegimenTemplate.objects.get(slug="hd-iv-q8h-15")
    assert not template.is_active
    assert "institutional" in template.notes.lower()
    assert "inactive until a centre turns it on" in template.notes


def test_a_planned_second_cycle_of_the_15_dose_template_needs_no_gap_override(clinician):
    template = RegimenTemplate.objects.get(slug="hd-iv-q8h-15")
    assert (template.default_cycles, template.max_cycles) == (2, 2)
    course = make_course(PatientFactory(), slug="hd-iv-q8h-15", by=clinician)
    assert course.cycles == 2
    assert course.retreatment_override == ""
    second = course.doses.filter(cycle=2).order_by("planned_at")
    assert second.count() == 15
    assert second.first().day == 15


def migrate(name):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("regimens", name)])


# SQLite runs migrations only outside a transaction, so this test commits its rows.
@pytest.mark.django_db(transaction=True)
def test_courses_from_before_the_dosing_weight_fields_get_their_values(
    shipped_data, back_to_the_latest_schema
):
    by = make_user(Role.CLINICIAN)
    course = make_course(PatientFactory(), by=by, weight_kg=Decimal("81.5"))
    migrate("0016_dosing_weight_and_dose_steps")
    # As the new columns were left when they were added.
    Course.objects.update(
        weight_measured_on=None,
        weight_chosen_by=None,
        baseline_weight_kg=None,
        baseline_weight_on=None,
    )
    Dose.objects.update(dose_iu=None)
    migrate("0018_shipped_dose_steps_and_institutional_template")

    course = Course.objects.get(pk=course.pk)
    assert course.weight_basis == "actual"
    assert course.weight_measured_on == course.baseline_weight_on == course.start_date
    assert course.weight_chosen_by == by
    assert course.baseline_weight_kg == Decimal("81.5")
    assert set(course.doses.values_list("dose_iu", flat=True)) == {course.dose_iu}


@pytest.mark.django_db(transaction=True)
def test_a_centre_already_using_the_15_dose_template_keeps_it_on(
    shipped_data, back_to_the_latest_schema
):
    make_course(PatientFactory(), slug="hd-iv-q8h-15")
    migrate("0017_dosing_weight_of_existing_courses")
    RegimenTemplate.objects.filter(slug="hd-iv-q8h-15").update(is_active=True)
    migrate("0018_shipped_dose_steps_and_institutional_template")
    assert RegimenTemplate.objects.get(slug="hd-iv-q8h-15").is_active

from datetime import UTC, date, datetime

import pytest
import time_machine
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

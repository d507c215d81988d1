"""When TSH falls due, read from the database: courses, their templates and TSH results."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from regimens.courses import cancel_course, discontinue_course
from regimens.models import RegimenTemplate
from tests.factories import PatientFactory, make_course, make_user
from tracker.accounts.roles import Role
from tracker.patients.models import Patient
from tracker.thyroid.lab import Due
from tracker.thyroid.models import FollowUpCheck
from tracker.thyroid.recording import mark_entered_in_error, record_result
from tracker.thyroid.schedule import due_checks_by_patient, overdue_checks

pytestmark = [
    pytest.mark.django_db,
    # Before the courses start, so cancelling one cancels all its doses.
    pytest.mark.now("2027-03-01 12:00Z"),
]

NEW_YORK = ZoneInfo("America/New_York")
BASELINE = "Baseline, before the first dose"
EVERY_42 = "Every 42 days during the course"


@pytest.fixture
def nurse():
    return make_user(Role.NURSE)


def tsh(patient, nurse, when, value="2.1"):
    """A TSH collected at `when` on the patient's (New York) clock."""
    collected = datetime.fromisoformat(when).replace(tzinfo=NEW_YORK)
    return record_result(
        patient,
        by=nurse,
        test="tsh",
        value=Decimal(value),
        unit="mIU/L",
        collected_at=collected,
        now=collected,
    )


def all_checks_of(patient):
    return [(c.on, c.why, c.met_on) for c in due_checks_by_patient([patient.pk])[patient.pk]]


def checks_of(patient):
    """The checks before and during the courses, without those after the last dose."""
    return [check for check in all_checks_of(patient) if not is_after_treatment(check)]


def after_treatment(patient):
    return [check for check in all_checks_of(patient) if is_after_treatment(check)]


def is_after_treatment(check):
    return check[1].endswith("after the last dose")


def test_the_shipped_templates_check_tsh_every_42_days_only_on_subcutaneous_courses():
    every = dict(RegimenTemplate.objects.values_list("slug", "thyroid_every_days"))
    assert every["sc-5on2off"] == 42
    assert every["hd-iv-label"] is None


def test_a_high_dose_course_has_only_its_baseline_check_before_and_during_it():
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    assert checks_of(patient) == [(date(2027, 3, 10), BASELINE, None)]


def test_a_subcutaneous_course_has_a_check_every_42_days_while_doses_last():
    patient = PatientFactory()
    # Three 5-week cycles: doses from 10 March to 13 June.
    make_course(patient, slug="sc-5on2off", start="2027-03-10 08:00", cycles=3)
    assert checks_of(patient) == [
        (date(2027, 3, 10), BASELINE, None),
        (date(2027, 4, 21), EVERY_42, None),
        (date(2027, 6, 2), EVERY_42, None),
    ]


def test_a_later_course_has_a_check_before_it(nurse):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    make_course(patient, slug="sc-5on2off", start="2027-05-10 09:00")
    tsh(patient, nurse, "2027-03-05 09:00")
    assert checks_of(patient) == [
        (date(2027, 3, 10), BASELINE, date(2027, 3, 5)),
        (date(2027, 5, 10), "Before the course", None),
    ]


def test_a_tsh_meets_the_check_it_was_taken_for(nurse):
    patient = PatientFactory()
    make_course(patient, slug="sc-5on2off", start="2027-03-10 08:00", cycles=3)
    tsh(patient, nurse, "2027-02-24 09:00")  # 14 days before the baseline
    tsh(patient, nurse, "2027-04-20 09:00")
    assert [met for _, _, met in checks_of(patient)] == [
        date(2027, 2, 24),
        date(2027, 4, 20),
        None,
    ]


def test_the_lookback_is_counted_on_the_patients_clock(nurse):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    # 23:30 in New York on 23 February is already 24 February in UTC: 15 days before.
    tsh(patient, nurse, "2027-02-23 23:30")
    assert checks_of(patient) == [(date(2027, 3, 10), BASELINE, None)]


def test_a_courses_days_are_read_on_its_own_clock():
    auckland = ZoneInfo("Pacific/Auckland")
    patient = PatientFactory(time_zone="Pacific/Auckland")
    course = make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    doses = course.doses.order_by("planned_at")
    first, last = doses.first().planned_at, doses.last().planned_at
    # 08:00 in Auckland on 10 March is still 9 March in UTC.
    assert first.date() == date(2027, 3, 9)
    assert checks_of(patient) == [(date(2027, 3, 10), BASELINE, None)]
    four_weeks = after_treatment(patient)[0]
    assert four_weeks[0] == last.astimezone(auckland).date() + timedelta(days=28)


def test_a_cancelled_course_has_no_checks(nurse):
    patient = PatientFactory()
    course = make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    cancel_course(course, by=nurse, reason="Entered for the wrong patient")
    assert due_checks_by_patient([patient.pk]) == {}


def test_checks_during_a_discontinued_course_stop_with_its_doses(nurse, clock):
    patient = PatientFactory()
    course = make_course(patient, slug="sc-5on2off", start="2027-03-10 08:00", cycles=3)
    clock.move_to("2027-04-01 12:00Z")
    discontinue_course(course, by=make_user(Role.CLINICIAN), code="progression")
    assert checks_of(patient) == [(date(2027, 3, 10), BASELINE, None)]


def test_a_result_entered_in_error_meets_no_check(nurse):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    result = tsh(patient, nurse, "2027-03-09 09:00")
    assert checks_of(patient)[0][2] == date(2027, 3, 9)
    mark_entered_in_error(result, by=nurse, reason="Another patient's sample")
    assert checks_of(patient)[0][2] is None


def test_other_tests_do_not_meet_a_tsh_check(nurse):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    collected = datetime(2027, 3, 9, 9, tzinfo=NEW_YORK)
    record_result(
        patient,
        by=nurse,
        test="ft4",
        value=Decimal("1.1"),
        unit="ng/dL",
        collected_at=collected,
        now=collected,
    )
    assert checks_of(patient)[0][2] is None


def test_a_patient_without_courses_has_no_checks():
    patient = PatientFactory()
    assert due_checks_by_patient([patient.pk]) == {}


@pytest.mark.parametrize("how_many", [1, 5])
def test_three_queries_read_the_checks_of_any_number_of_patients(
    django_assert_num_queries, nurse, how_many
):
    patients = [PatientFactory() for _ in range(how_many)]
    for patient in patients:
        make_course(patient, slug="sc-5on2off", start="2027-03-10 08:00", cycles=3)
        tsh(patient, nurse, "2027-03-09 09:00")
    with django_assert_num_queries(3):
        checks = due_checks_by_patient(Patient.objects.all())
    assert len(checks) == how_many
    assert all(len(c) == 3 + 6 and c[0].met_on == date(2027, 3, 9) for c in checks.values())


# Checks after the last dose (docs/clinical-sources.md §3).


def test_tsh_stays_due_for_a_year_after_the_last_dose_of_a_high_dose_course():
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")  # last dose 28 March
    assert after_treatment(patient) == [
        (date(2027, 4, 25), "4 weeks after the last dose", None),
        (date(2027, 5, 23), "8 weeks after the last dose", None),
        (date(2027, 6, 20), "12 weeks after the last dose", None),
        (date(2027, 9, 19), "About 6 months after the last dose", None),
        (date(2027, 12, 19), "About 9 months after the last dose", None),
        (date(2028, 3, 19), "About a year after the last dose", None),
    ]


def test_the_checks_after_treatment_follow_only_the_last_course():
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    make_course(patient, slug="sc-5on2off", start="2027-05-10 09:00")  # last dose 4 June
    assert after_treatment(patient)[0][0] == date(2027, 7, 2)
    assert len(after_treatment(patient)) == 6


def test_the_checks_after_a_discontinued_course_count_from_its_last_dose(clock):
    patient = PatientFactory()
    course = make_course(patient, slug="sc-5on2off", start="2027-03-10 08:00", cycles=3)
    clock.move_to("2027-04-01 12:00Z")
    discontinue_course(course, by=make_user(Role.CLINICIAN), code="progression")
    assert after_treatment(patient)[0][0] == date(2027, 4, 29)


def test_a_tsh_after_treatment_meets_the_check_it_falls_near(nurse):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    tsh(patient, nurse, "2027-05-12 09:00", value="12")  # 11 days before 8 weeks
    assert [met for _, _, met in after_treatment(patient)][:3] == [None, date(2027, 5, 12), None]


def test_a_check_switched_off_in_the_admin_is_no_longer_due():
    FollowUpCheck.objects.filter(after_last_dose_days=56).update(is_active=False)
    FollowUpCheck.objects.create(
        after_last_dose_days=14, label="2 weeks after the last dose", source="Our ward"
    )
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    assert [why for _, why, _ in after_treatment(patient)][:3] == [
        "2 weeks after the last dose",
        "4 weeks after the last dose",
        "12 weeks after the last dose",
    ]


def test_a_check_after_treatment_becomes_overdue_like_any_other(nurse):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    tsh(patient, nurse, "2027-03-09 09:00")
    overdue = overdue_checks(Patient.objects.all(), today=date(2027, 4, 26))
    assert [(due.on, due.why) for _, due in overdue] == [
        (date(2027, 4, 25), "4 weeks after the last dose")
    ]


# Overdue checks.


def test_a_check_is_overdue_from_the_day_after_on_the_patients_clock(clock):
    patient = PatientFactory()
    make_course(patient, slug="hd-iv-label", start="2027-03-10 08:00")
    # 23:30 on 10 March in New York is 04:30 on 11 March in UTC: not overdue yet.
    clock.move_to("2027-03-11 04:30Z")
    assert list(overdue_checks(Patient.objects.all())) == []
    clock.move_to("2027-03-11 05:00Z")  # midnight in New York
    assert list(overdue_checks(Patient.objects.all())) == [
        (patient, Due(date(2027, 3, 10), BASELINE, None))
    ]


def test_overdue_checks_are_listed_oldest_first(nurse):
    early, late, done = PatientFactory(), PatientFactory(), PatientFactory()
    make_course(late, slug="hd-iv-label", start="2027-03-20 08:00")
    make_course(early, slug="sc-5on2off", start="2027-03-10 08:00", cycles=3)
    make_course(done, slug="hd-iv-label", start="2027-03-10 08:00")
    tsh(done, nurse, "2027-03-08 09:00")
    overdue = overdue_checks(Patient.objects.all(), today=date(2027, 4, 30))
    assert [(patient, due.on) for patient, due in overdue] == [
        (early, date(2027, 3, 10)),
        (late, date(2027, 3, 20)),
        (early, date(2027, 4, 21)),
        (done, date(2027, 4, 25)),  # 4 weeks after its last dose, 28 March
    ]


def test_overdue_checks_are_only_of_the_patients_given():
    mine, theirs = PatientFactory(), PatientFactory()
    make_course(mine, slug="hd-iv-label", start="2027-03-10 08:00")
    make_course(theirs, slug="hd-iv-label", start="2027-03-10 08:00")
    overdue = overdue_checks(Patient.objects.filter(pk=mine.pk), today=date(2027, 4, 1))
    assert [patient for patient, _ in overdue] == [mine]


def test_a_slice_of_overdue_checks_reads_only_its_own_patients(django_assert_num_queries, nurse):
    patients = [PatientFactory(family_name=f"Patient {n:02}") for n in range(6)]
    for n, patient in enumerate(patients):
        make_course(patient, slug="hd-iv-label", start=f"2027-03-{10 + n} 08:00")
    tsh(patients[0], nurse, "2027-03-09 09:00")  # meets its baseline
    overdue = overdue_checks(Patient.objects.all(), today=date(2027, 4, 1))
    assert len(overdue) == 5
    with django_assert_num_queries(1):
        first_two = overdue[:2]
    assert [patient for patient, _ in first_two] == patients[1:3]
    assert overdue[4][0] == patients[5]
    assert list(overdue)[2:] == overdue[2:]

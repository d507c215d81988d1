from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from regimens import ics
from regimens.courses import cancel_course, move_start
from regimens.models import Dose
from tests.factories import (
    PatientFactory,
    choose_reminders,
    make_course,
    make_user,
    record_given,
)
from tracker.accounts.roles import Role

pytestmark = pytest.mark.django_db

BEFORE_START = "2027-03-01 12:00Z"


@pytest.fixture
def course():
    return make_course(PatientFactory(given_name="Zebedee", family_name="Quixley"))


def export(course) -> Calendar:
    body = ics.course_calendar(course, ics.doses_for_export(course.doses.all()))
    return Calendar.from_ical(body)


def events_by_uid(cal):
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def test_one_event_per_dose_with_the_row_uid(course):
    cal = export(course)
    doses = list(course.doses.all())
    assert len(doses) == 28
    events = events_by_uid(cal)
    assert len(cal.walk("VEVENT")) == len(doses)
    assert set(events) == {f"{dose.uid}@il2-tracker" for dose in doses}


def test_calendar_header(course):
    cal = export(course)
    assert str(cal["PRODID"]) == "-//IL-2 tracker//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "IL-2 treatment"


def test_start_is_the_planned_instant_in_the_course_zone(course):
    events = events_by_uid(export(course))
    for dose in course.doses.all():
        start = events[f"{dose.uid}@il2-tracker"].decoded("DTSTART")
        assert start == dose.planned_at
        assert (
            start.utcoffset() == dose.planned_at.astimezone(ZoneInfo(course.time_zone)).utcoffset()
        )


def test_vtimezone_and_tzid_are_emitted(course):
    body = ics.course_calendar(course, ics.doses_for_export(course.doses.all())).decode()
    cal = Calendar.from_ical(body)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert "DTSTART;TZID=America/New_York:" in body


def test_summary_duration_and_status(course):
    cal = export(course)
    first = min(cal.walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))
    assert str(first["SUMMARY"]) == "IL-2: Cycle 1 · dose 1 of 14"
    assert first.decoded("DURATION").total_seconds() == 15 * 60
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first.decoded("SEQUENCE") == 0


def test_doses_are_numbered_as_the_app_numbers_them(course):
    # The app says "Cycle 2 · dose 1 of 14" where the export said "dose 15 of 28".
    summaries = {str(event["SUMMARY"]) for event in export(course).walk("VEVENT")}
    assert "IL-2: Cycle 2 · dose 1 of 14" in summaries
    assert summaries == {f"IL-2: Cycle {c} · dose {n} of 14" for c in (1, 2) for n in range(1, 15)}


def test_day_pattern_doses_count_their_cycle():
    course = make_course(PatientFactory(), slug="sc-5on2off", start="2027-03-01 09:00")
    first = min(export(course).walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))
    assert str(first["SUMMARY"]) == "IL-2: Cycle 1 · dose 1 of 20"


def test_cancelled_doses_export_as_cancelled(course):
    with time_machine.travel(BEFORE_START):
        cancel_course(course, by=make_user(Role.CLINICIAN), reason="x")
    events = export(course).walk("VEVENT")
    assert len(events) == 28
    assert {str(event["STATUS"]) for event in events} == {"CANCELLED"}
    assert all(event.decoded("SEQUENCE") == 1 for event in events)


def test_uids_survive_a_move_and_times_follow(course):
    before = set(events_by_uid(export(course)))
    with time_machine.travel(BEFORE_START):
        moved = move_start(
            course, datetime(2027, 3, 11, 8, 0), by=make_user(Role.CLINICIAN), reason="bed"
        ).moved
    assert moved
    events = events_by_uid(export(course))
    assert set(events) == before
    for dose in Dose.objects.filter(course=course):
        event = events[f"{dose.uid}@il2-tracker"]
        assert event.decoded("DTSTART") == dose.planned_at
        if dose.planned_at != dose.original_planned_at:
            assert event.decoded("SEQUENCE") >= 1


def test_no_patient_identifiers_in_the_output(course):
    patient = course.patient
    body = ics.course_calendar(course, ics.doses_for_export(course.doses.all())).decode()
    body += ics.patient_calendar(
        patient, ics.doses_for_export(Dose.objects.for_patient(patient))
    ).decode()
    for secret in (patient.mrn, patient.given_name, patient.family_name, patient.full_name):
        assert secret not in body


def test_patient_calendar_includes_every_course():
    patient = PatientFactory()
    first = make_course(patient)
    second = make_course(
        patient, start="2027-05-10 08:00", override_reason="Second course in this test"
    )
    with time_machine.travel(BEFORE_START):
        cancel_course(first, by=make_user(Role.CLINICIAN), reason="x")
    body = ics.patient_calendar(patient, ics.doses_for_export(Dose.objects.for_patient(patient)))
    events = events_by_uid(Calendar.from_ical(body))
    assert set(events) == {
        f"{dose.uid}@il2-tracker" for dose in Dose.objects.filter(course__in=[first, second])
    }
    assert len(events) == 56


# Alarms (VALARM) before the doses still to come


def alarms_of(cal):
    return {event.decoded("DTSTART"): event.walk("VALARM") for event in cal.walk("VEVENT")}


@pytest.mark.now(BEFORE_START)
def test_each_dose_to_come_has_a_display_alarm_30_minutes_before(course):
    body = ics.course_calendar(course, ics.doses_for_export(course.doses.all())).decode()
    cal = Calendar.from_ical(body)
    alarms = alarms_of(cal)
    assert len(alarms) == course.doses.count()
    for [alarm] in alarms.values():
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert str(alarm["DESCRIPTION"]) == "Reminder from your care team"
        assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)
    assert body.count("TRIGGER:-PT30M") == course.doses.count()


@pytest.mark.now(BEFORE_START)
def test_the_alarm_rings_as_long_before_as_the_patient_chose(course):
    choose_reminders(course.patient, dose_lead_minutes=60)
    body = ics.course_calendar(course, ics.doses_for_export(course.doses.all())).decode()
    assert body.count("TRIGGER:-PT1H") == course.doses.count()
    assert "PT30M" not in body


def test_doses_past_recorded_or_cancelled_have_no_alarm(course):
    first, second, third, *_ = course.doses.order_by("planned_at")
    record_given(first, make_user(Role.NURSE))
    third.cancel(by=make_user(Role.CLINICIAN), reason="Held")
    with time_machine.travel(second.planned_at + timedelta(minutes=1)):
        alarms = alarms_of(export(course))
    assert alarms[first.planned_at] == []  # recorded
    assert alarms[second.planned_at] == []  # its time has passed
    assert alarms[third.planned_at] == []  # cancelled
    assert all(alarms[dose.planned_at] for dose in course.doses.order_by("planned_at")[3:])

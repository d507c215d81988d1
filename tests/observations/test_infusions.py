"""Infusions, their rates over time, and clinical events with their durations."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from tracker.observations.infusions import (
    ChartRefused,
    change_rate,
    end_event,
    mark_entered_in_error,
    start_event,
    start_infusion,
    stop_infusion,
    withdraw_end,
    withdraw_stop,
)
from tracker.observations.models import ClinicalEvent, Infusion, InfusionRateChange

NOW = datetime(2027, 3, 11, 12, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-11 12:00Z")]


def hours(n):
    return timedelta(hours=n)


@pytest.fixture
def nurse(personas):
    return personas.nurse_on_team


@pytest.fixture
def noradrenaline(personas, nurse, course):
    """Norepinephrine from 6 hours ago at 0.05, up to 0.1 four hours ago, 0.2 two hours ago."""
    infusion = start_infusion(
        personas.patient, by=nurse, agent="norepinephrine", rate=Decimal("0.05"),
        started_at=NOW - hours(6),
    )  # fmt: skip
    change_rate(infusion, by=nurse, rate=Decimal("0.1"), at=NOW - hours(4))
    change_rate(infusion, by=nurse, rate=Decimal("0.2"), at=NOW - hours(2))
    return infusion


# Units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "unit"),
    [
        ("norepinephrine", "mcg/kg/min"),
        ("phenylephrine", "mcg/kg/min"),
        ("dopamine", "mcg/kg/min"),
        ("epinephrine", "mcg/kg/min"),
        ("dobutamine", "mcg/kg/min"),
        ("vasopressin", "units/min"),
    ],
)
def test_each_named_agent_is_charted_in_its_own_unit(personas, nurse, agent, unit):
    infusion = start_infusion(
        personas.patient, by=nurse, agent=agent, rate=Decimal("1"),
        started_at=NOW, dose_unit="mL/h",
    )  # fmt: skip
    assert infusion.dose_unit == unit


def test_an_other_infusion_is_named_and_chooses_its_unit(personas, nurse):
    infusion = start_infusion(
        personas.patient, by=nurse, agent="other", other_name=" Furosemide ",
        dose_unit="mg/h", rate=Decimal("10"), started_at=NOW,
    )  # fmt: skip
    assert (infusion.name, infusion.dose_unit) == ("Furosemide", "mg/h")
    assert not infusion.is_pressor


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"other_name": "", "dose_unit": "mg/h"}, "other_name"),
        ({"other_name": "Insulin", "dose_unit": ""}, "dose_unit"),
    ],
)
def test_it_refuses_an_other_infusion_without_its_name_or_unit(personas, nurse, fields, field):
    with pytest.raises(ChartRefused) as refusal:
        start_infusion(
            personas.patient, by=nurse, agent="other", rate=Decimal("1"), started_at=NOW,
            **fields,
        )  # fmt: skip
    assert refusal.value.field == field
    assert not Infusion.objects.exists()


def test_the_database_refuses_a_named_agent_in_another_unit(personas, nurse):
    with pytest.raises(IntegrityError), transaction.atomic():
        Infusion.objects.create(
            patient=personas.patient, agent="vasopressin", dose_unit="mcg/kg/min",
            starting_rate=1, taken_at=NOW, recorded_by=nurse,
        )  # fmt: skip


@pytest.mark.parametrize("rate", [None, Decimal("-0.1")])
def test_it_refuses_a_missing_or_negative_rate(personas, nurse, rate):
    with pytest.raises(ChartRefused, match="rate"):
        start_infusion(personas.patient, by=nurse, agent="dopamine", rate=rate, started_at=NOW)


def test_it_refuses_a_start_in_the_future(personas, nurse):
    with pytest.raises(ChartRefused, match="future"):
        start_infusion(
            personas.patient, by=nurse, agent="dopamine", rate=1, started_at=NOW + hours(1)
        )


# Rates over time ----------------------------------------------------------------------


def test_the_rate_at_an_instant_is_the_latest_charted_by_then(noradrenaline):
    infusion = Infusion.objects.with_rate_changes().get()
    assert infusion.rate_at(NOW - hours(7)) is None
    assert infusion.rate_at(NOW - hours(6)) == Decimal("0.05")
    assert infusion.rate_at(NOW - hours(4) - timedelta(seconds=1)) == Decimal("0.05")
    assert infusion.rate_at(NOW - hours(4)) == Decimal("0.1")
    assert infusion.rate_at(NOW) == Decimal("0.2")
    assert infusion.current_rate == Decimal("0.2")


def test_a_change_entered_in_error_no_longer_counts(noradrenaline, nurse):
    change = InfusionRateChange.objects.latest_first().first()
    mark_entered_in_error(change, by=nurse, reason="Wrong pump")
    infusion = Infusion.objects.with_rate_changes().get()
    assert infusion.rate_at(NOW) == Decimal("0.1")
    assert change.history.count() == 2


def test_the_rate_history_over_a_window_starts_with_the_rate_in_force(noradrenaline):
    infusion = Infusion.objects.get()
    assert infusion.rate_history(NOW - hours(5), NOW) == [
        (NOW - hours(5), Decimal("0.05")),
        (NOW - hours(4), Decimal("0.1")),
        (NOW - hours(2), Decimal("0.2")),
    ]
    assert infusion.rate_history(NOW - hours(3), NOW - hours(2)) == [
        (NOW - hours(3), Decimal("0.1"))
    ]


def test_the_rate_history_ends_at_the_stop(noradrenaline, nurse):
    stop_infusion(noradrenaline, by=nurse, at=NOW - hours(1))
    infusion = Infusion.objects.get()
    assert infusion.rate_at(NOW) is None
    assert infusion.rate_history(NOW - hours(1) + timedelta(minutes=1), NOW) == []


def test_the_pressor_dose_is_rising_when_the_highest_rate_is_above_the_starting_one(
    noradrenaline,
):
    assert noradrenaline.rising_over(3, NOW)
    assert Infusion.objects.pressor_rising(3, NOW) == [noradrenaline]


def test_a_steady_or_falling_rate_is_not_rising(noradrenaline, nurse):
    assert not noradrenaline.rising_over(1, NOW)  # 0.2 throughout the last hour
    change_rate(noradrenaline, by=nurse, rate=Decimal("0.1"), at=NOW - hours(0.5))
    assert not Infusion.objects.get().rising_over(1, NOW)
    assert Infusion.objects.pressor_rising(1, NOW) == []


def test_a_pressor_started_within_the_window_is_rising(personas, nurse):
    infusion = start_infusion(
        personas.patient, by=nurse, agent="vasopressin", rate=Decimal("0.03"),
        started_at=NOW - hours(1),
    )  # fmt: skip
    assert infusion.rising_over(2, NOW)


def test_an_inotrope_or_other_infusion_is_not_a_pressor(personas, nurse):
    start_infusion(
        personas.patient, by=nurse, agent="dobutamine", rate=5, started_at=NOW - hours(1)
    )
    assert not Infusion.objects.any_pressor_running(NOW)
    assert Infusion.objects.pressor_rising(2, NOW) == []


def test_running_infusions_at_an_instant(noradrenaline, personas, nurse):
    stop_infusion(noradrenaline, by=nurse, at=NOW - hours(1))
    running = Infusion.objects.for_patient(personas.patient).running_at
    assert list(running(NOW - hours(2))) == [noradrenaline]
    assert list(running(NOW)) == []
    assert Infusion.objects.any_pressor_running(NOW - hours(2))
    assert not Infusion.objects.any_pressor_running(NOW)


def test_an_infusion_entered_in_error_is_not_running(noradrenaline, nurse):
    mark_entered_in_error(noradrenaline, by=nurse, reason="Wrong patient")
    assert not Infusion.objects.any_pressor_running(NOW)
    assert not noradrenaline.rising_over(3, NOW)


# Changing and stopping --------------------------------------------------------------------


def test_it_refuses_a_change_on_a_stopped_infusion(noradrenaline, nurse):
    stop_infusion(noradrenaline, by=nurse, at=NOW - hours(1))
    with pytest.raises(ChartRefused, match="stopped"):
        change_rate(noradrenaline, by=nurse, rate=Decimal("0.3"), at=NOW)
    assert InfusionRateChange.objects.count() == 2


def test_it_refuses_a_change_before_the_start(noradrenaline, nurse):
    with pytest.raises(ChartRefused, match="before the infusion started"):
        change_rate(noradrenaline, by=nurse, rate=Decimal("0.3"), at=NOW - hours(7))


def test_it_refuses_a_change_on_an_infusion_entered_in_error(noradrenaline, nurse):
    mark_entered_in_error(noradrenaline, by=nurse, reason="Wrong patient")
    with pytest.raises(ChartRefused, match="entered in error"):
        change_rate(noradrenaline, by=nurse, rate=Decimal("0.3"), at=NOW)


def test_stopping_keeps_who_and_when_in_the_history(noradrenaline, nurse):
    stop_infusion(noradrenaline, by=nurse, at=NOW - hours(1))
    latest = noradrenaline.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Infusion stopped"
    assert latest.history_user == nurse
    assert latest.stopped_at == NOW - hours(1)


@pytest.mark.parametrize("at", [NOW - hours(3), NOW + hours(1)])
def test_it_refuses_a_stop_before_the_latest_change_or_in_the_future(noradrenaline, nurse, at):
    with pytest.raises(ChartRefused):
        stop_infusion(noradrenaline, by=nurse, at=at)
    assert Infusion.objects.get().stopped_at is None


def test_it_refuses_stopping_twice(noradrenaline, nurse):
    stop_infusion(noradrenaline, by=nurse, at=NOW - hours(1))
    with pytest.raises(ChartRefused, match="already stopped"):
        stop_infusion(noradrenaline, by=nurse, at=NOW)


def test_a_stop_in_error_is_withdrawn_and_the_infusion_runs_again(noradrenaline, nurse):
    stop_infusion(noradrenaline, by=nurse, at=NOW - hours(1))
    withdraw_stop(noradrenaline, by=nurse, reason="Stopped the wrong pump")
    infusion = Infusion.objects.get()
    assert infusion.is_running
    assert infusion.history.first().history_change_reason == (
        "Stop entered in error: Stopped the wrong pump"
    )
    assert [h.stopped_at for h in infusion.history.order_by("history_id")][-2:] == [
        NOW - hours(1),
        None,
    ]
    with pytest.raises(ChartRefused, match="not stopped"):
        withdraw_stop(infusion, by=nurse, reason="Again")


def test_a_rate_change_belongs_to_the_infusions_patient_and_course(noradrenaline, course):
    assert {(c.patient_id, c.course_id) for c in InfusionRateChange.objects.all()} == {
        (noradrenaline.patient_id, course.pk)
    }


# Events and durations --------------------------------------------------------------------


@pytest.fixture
def intubation(personas, nurse, course):
    return start_event(personas.patient, by=nurse, kind="intubation", started_at=NOW - hours(10))


def test_an_ongoing_event_lasts_until_now(intubation):
    assert intubation.is_ongoing
    assert intubation.duration(NOW) == hours(10)
    assert intubation.longer_than(9, NOW)
    assert not intubation.longer_than(10, NOW)


def test_an_ended_event_lasts_from_its_start_to_its_end(intubation, nurse):
    end_event(intubation, by=nurse, at=NOW - hours(4))
    event = ClinicalEvent.objects.get()
    assert event.duration(NOW + hours(100)) == hours(6)
    assert event.history.first().history_change_reason == "Event ended"


def test_a_duration_across_the_clocks_going_forward_is_the_hours_that_passed(personas, nurse):
    # New York's clocks go forward at 02:00 on 14 March 2027: noon to noon is 23 hours.
    new_york = ZoneInfo("America/New_York")
    event = ClinicalEvent(
        patient=personas.patient, kind="dialysis", recorded_by=nurse,
        taken_at=datetime(2027, 3, 13, 12, 0, tzinfo=new_york),
        ended_at=datetime(2027, 3, 14, 12, 0, tzinfo=new_york),
    )  # fmt: skip
    assert event.duration(NOW) == hours(23)
    ongoing = ClinicalEvent(
        patient=personas.patient, kind="dialysis", recorded_by=nurse,
        taken_at=datetime(2027, 3, 13, 12, 0, tzinfo=new_york),
    )  # fmt: skip
    assert ongoing.duration(datetime(2027, 3, 14, 12, 0, tzinfo=new_york)) == hours(23)


def test_it_refuses_an_end_before_the_start(intubation, nurse):
    with pytest.raises(ChartRefused, match="before the event started"):
        end_event(intubation, by=nurse, at=NOW - hours(11))
    assert ClinicalEvent.objects.get().is_ongoing


def test_it_refuses_ending_an_event_twice(intubation, nurse):
    end_event(intubation, by=nurse, at=NOW - hours(4))
    with pytest.raises(ChartRefused, match="already ended"):
        end_event(intubation, by=nurse, at=NOW)
    assert ClinicalEvent.objects.get().ended_at == NOW - hours(4)


def test_an_end_in_error_is_withdrawn_and_the_event_goes_on(intubation, nurse):
    end_event(intubation, by=nurse, at=NOW - hours(4))
    withdraw_end(intubation, by=nurse, reason="Extubation was the next day")
    assert ClinicalEvent.objects.get().is_ongoing


def test_an_other_event_is_named(personas, nurse):
    with pytest.raises(ChartRefused, match="Name the event"):
        start_event(personas.patient, by=nurse, kind="other", started_at=NOW)
    event = start_event(
        personas.patient, by=nurse, kind="other", other_name="Chest drain", started_at=NOW
    )
    assert event.name == "Chest drain"


@pytest.mark.parametrize(
    ("kind", "limit"), [("intubation", 72), ("dialysis", 72), ("coma_psychosis", 48)]
)
def test_a_label_threshold_is_passed_only_after_more_than_its_hours(personas, nurse, kind, limit):
    event = ClinicalEvent(patient=personas.patient, kind=kind, taken_at=NOW, recorded_by=nurse)
    assert event.thresholds_passed(NOW + hours(limit)) == []
    passed = event.thresholds_passed(NOW + hours(limit) + timedelta(seconds=1))
    assert [(t.kind, t.hours) for t in passed] == [(kind, limit)]


@pytest.mark.parametrize("kind", ["icu_transfer", "seizure"])
def test_other_events_have_no_label_threshold(personas, nurse, kind):
    event = ClinicalEvent(patient=personas.patient, kind=kind, taken_at=NOW, recorded_by=nurse)
    assert event.thresholds_passed(NOW + hours(500)) == []


def test_an_event_entered_in_error_passes_no_threshold(intubation, nurse):
    mark_entered_in_error(intubation, by=nurse, reason="Wrong patient")
    assert intubation.thresholds_passed(NOW + hours(100)) == []
    assert ClinicalEvent.objects.past_label_threshold(NOW + hours(100)) == []


def test_the_events_past_a_threshold_are_listed(intubation):
    assert ClinicalEvent.objects.past_label_threshold(NOW + hours(62)) == []
    assert ClinicalEvent.objects.past_label_threshold(NOW + hours(63)) == [intubation]

"""The infusions and events pages: who may read and chart, what they show, bad input."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.observations.infusions import (
    change_rate,
    end_event,
    start_event,
    start_infusion,
    stop_infusion,
)
from tracker.observations.models import ClinicalEvent, Infusion, InfusionRateChange

# 07:00 in New York, the patient's zone (EST, UTC-5).
NOW = datetime(2027, 3, 11, 12, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-11 12:00Z")]

CHARTERS = ["nurse_on_team", "clinician_on_team"]
READERS = ["the_patient", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]

START_NORADRENALINE = {
    "agent": "norepinephrine",
    "rate": "0.05",
    "date": "2027-03-11",
    "time": "06:30",
    "note": "",
}
START_INTUBATION = {"kind": "intubation", "date": "2027-03-11", "time": "06:00"}


def hours(n):
    return timedelta(hours=n)


@pytest.fixture
def infusion(personas, course):
    return start_infusion(
        personas.patient,
        by=personas.nurse_on_team,
        agent="norepinephrine",
        rate=Decimal("0.05"),
        started_at=NOW - hours(3),
    )


@pytest.fixture
def event(personas, course):
    return start_event(
        personas.patient, by=personas.nurse_on_team, kind="intubation", started_at=NOW - hours(5)
    )


def infusions_url(personas):
    return f"/patients/{personas.patient.pk}/chart/infusions/"


def events_url(personas):
    return f"/patients/{personas.patient.pk}/chart/events/"


# Infusions ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_starts_an_infusion_on_the_patients_clock(as_persona, personas, name):
    client = as_persona(name)
    assert "Start the infusion" in client.get(infusions_url(personas)).text
    response = client.post(infusions_url(personas), START_NORADRENALINE)
    assert response.status_code == 302
    infusion = Infusion.objects.get()
    assert infusion.taken_at == datetime(2027, 3, 11, 11, 30, tzinfo=UTC)
    assert infusion.dose_unit == "mcg/kg/min"
    page = client.get(infusions_url(personas)).text
    assert "Now at 0.05 µg/kg/min" in page


def test_the_page_shows_the_current_rate_its_history_and_the_forms(as_persona, personas, infusion):
    change_rate(infusion, by=personas.nurse_on_team, rate=Decimal("0.12"), at=NOW - hours(1))
    page = as_persona("nurse_on_team").get(infusions_url(personas)).text
    assert "Now at 0.12 µg/kg/min" in page
    assert "started at 0.05 µg/kg/min" in page
    assert f"/chart/infusions/{infusion.pk}/rate/" in page
    assert f"/chart/infusions/{infusion.pk}/stop/" in page
    assert "Pressor" in page


def test_a_nurse_changes_the_rate_and_stops_the_infusion(as_persona, personas, infusion):
    client = as_persona("nurse_on_team")
    response = client.post(
        f"/chart/infusions/{infusion.pk}/rate/",
        {"rate": "0.1", "date": "2027-03-11", "time": "06:00"},
    )
    assert response.status_code == 302
    assert InfusionRateChange.objects.get().rate == Decimal("0.1")
    response = client.post(
        f"/chart/infusions/{infusion.pk}/stop/", {"date": "2027-03-11", "time": "06:45"}
    )
    assert response.status_code == 302
    infusion.refresh_from_db()
    assert infusion.stopped_at == datetime(2027, 3, 11, 11, 45, tzinfo=UTC)
    page = client.get(infusions_url(personas)).text
    assert "No infusion is running." in page
    assert "Stop entered in error?" in page


def test_a_change_on_a_stopped_infusion_is_refused_with_a_message(as_persona, personas, infusion):
    stop_infusion(infusion, by=personas.nurse_on_team, at=NOW - hours(1))
    response = as_persona("nurse_on_team").post(
        f"/chart/infusions/{infusion.pk}/rate/",
        {"rate": "0.1", "date": "2027-03-11", "time": "06:50"},
    )
    assert response.status_code == 200
    assert "This infusion is stopped." in response.text
    assert not InfusionRateChange.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**START_NORADRENALINE, "rate": "-1"}, "0 or more"),
        ({**START_NORADRENALINE, "rate": "lots"}, "as a number"),
        ({**START_NORADRENALINE, "rate": "1" * 20}, "too large"),
        ({**START_NORADRENALINE, "agent": "caffeine"}, "Select a valid choice"),
        ({**START_NORADRENALINE, "agent": "other"}, "Name the infusion"),
        ({**START_NORADRENALINE, "time": "09:00"}, "in the future"),
        ({**START_NORADRENALINE, "date": "2027-02-30"}, "Enter a valid date"),
        ({**START_NORADRENALINE, "date": ""}, "Enter the date"),
        ({**START_NORADRENALINE, "date": "2027-03-14", "time": "02:30"}, "does not exist"),
    ],
)
def test_bad_input_is_shown_and_nothing_is_charted(as_persona, personas, data, message):
    response = as_persona("nurse_on_team").post(infusions_url(personas), data)
    assert response.status_code == 200
    assert message in response.text
    assert not Infusion.objects.exists()


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_read_but_may_not_chart(as_persona, personas, infusion, name):
    client = as_persona(name)
    page = client.get(infusions_url(personas))
    assert page.status_code == 200
    assert "Norepinephrine" in page.text
    assert "Start the infusion" not in page.text
    assert f"/chart/infusions/{infusion.pk}/rate/" not in page.text
    assert client.post(infusions_url(personas), START_NORADRENALINE).status_code == 403
    for action in ("rate", "stop", "error", "stop/error"):
        assert client.get(f"/chart/infusions/{infusion.pk}/{action}/").status_code == 403
    assert Infusion.objects.count() == 1


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_out_of_scope_is_404(as_persona, personas, infusion, event, name):
    client = as_persona(name)
    assert client.get(infusions_url(personas)).status_code == 404
    assert client.get(events_url(personas)).status_code == 404
    assert client.post(f"/chart/infusions/{infusion.pk}/stop/", {}).status_code == 404
    assert client.post(f"/chart/events/{event.pk}/end/", {}).status_code == 404
    assert client.get(f"/chart/infusions/{infusion.pk}/error/").status_code == 404
    assert client.get(f"/chart/events/{event.pk}/error/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, personas, infusion, event):
    for path in (
        infusions_url(personas),
        events_url(personas),
        f"/chart/infusions/{infusion.pk}/error/",
        f"/chart/events/{event.pk}/end/",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith("/login/")


def test_an_infusion_entered_in_error_stays_struck_through(as_persona, personas, infusion):
    client = as_persona("nurse_on_team")
    response = client.post(
        f"/chart/infusions/{infusion.pk}/error/", {"reason": "Charted on the wrong patient"}
    )
    assert response.status_code == 302
    infusion.refresh_from_db()
    assert not infusion.is_active
    page = client.get(infusions_url(personas)).text
    assert "record-entered-in-error" in page
    assert "Charted on the wrong patient" in page
    again = client.post(f"/chart/infusions/{infusion.pk}/error/", {"reason": "Again"})
    assert "already marked as entered in error" in again.text


def test_a_rate_change_entered_in_error_no_longer_sets_the_rate(as_persona, personas, infusion):
    change = change_rate(infusion, by=personas.nurse_on_team, rate=Decimal("0.3"), at=NOW)
    client = as_persona("clinician_on_team")
    response = client.post(
        f"/chart/infusions/changes/{change.pk}/error/", {"reason": "Wrong pump"}
    )
    assert response.status_code == 302
    assert "Now at 0.05 µg/kg/min" in client.get(infusions_url(personas)).text


def test_a_stop_in_error_is_withdrawn_from_the_page(as_persona, personas, infusion):
    stop_infusion(infusion, by=personas.nurse_on_team, at=NOW - hours(1))
    client = as_persona("nurse_on_team")
    response = client.post(
        f"/chart/infusions/{infusion.pk}/stop/error/", {"reason": "Wrong pump stopped"}
    )
    assert response.status_code == 302
    infusion.refresh_from_db()
    assert infusion.is_running


def test_an_empty_reason_marks_nothing(as_persona, infusion):
    response = as_persona("nurse_on_team").post(
        f"/chart/infusions/{infusion.pk}/error/", {"reason": "  "}
    )
    assert response.status_code == 200
    infusion.refresh_from_db()
    assert infusion.is_active


def test_the_infusions_page_runs_as_many_queries_for_many_infusions_as_for_one(
    as_persona, personas, course
):
    client = as_persona("nurse_on_team")

    def add(n):
        for k in range(n):
            infusion = start_infusion(
                personas.patient,
                by=personas.nurse_on_team,
                agent="dopamine",
                rate=Decimal("2"),
                started_at=NOW - hours(10) + timedelta(minutes=k),
            )
            change_rate(infusion, by=personas.nurse_on_team, rate=Decimal("4"), at=NOW)
            if k % 2:
                stop_infusion(infusion, by=personas.nurse_on_team, at=NOW)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(infusions_url(personas)).status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(8)
    assert count() == few


# Events ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_charts_an_event_and_its_end(as_persona, personas, name):
    client = as_persona(name)
    assert client.post(events_url(personas), START_INTUBATION).status_code == 302
    event = ClinicalEvent.objects.get()
    page = client.get(events_url(personas)).text
    assert "1 h 00 min so far" in page
    response = client.post(
        f"/chart/events/{event.pk}/end/", {"date": "2027-03-11", "time": "06:30"}
    )
    assert response.status_code == 302
    page = client.get(events_url(personas)).text
    assert "No event is ongoing." in page
    assert "6 h 00 min" not in page
    assert ": 30 min" in page


def test_an_end_before_the_start_is_refused_with_a_message(as_persona, event):
    response = as_persona("nurse_on_team").post(
        f"/chart/events/{event.pk}/end/", {"date": "2027-03-10", "time": "06:30"}
    )
    assert response.status_code == 200
    assert "before the event started" in response.text
    event.refresh_from_db()
    assert event.is_ongoing


def test_ending_an_ended_event_is_refused(as_persona, personas, event):
    end_event(event, by=personas.nurse_on_team, at=NOW - hours(1))
    response = as_persona("nurse_on_team").post(
        f"/chart/events/{event.pk}/end/", {"date": "2027-03-11", "time": "06:50"}
    )
    assert response.status_code == 200
    assert "already ended" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "", "date": "2027-03-11", "time": "06:00"}, "This field is required"),
        ({"kind": "other", "date": "2027-03-11", "time": "06:00"}, "Name the event"),
        ({"kind": "seizure", "date": "2027-03-11", "time": "25:00"}, "Enter a valid time"),
        ({"kind": "seizure", "date": "2027-03-01", "time": "06:00"}, "more than 168 hours ago"),
    ],
)
def test_bad_event_input_is_shown_and_nothing_is_charted(as_persona, personas, data, message):
    response = as_persona("nurse_on_team").post(events_url(personas), data)
    assert response.status_code == 200
    assert message in response.text
    assert not ClinicalEvent.objects.exists()


@pytest.mark.now("2027-03-14 13:00Z")
def test_an_intubation_past_72_hours_is_flagged_in_words(as_persona, personas, course, clock):
    nurse = personas.nurse_on_team
    started = datetime(2027, 3, 11, 12, 0, tzinfo=UTC)
    clock.move_to(started)
    start_event(personas.patient, by=nurse, kind="intubation", started_at=started)
    clock.move_to(started + hours(72))
    page = as_persona("nurse_on_team").get(events_url(personas)).text
    assert "Label threshold passed" not in page
    clock.move_to(started + hours(73))
    page = as_persona("nurse_on_team").get(events_url(personas)).text
    assert "Label threshold passed:</strong> Intubated for more than 72 hours" in page


@pytest.mark.parametrize("name", READERS)
def test_readers_see_events_but_may_not_chart_them(as_persona, personas, event, name):
    client = as_persona(name)
    page = client.get(events_url(personas))
    assert page.status_code == 200
    assert "Intubation" in page.text
    assert "Chart the end" not in page.text
    assert client.post(events_url(personas), START_INTUBATION).status_code == 403
    assert client.post(f"/chart/events/{event.pk}/end/", {}).status_code == 403
    assert client.get(f"/chart/events/{event.pk}/error/").status_code == 403
    assert ClinicalEvent.objects.count() == 1


def test_an_event_entered_in_error_stays_struck_through(as_persona, personas, event):
    client = as_persona("nurse_on_team")
    response = client.post(f"/chart/events/{event.pk}/error/", {"reason": "Wrong patient"})
    assert response.status_code == 302
    page = client.get(events_url(personas)).text
    assert "record-entered-in-error" in page
    assert "No event is ongoing." in page


def test_an_end_in_error_is_withdrawn_from_the_page(as_persona, personas, event):
    end_event(event, by=personas.nurse_on_team, at=NOW - hours(1))
    response = as_persona("nurse_on_team").post(
        f"/chart/events/{event.pk}/end/error/", {"reason": "Still intubated"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.is_ongoing


def test_the_events_page_runs_as_many_queries_for_many_events_as_for_one(
    as_persona, personas, course
):
    client = as_persona("nurse_on_team")

    def add(n):
        for k in range(n):
            event = start_event(
                personas.patient,
                by=personas.nurse_on_team,
                kind="dialysis",
                started_at=NOW - hours(10) + timedelta(minutes=k),
            )
            if k % 2:
                end_event(event, by=personas.nurse_on_team, at=NOW)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(events_url(personas)).status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(8)
    assert count() == few

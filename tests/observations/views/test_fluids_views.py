"""The fluid and weight pages: who reads and charts, what they show, bad input, corrections."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.observations.charting import mark_entered_in_error
from tracker.observations.fluids import chart_fluid, chart_weight
from tracker.observations.models import FluidEntry, WeightEntry

# 10:00 in New York (EST) on 12 March 2027; the course's first dose was on the 10th.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal
H = timedelta(hours=1)

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
CHARTERS = ["nurse_on_team", "clinician_on_team"]
READERS = ["the_patient", "admin"]


def fluids_url(patient):
    return f"/patients/{patient.pk}/chart/fluids/"


def weight_url(patient):
    return f"/patients/{patient.pk}/chart/weight/"


def fluid_posted(**changes):
    return {
        "kind": "iv_fluid",
        "volume_ml": "500",
        "taken_date": "2027-03-12",
        "taken_time": "09:30",
        "since_time": "08:30",
        "note": "",
        **changes,
    }


def weight_posted(**changes):
    return {
        "weight_kg": "73.5",
        "taken_date": "2027-03-12",
        "taken_time": "09:30",
        "note": "",
        **changes,
    }


def add_fluid(personas, *, hours_ago=1, kind="oral", volume=200, **fields):
    direction = "output" if kind in {"urine", "drain", "stool", "vomit"} else "intake"
    taken = NOW - hours_ago * H
    if kind == "urine":
        fields.setdefault("period_start", taken - H)
    return chart_fluid(
        personas.patient,
        by=personas.nurse_on_team,
        direction=direction,
        kind=kind,
        volume_ml=volume,
        taken_at=taken,
        **fields,
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Who reads the pages.


@pytest.mark.parametrize("url", [fluids_url, weight_url])
@pytest.mark.parametrize("name", IN_SCOPE)
def test_the_pages_are_shown_in_scope(as_persona, personas, name, url):
    response = as_persona(name).get(url(personas.patient))
    assert response.status_code == 200
    assert (response.context["form"] is not None) is (name in CHARTERS)


@pytest.mark.parametrize("url", [fluids_url, weight_url])
@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_the_pages_are_404_out_of_scope(as_persona, personas, name, url):
    assert as_persona(name).get(url(personas.patient)).status_code == 404


@pytest.mark.parametrize("url", [fluids_url, weight_url])
def test_the_pages_send_anonymous_visitors_to_login(client, personas, url):
    response = client.get(url(personas.patient))
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_an_unknown_patient_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/patients/999999/chart/fluids/").status_code == 404


# Who charts.


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_charts_a_fluid(as_persona, personas, course, name):
    response = as_persona(name).post(fluids_url(personas.patient), fluid_posted())
    assert response.status_code == 302
    entry = FluidEntry.objects.get()
    assert (entry.direction, entry.kind, entry.volume_ml, entry.course) == (
        "intake",
        "iv_fluid",
        500,
        course,
    )
    assert entry.taken_at == datetime(2027, 3, 12, 14, 30, tzinfo=UTC)  # 09:30 EST
    assert entry.period_start is None


@pytest.mark.parametrize("url", [fluids_url, weight_url])
@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_may_not_chart(as_persona, personas, name, url):
    data = fluid_posted() if url is fluids_url else weight_posted()
    assert as_persona(name).post(url(personas.patient), data).status_code == 403
    assert not FluidEntry.objects.exists() and not WeightEntry.objects.exists()


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_charting_out_of_scope_is_404(as_persona, personas, name):
    response = as_persona(name).post(fluids_url(personas.patient), fluid_posted())
    assert response.status_code == 404
    assert not FluidEntry.objects.exists()


def test_anonymous_charting_goes_to_login(client, personas):
    assert client.post(fluids_url(personas.patient), fluid_posted()).status_code == 302
    assert not FluidEntry.objects.exists()


def test_urine_is_charted_over_the_period_since_the_time_given(as_persona, personas):
    as_persona("nurse_on_team").post(
        fluids_url(personas.patient), fluid_posted(kind="urine", volume_ml="0")
    )
    entry = FluidEntry.objects.get()
    assert (entry.direction, entry.volume_ml) == ("output", 0)
    assert entry.period_start == datetime(2027, 3, 12, 13, 30, tzinfo=UTC)


def test_urine_since_a_later_clock_time_started_the_day_before(as_persona, personas):
    as_persona("nurse_on_team").post(
        fluids_url(personas.patient), fluid_posted(kind="urine", since_time="22:00")
    )
    assert FluidEntry.objects.get().period_start == datetime(2027, 3, 12, 3, 0, tzinfo=UTC)


def test_the_urine_period_offered_starts_at_the_last_urine_entry(as_persona, personas):
    add_fluid(personas, kind="urine", hours_ago=3)  # 07:00 EST
    response = as_persona("nurse_on_team").get(fluids_url(personas.patient))
    assert 'name="since_time" value="07:00"' in response.text


def test_without_urine_charted_the_period_offered_is_the_last_hour(as_persona, personas):
    response = as_persona("nurse_on_team").get(fluids_url(personas.patient))
    assert 'name="since_time" value="09:00"' in response.text


# Bad input: a message, nothing written, never a 500.


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"volume_ml": "abc"}, "volume_ml"),
        ({"volume_ml": "-1"}, "volume_ml"),
        ({"volume_ml": "99999999999999999999"}, "volume_ml"),
        ({"volume_ml": "7000"}, "volume_ml"),  # refused by the operation
        ({"volume_ml": "0"}, "volume_ml"),  # only urine may be nil
        ({"kind": ""}, "kind"),
        ({"kind": "blood"}, "kind"),
        ({"taken_time": "25:99"}, "taken_time"),
        ({"taken_date": "2027-02-30"}, "taken_date"),
        ({"taken_time": "11:30"}, "taken_at"),  # in the future
        ({"taken_date": "2027-03-10"}, "taken_at"),  # too long ago
        ({"kind": "urine", "since_time": ""}, "since_time"),
        ({"kind": "urine", "since_time": "nope"}, "since_time"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_bad_fluid_input_is_refused_with_a_message_and_nothing_written(
    as_persona, personas, changes, field
):
    response = as_persona("nurse_on_team").post(
        fluids_url(personas.patient), fluid_posted(**changes)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field in form.fields:
        assert field in form.errors
    else:
        assert form.non_field_errors()
    assert not FluidEntry.objects.exists()


def test_urine_over_an_hour_already_charted_is_refused_beside_the_period(as_persona, personas):
    add_fluid(personas, kind="urine", hours_ago=0.5, period_start=NOW - 2 * H)
    response = as_persona("nurse_on_team").post(
        fluids_url(personas.patient), fluid_posted(kind="urine")
    )
    assert "Urine is already charted from" in str(response.context["form"].errors)
    assert FluidEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight_kg": "abc"}, "weight_kg"),
        ({"weight_kg": "7350"}, "weight_kg"),
        ({"weight_kg": "73.55"}, "weight_kg"),
        ({"weight_kg": "12"}, "weight_kg"),  # refused by the operation
        ({"weight_kg": ""}, "weight_kg"),
        ({"taken_time": "11:30"}, "taken_at"),
    ],
)
def test_bad_weight_input_is_refused_with_a_message_and_nothing_written(
    as_persona, personas, changes, field
):
    response = as_persona("nurse_on_team").post(
        weight_url(personas.patient), weight_posted(**changes)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert (field in form.errors) if field in form.fields else form.non_field_errors()
    assert not WeightEntry.objects.exists()


# What the fluid page shows.


def test_the_fluid_page_shows_the_shift_and_24_hour_balance_without_entries_in_error(
    as_persona, personas
):
    add_fluid(personas, kind="iv_fluid", volume=1000, hours_ago=2)  # 08:00 EST: day shift
    add_fluid(personas, kind="vomit", volume=150, hours_ago=1)
    add_fluid(personas, kind="oral", volume=300, hours_ago=5)  # 05:00 EST: night shift
    wrong = add_fluid(personas, kind="oral", volume=999, hours_ago=1)
    mark_entered_in_error(wrong, by=personas.nurse_on_team, reason="Charted twice")

    response = as_persona("nurse_on_team").get(fluids_url(personas.patient))
    shift, day = response.context["shift"], response.context["day"]
    assert (shift.intake_ml, shift.output_ml, shift.balance_ml) == (1000, 150, 850)
    assert (day.intake_ml, day.output_ml, day.balance_ml) == (1300, 150, 1150)
    text = text_of(response)
    assert "Day shift so far (from 07:00)" in text
    assert "+1150" in text
    # The entry in error is listed, struck through and said so in words.
    assert 'class="record-entered-in-error">999</span>' in text
    assert "Entered in error</span>" in text
    assert "Charted twice" in text


def test_the_fluid_page_lists_entries_newest_first(as_persona, personas):
    older = add_fluid(personas, hours_ago=3)
    newer = add_fluid(personas, hours_ago=1)
    response = as_persona("the_patient").get(fluids_url(personas.patient))
    assert response.context["entries"] == [newer, older]


def test_the_fluid_page_says_low_urine_in_words(as_persona, personas, course):
    for k in range(6):
        add_fluid(personas, kind="urine", volume=5, hours_ago=k)
    text = text_of(as_persona("nurse_on_team").get(fluids_url(personas.patient)))
    assert "<strong>5.0 mL/h</strong>" in text
    assert "0.07 mL/kg/h against the admission weight 70.0 kg" in text
    assert "Low: below 10 mL/h" in text


def test_the_fluid_page_says_no_data_when_no_urine_is_charted(as_persona, personas):
    text = text_of(as_persona("nurse_on_team").get(fluids_url(personas.patient)))
    assert "No data: no urine period charted wholly in the last 6 hours." in text


def test_the_fluid_page_runs_as_many_queries_for_many_entries_as_for_few(as_persona, personas):
    client = as_persona("nurse_on_team")
    add_fluid(personas, kind="urine", hours_ago=1)
    add_fluid(personas, hours_ago=2)
    client.get(fluids_url(personas.patient))
    with CaptureQueriesContext(connection) as few:
        client.get(fluids_url(personas.patient))
    for k in range(3, 20):
        add_fluid(personas, kind="urine", hours_ago=k)
        add_fluid(personas, kind="oral", hours_ago=k)
    with CaptureQueriesContext(connection) as many:
        response = client.get(fluids_url(personas.patient))
    assert len(response.context["entries"]) == 36
    assert len(many) == len(few)


# What the weight page shows.


def test_the_weight_page_shows_the_change_from_the_admission_weight_and_its_date(
    as_persona, personas, course
):
    chart_weight(personas.patient, by=personas.nurse_on_team, weight_kg=D("77.0"), taken_at=NOW)
    text = text_of(as_persona("the_patient").get(weight_url(personas.patient)))
    assert "Admission weight: <strong>70.0 kg</strong>, weighed 10 Mar 2027" in text
    assert "+10.0% from 70.0 kg" in text


def test_charting_a_weight_says_the_change(as_persona, personas, course):
    client = as_persona("clinician_on_team")
    response = client.post(weight_url(personas.patient), weight_posted(), follow=True)
    assert WeightEntry.objects.get().weight_kg == D("73.5")
    assert "Weight 73.5 kg charted. +5.0% from the admission weight." in response.text


def test_the_weight_page_without_a_course_says_there_is_no_admission_weight(as_persona, personas):
    chart_weight(personas.patient, by=personas.nurse_on_team, weight_kg=D("70.0"), taken_at=NOW)
    text = text_of(as_persona("nurse_on_team").get(weight_url(personas.patient)))
    assert "there is no admission weight" in text
    assert "No admission weight" in text


def test_the_weight_page_runs_as_many_queries_for_many_entries_as_for_few(
    as_persona, personas, course
):
    client = as_persona("nurse_on_team")

    def weigh(hours_ago):
        chart_weight(
            personas.patient,
            by=personas.nurse_on_team,
            weight_kg=D("71.0"),
            taken_at=NOW - hours_ago * H,
        )

    weigh(1)
    client.get(weight_url(personas.patient))
    with CaptureQueriesContext(connection) as few:
        client.get(weight_url(personas.patient))
    for k in range(2, 20):
        weigh(k)
    with CaptureQueriesContext(connection) as many:
        client.get(weight_url(personas.patient))
    assert len(many) == len(few)


# Entered in error.


def fluid_error_url(entry):
    return f"/chart/fluids/{entry.pk}/error/"


def weight_error_url(entry):
    return f"/chart/weight/{entry.pk}/error/"


@pytest.mark.parametrize("name", CHARTERS)
def test_the_care_team_marks_a_fluid_entry_in_error_and_it_leaves_the_balance(
    as_persona, personas, name
):
    entry = add_fluid(personas, volume=400)
    client = as_persona(name)
    assert client.get(fluid_error_url(entry)).status_code == 200
    response = client.post(fluid_error_url(entry), {"reason": "Wrong patient"})
    assert response.status_code == 302
    assert response.url == fluids_url(personas.patient)
    entry.refresh_from_db()
    assert (entry.state, entry.error_reason) == ("entered_in_error", "Wrong patient")
    assert client.get(fluids_url(personas.patient)).context["day"].intake_ml == 0


def test_the_care_team_marks_a_weight_in_error(as_persona, personas):
    entry = chart_weight(
        personas.patient, by=personas.nurse_on_team, weight_kg=D("70.0"), taken_at=NOW
    )
    response = as_persona("nurse_on_team").post(weight_error_url(entry), {"reason": "Shoes on"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == "entered_in_error"


@pytest.mark.parametrize("name", READERS)
def test_the_patient_and_the_admin_may_not_mark_in_error(as_persona, personas, name):
    entry = add_fluid(personas)
    client = as_persona(name)
    assert client.get(fluid_error_url(entry)).status_code == 403
    assert client.post(fluid_error_url(entry), {"reason": "x"}).status_code == 403
    entry.refresh_from_db()
    assert entry.is_active


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_marking_out_of_scope_is_404(as_persona, personas, name):
    entry = add_fluid(personas)
    assert as_persona(name).post(fluid_error_url(entry), {"reason": "x"}).status_code == 404


def test_marking_needs_a_reason_and_an_entry_already_marked_says_so(as_persona, personas):
    entry = add_fluid(personas)
    client = as_persona("nurse_on_team")
    response = client.post(fluid_error_url(entry), {"reason": ""})
    assert response.status_code == 200
    assert "Say why it is wrong." in response.text
    mark_entered_in_error(entry, by=personas.nurse_on_team, reason="Wrong bag")
    response = client.post(fluid_error_url(entry), {"reason": "again"})
    assert "This fluid entry is already marked entered in error." in response.text
    entry.refresh_from_db()
    assert entry.error_reason == "Wrong bag"


def test_an_unknown_entry_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/chart/fluids/999999/error/").status_code == 404
    assert as_persona("nurse_on_team").get("/chart/weight/999999/error/").status_code == 404

"""The wards' on-call rotas: who reads them, who edits them, and the ward's clock."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import WardFactory, make_shift, make_user
from tracker.accounts.roles import Role
from tracker.alerts.models import OnCallShift

# Thursday 28 October 2027, 13:00 in London (BST); the clocks go back on Sunday the 31st.
NOW = datetime(2027, 10, 28, 12, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]

STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
EDITORS = ["clinician_on_team", "clinician_off_team", "admin"]
NURSES = ["nurse_on_team", "nurse_off_team"]
PATIENTS = ["the_patient", "other_patient"]


@pytest.fixture
def ward():
    return WardFactory(name="Ward 7", time_zone="Europe/London")


@pytest.fixture
def night(ward, personas):
    """The nurse on call tonight, 20:00 to 08:00 London time."""
    return make_shift(
        ward,
        personas.nurse_on_team,
        datetime(2027, 10, 28, 19, 0, tzinfo=UTC),
        datetime(2027, 10, 29, 7, 0, tzinfo=UTC),
    )


def rota_url(ward):
    return f"/wards/{ward.pk}/on-call/"


def add_url(ward):
    return f"/wards/{ward.pk}/on-call/add/"


def cancel_url(shift):
    return f"/wards/{shift.ward_id}/on-call/{shift.pk}/cancel/"


def shift_form(person, start=("2027-10-28", "20:00"), end=("2027-10-29", "08:00")):
    return {
        "person": person.pk,
        "start_date": start[0],
        "start_time": start[1],
        "end_date": end[0],
        "end_time": end[1],
    }


# Who reads the rota.


@pytest.mark.parametrize("name", STAFF)
def test_staff_read_the_rota_and_the_list_of_wards(
    as_persona, ward, night, name, django_assert_max_num_queries
):
    client = as_persona(name)
    with django_assert_max_num_queries(12):
        response = client.get(rota_url(ward))
    assert response.status_code == 200
    assert "On call for Ward 7" in response.text
    assert str(night.person) in response.text
    with django_assert_max_num_queries(10):
        wards = client.get("/wards/")
    assert wards.status_code == 200
    assert f'href="{rota_url(ward)}"' in wards.text


@pytest.mark.parametrize("name", PATIENTS)
def test_patients_may_not_read_a_rota(as_persona, ward, name):
    client = as_persona(name)
    assert client.get(rota_url(ward)).status_code == 403
    assert client.get("/wards/").status_code == 403
    assert client.get(add_url(ward)).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, ward, night):
    for path in (rota_url(ward), "/wards/", add_url(ward), cancel_url(night)):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url == f"/login/?next={path}"


def test_a_ward_that_does_not_exist_is_404(as_persona):
    assert as_persona("nurse_on_team").get("/wards/999/on-call/").status_code == 404


@pytest.mark.parametrize("name", ["clinician_on_team", "nurse_on_team"])
def test_staff_see_the_on_call_link(as_persona, name):
    assert 'href="/wards/"' in as_persona(name).get("/alerts/").text


# What the rota shows, on the ward's clock.


def test_it_shows_who_is_on_call_now_in_the_wards_time(as_persona, personas, ward):
    make_shift(
        ward,
        personas.clinician_on_team,
        datetime(2027, 10, 28, 7, 0, tzinfo=UTC),
        datetime(2027, 10, 28, 19, 0, tzinfo=UTC),
    )
    response = as_persona("nurse_on_team").get(rota_url(ward))
    rota = response.context["rota"]
    assert [s.person for s in rota.on_call_now] == [personas.clinician_on_team]
    assert "Europe/London" in response.text
    assert "until <time" in response.text
    assert "Thu 28 Oct, 20:00 BST" in response.text


def test_no_one_on_call_now_says_the_care_team_is_told(as_persona, ward, night):
    response = as_persona("nurse_on_team").get(rota_url(ward))
    assert response.context["rota"].on_call_now == []
    assert "No one" in response.text
    assert "go to each patient's whole care team" in response.text


def test_the_gaps_are_shown_on_the_wards_clock(as_persona, ward, night):
    response = as_persona("nurse_on_team").get(rota_url(ward))
    coming = response.context["rota"].coming
    # Now (13:00) to 20:00 uncovered, the night shift, then nothing for 14 days.
    assert [line.is_gap for line in coming] == [True, False, True]
    assert coming[0].ends_at == night.starts_at
    assert coming[2].starts_at == night.ends_at
    assert "No one on call Fri 29 Oct 08:00–Thu 11 Nov 12:00:</strong>" in response.text
    assert "alerts go to the whole care team" in response.text


def test_overlapping_shifts_are_allowed_and_shown(as_persona, personas, ward, night):
    client = as_persona("clinician_on_team")
    response = client.post(
        add_url(ward),
        shift_form(personas.clinician_on_team, ("2027-10-29", "06:00"), ("2027-10-29", "18:00")),
    )
    assert response.status_code == 302
    page = client.get(rota_url(ward))
    overlapping = [line for line in page.context["rota"].coming if line.overlaps]
    assert {line.shift.person for line in overlapping} == {
        personas.nurse_on_team,
        personas.clinician_on_team,
    }
    assert page.text.count("Overlaps another shift") == 2


def test_the_last_7_days_are_listed_latest_first(as_persona, personas, ward):
    nurse = personas.nurse_on_team
    older = make_shift(ward, nurse, NOW - timedelta(days=5), NOW - timedelta(days=4, hours=12))
    newer = make_shift(ward, nurse, NOW - timedelta(days=2), NOW - timedelta(days=1, hours=12))
    make_shift(ward, nurse, NOW - timedelta(days=9), NOW - timedelta(days=8))
    past = as_persona("nurse_on_team").get(rota_url(ward)).context["rota"].past
    assert [line.shift for line in past if not line.is_gap] == [newer, older]


# Adding a shift.


def test_a_clinician_adds_a_shift_across_the_clocks_going_back(as_persona, personas, ward):
    """Saturday 20:00 BST to Sunday 08:00 GMT: 13 hours, as the wall clock does not say."""
    response = as_persona("clinician_on_team").post(
        add_url(ward),
        shift_form(personas.nurse_on_team, ("2027-10-30", "20:00"), ("2027-10-31", "08:00")),
    )
    assert response.status_code == 302
    assert response.url == rota_url(ward)
    shift = OnCallShift.objects.get()
    assert shift.starts_at == datetime(2027, 10, 30, 19, 0, tzinfo=UTC)
    assert shift.ends_at == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)
    assert shift.ends_at - shift.starts_at == timedelta(hours=13)
    assert shift.created_by == personas.clinician_on_team
    assert shift.history.get().history_change_reason == "Added to the rota"


def test_the_form_shows_the_wards_zone_and_offers_clinicians_and_nurses(
    as_persona, personas, ward
):
    make_user(Role.NURSE, username="retired", is_active=False)
    response = as_persona("admin").get(add_url(ward))
    assert response.status_code == 200
    assert "Europe/London" in response.text
    people = set(response.context["form"].fields["person"].queryset)
    assert people == {
        personas.nurse_on_team,
        personas.nurse_off_team,
        personas.clinician_on_team,
        personas.clinician_off_team,
    }


@pytest.mark.now("2028-03-24 12:00Z")
def test_a_time_the_clocks_skip_is_refused_and_nothing_is_written(as_persona, personas, ward):
    # 26 March 2028: London's clocks go from 01:00 straight to 02:00.
    response = as_persona("clinician_on_team").post(
        add_url(ward),
        shift_form(personas.nurse_on_team, ("2028-03-26", "01:30"), ("2028-03-26", "09:00")),
    )
    assert response.status_code == 200
    assert "01:30 does not exist on 26 Mar 2028 in Europe/London" in response.text
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize(
    "start, end, message",
    [
        (("2027-10-29", "08:00"), ("2027-10-29", "08:00"), "The shift must end after it starts."),
        (("2027-10-29", "08:00"), ("2027-10-28", "20:00"), "The shift must end after it starts."),
        (("2027-10-29", "08:00"), ("2027-11-05", "08:01"), "A shift can be 7 days at most"),
        (("2027-10-26", "12:00"), ("2027-10-28", "08:00"), "starts more than a day ago"),
    ],
)
def test_a_shift_the_rota_cannot_take_is_refused(as_persona, personas, ward, start, end, message):
    response = as_persona("clinician_on_team").post(
        add_url(ward), shift_form(personas.nurse_on_team, start, end)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"person": "x", "start_date": "yesterday", "start_time": "25:00"},
        {"person": "99999", "start_date": "2027-10-29", "start_time": "08:00"},
        {"start_date": "9999-12-31", "start_time": "23:59", "end_date": "9999-12-31"},
        {"start_date": "0001-01-01", "start_time": "00:00", "end_date": "0001-01-01"},
        {"start_date": "2027-10-29\x00", "start_time": "08:00'--", "end_time": "<script>"},
    ],
)
def test_hostile_input_is_refused_without_a_500(as_persona, personas, ward, data):
    data = {"end_time": "09:00", "person": personas.nurse_on_team.pk, **data}
    response = as_persona("clinician_on_team").post(add_url(ward), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not OnCallShift.objects.exists()


def test_a_patient_cannot_be_put_on_call(as_persona, personas, ward):
    response = as_persona("clinician_on_team").post(
        add_url(ward), shift_form(personas.the_patient)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["person"]
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize("name", NURSES)
def test_a_nurse_cannot_add_or_cancel_a_shift(as_persona, personas, ward, night, name):
    client = as_persona(name)
    assert client.get(add_url(ward)).status_code == 403
    assert client.post(add_url(ward), shift_form(personas.nurse_on_team)).status_code == 403
    assert client.post(cancel_url(night), {"reason": "Off sick"}).status_code == 403
    assert OnCallShift.objects.get().is_cancelled is False
    assert 'href="/wards/' + str(ward.pk) + '/on-call/add/"' not in client.get(rota_url(ward)).text


@pytest.mark.parametrize("name", EDITORS)
def test_clinicians_and_admins_get_the_add_form(as_persona, ward, name):
    client = as_persona(name)
    assert client.get(add_url(ward)).status_code == 200
    assert f'href="{add_url(ward)}"' in client.get(rota_url(ward)).text


# Cancelling a shift.


def test_cancelling_keeps_the_shift_and_its_history(as_persona, personas, ward, night):
    client = as_persona("clinician_on_team")
    assert client.get(cancel_url(night)).status_code == 200
    response = client.post(cancel_url(night), {"reason": "Off sick"})
    assert response.status_code == 302
    night.refresh_from_db()
    assert night.is_cancelled
    assert night.cancelled_by == personas.clinician_on_team
    assert night.cancel_reason == "Off sick"
    assert [h.history_change_reason for h in night.history.order_by("history_id")] == [
        None,
        "Cancelled: Off sick",
    ]
    page = client.get(rota_url(ward))
    assert "<s>" in page.text
    assert "Off sick" in page.text
    # Still listed, struck through; the night is a gap again.
    coming = page.context["rota"].coming
    assert [line.shift for line in coming if not line.is_gap] == [night]
    gap = next(line for line in coming if line.is_gap)
    assert gap.starts_at < night.starts_at and gap.ends_at > night.ends_at


def test_cancelling_needs_a_reason(as_persona, ward, night):
    response = as_persona("clinician_on_team").post(cancel_url(night), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the shift is cancelled." in response.text
    night.refresh_from_db()
    assert not night.is_cancelled


def test_a_cancelled_shift_cannot_be_cancelled_again(as_persona, ward, night):
    client = as_persona("clinician_on_team")
    client.post(cancel_url(night), {"reason": "Off sick"})
    response = client.post(cancel_url(night), {"reason": "Again"})
    assert response.status_code == 200
    assert "already cancelled" in response.text
    assert night.history.count() == 2


def test_a_shift_that_has_ended_cannot_be_cancelled(as_persona, personas, ward):
    ended = make_shift(
        ward, personas.nurse_on_team, NOW - timedelta(hours=20), NOW - timedelta(hours=8)
    )
    response = as_persona("clinician_on_team").post(cancel_url(ended), {"reason": "Oops"})
    assert response.status_code == 200
    assert "has ended" in response.text
    ended.refresh_from_db()
    assert not ended.is_cancelled


def test_a_shift_of_another_ward_is_404(as_persona, ward, night):
    other = WardFactory()
    response = as_persona("clinician_on_team").get(f"/wards/{other.pk}/on-call/{night.pk}/cancel/")
    assert response.status_code == 404

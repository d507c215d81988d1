"""The patient's readings pages, /me/readings/ and /me/readings/new/: who may use them, the
form, and what the patient is told after saving."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tracker.alerts.models import Alert
from tracker.observations import home
from tracker.observations.models import VitalSigns, WeightEntry
from tracker.observations.vitals import chart_vitals

# 10:00 in New York (EST) on 12 March 2027.
NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
D = Decimal
LIST, ADD = "/me/readings/", "/me/readings/new/"


def post(client, **values):
    return client.post(ADD, {"taken_time": "09:30", **values})


@pytest.mark.parametrize("url", [LIST, ADD])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("the_patient", 200),
        ("other_patient", 200),
        ("nurse_on_team", 403),
        ("nurse_off_team", 403),
        ("clinician_on_team", 403),
        ("admin", 403),
    ],
)
def test_only_a_patient_reaches_their_own_readings(as_persona, url, persona, status):
    assert as_persona(persona).get(url).status_code == status


@pytest.mark.parametrize("url", [LIST, ADD])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_other_patient_sees_only_their_own_readings(as_persona, personas):
    home.record_readings(
        personas.patient, by=personas.the_patient, taken_at=NOW, temperature_c=D("37.3")
    )
    assert "37.3" in as_persona("the_patient").get(LIST).content.decode()
    assert "37.3" not in as_persona("other_patient").get(LIST).content.decode()


def test_the_form_has_big_decimal_inputs_with_labels(as_persona):
    page = as_persona("the_patient").get(ADD).content.decode()
    assert 'inputmode="decimal"' in page and 'for="id_temperature_c"' in page
    assert 'for="id_weight_kg"' in page and 'for="id_systolic_bp"' in page
    assert 'value="10:00"' in page  # the time taken starts at now, on the patient's clock


def test_a_normal_reading_is_saved_and_the_patient_is_told_so(as_persona, personas):
    client = as_persona("the_patient")
    response = post(client, temperature_c="37.2", weight_kg="70.5")
    assert response.status_code == 302 and response["Location"] == LIST
    page = client.get(LIST).content.decode()
    assert "Saved. Your care team can see it." in page
    assert "Your team has been alerted" not in page
    vitals = VitalSigns.objects.get()
    assert vitals.source == "patient" and vitals.recorded_by == personas.the_patient
    assert vitals.taken_at == datetime(2027, 3, 12, 14, 30, tzinfo=UTC)
    assert WeightEntry.objects.get().weight_kg == D("70.5")


def test_a_fever_tells_the_patient_to_call_the_ward_once(as_persona):
    client = as_persona("the_patient")
    post(client, temperature_c="38.0")
    page = client.get(LIST).content.decode()
    assert "Call your care team now" in page
    assert "Saved. Your care team can see it." not in page
    assert Alert.objects.filter(trigger="reading").count() == 1
    # The advice is for the moment after saving, not every later visit.
    assert "This sounds severe" not in client.get(LIST).content.decode()


def test_37_9_is_saved_without_an_alert(as_persona):
    client = as_persona("the_patient")
    post(client, temperature_c="37.9")
    assert "Saved. Your care team can see it." in client.get(LIST).content.decode()
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"temperature_c": "46"}, "Temperature must be between 30 and 45 °C"),
        ({"weight_kg": "7"}, "Enter a weight between"),
        ({"systolic_bp": "120"}, "Enter both the systolic and the diastolic BP."),
        ({"temperature_c": "abc"}, "Enter a number."),
        ({}, "Enter at least one reading"),
        ({"temperature_c": "37.0", "taken_time": "11:00"}, "still to come"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(as_persona, values, message):
    response = as_persona("the_patient").post(ADD, {"taken_time": "09:30", **values})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VitalSigns.objects.exists() and not WeightEntry.objects.exists()


def test_the_list_shows_readings_entered_in_error_as_so(as_persona, personas):
    (entry,) = home.record_readings(
        personas.patient, by=personas.the_patient, taken_at=NOW, temperature_c=D("37.3")
    )
    client = as_persona("the_patient")
    response = client.post(f"/me/readings/vitals/{entry.pk}/error/", {"reason": "Wrong person"})
    assert response.status_code == 302
    page = client.get(LIST).content.decode()
    assert "Entered in error" in page and "Wrong person" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_patient", 404), ("nurse_on_team", 403), ("the_patient", 200)],
)
def test_only_the_patient_withdraws_their_own_reading(as_persona, personas, persona, status):
    (entry,) = home.record_readings(
        personas.patient, by=personas.the_patient, taken_at=NOW, weight_kg=D("70.1")
    )
    assert as_persona(persona).get(f"/me/readings/weight/{entry.pk}/error/").status_code == status


def test_a_ward_entry_is_not_the_patients_to_withdraw(as_persona, personas):
    entry = chart_vitals(
        personas.patient, by=personas.nurse_on_team, taken_at=NOW, temperature_c=D("37.0")
    )
    assert (
        as_persona("the_patient").get(f"/me/readings/vitals/{entry.pk}/error/").status_code == 404
    )


def test_the_list_costs_the_same_queries_for_many_readings(
    as_persona, personas, django_assert_max_num_queries
):
    for minutes in range(0, 300, 10):
        home.record_readings(
            personas.patient,
            by=personas.the_patient,
            taken_at=NOW - timedelta(minutes=minutes),
            temperature_c=D("37.0"),
            weight_kg=D("70.0"),
        )
    client = as_persona("the_patient")
    with django_assert_max_num_queries(8):
        assert client.get(LIST).status_code == 200


def test_saving_costs_a_bounded_number_of_queries(as_persona, django_assert_max_num_queries):
    client = as_persona("the_patient")
    with django_assert_max_num_queries(40):
        post(client, temperature_c="38.2", systolic_bp="120", diastolic_bp="80", weight_kg="71")


@pytest.mark.parametrize(
    "url",
    [
        "/patients/{pk}/chart/vitals/",
        "/patients/{pk}/chart/weight/",
        "/patients/{pk}/flowsheet/",
    ],
)
def test_the_care_teams_chart_marks_the_patients_own_readings(as_persona, personas, url):
    home.record_readings(
        personas.patient,
        by=personas.the_patient,
        taken_at=NOW - timedelta(minutes=5),
        temperature_c=D("37.4"),
        weight_kg=D("70.3"),
    )
    page = as_persona("nurse_on_team").get(url.format(pk=personas.patient.pk)).content.decode()
    assert 'title="Recorded by the patient at home">patient</span>' in page


def test_a_ward_entry_carries_no_patient_mark(as_persona, personas):
    chart_vitals(
        personas.patient, by=personas.nurse_on_team, taken_at=NOW, temperature_c=D("37.0")
    )
    page = as_persona("nurse_on_team").get(f"/patients/{personas.patient.pk}/chart/vitals/")
    assert "Recorded by the patient at home" not in page.content.decode()


def test_the_patients_home_page_links_to_their_readings(as_persona):
    page = as_persona("the_patient").get("/", follow=True).content.decode()
    assert 'href="/me/readings/">Record my temperature or weight</a>' in page


@pytest.mark.parametrize("url", [LIST, ADD])
def test_a_patient_login_not_linked_to_a_record_gets_404(client, url):
    from tests.factories import make_user
    from tracker.accounts.roles import Role

    client.force_login(make_user(Role.PATIENT, username="unlinked"))
    assert client.get(url).status_code == 404

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user
from tracker.accounts.roles import Role
from tracker.patients.models import Patient

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


def detail_url(personas):
    return f"/patients/{personas.patient.pk}/"


def edit_url(personas):
    return f"/patients/{personas.patient.pk}/edit/"


def valid_form(patient, **changes):
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "height_cm": str(patient.height_cm),
        "weight_kg": str(patient.weight_kg),
        "time_zone": patient.time_zone,
        "care_team": [member.pk for member in patient.care_team.all()],
        "user": patient.user_id or "",
        "reason": "weighed on the ward",
    }
    data.update(changes)
    return data


# Detail


@pytest.mark.parametrize("name", IN_SCOPE)
def test_detail_is_shown_to_users_in_scope(as_persona, personas, name):
    response = as_persona(name).get(detail_url(personas))
    assert response.status_code == 200
    assert personas.patient.mrn in response.text


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_detail_is_404_for_users_out_of_scope(as_persona, personas, name):
    assert as_persona(name).get(detail_url(personas)).status_code == 404


def test_detail_titles_the_page_with_the_patient_and_lists_courses_once(as_persona, personas):
    response = as_persona("clinician_on_team").get(detail_url(personas))
    assert f"<title>{personas.patient.full_name} · IL-2 tracker</title>" in response.text
    assert response.text.count(">Courses</h2>") == 1


def test_detail_sends_anonymous_visitors_to_login(client, personas):
    response = client.get(detail_url(personas))
    assert response.status_code == 302
    assert response.url == f"/login/?next={detail_url(personas)}"


def test_detail_runs_a_fixed_number_of_queries(
    as_persona, personas, django_assert_max_num_queries
):
    client = as_persona("clinician_on_team")
    # One of them is the menu's count of open urgent and high alerts, on every staff page;
    # one is the patient's login, whose state (has a login, invited) the page shows;
    # one is the second factor's device, which the session names.
    with django_assert_max_num_queries(11):
        client.get(detail_url(personas))


# List


@pytest.mark.parametrize("name", ["nurse_on_team", "clinician_on_team", "admin"])
def test_list_shows_staff_only_their_patients(as_persona, personas, name):
    response = as_persona(name).get("/patients/")
    assert response.status_code == 200
    assert personas.patient.mrn in response.text
    expected = 2 if name == "admin" else 1
    assert len(response.context["patients"]) == expected


@pytest.mark.parametrize("name", ["nurse_off_team", "clinician_off_team"])
def test_list_is_empty_for_staff_off_the_team(as_persona, personas, name):
    response = as_persona(name).get("/patients/")
    assert response.status_code == 200
    assert personas.patient.mrn not in response.text


@pytest.mark.parametrize("name", ["the_patient", "other_patient"])
def test_list_is_forbidden_to_patients(as_persona, name):
    assert as_persona(name).get("/patients/").status_code == 403


def test_list_searches_by_mrn(as_persona, personas):
    response = as_persona("admin").get("/patients/", {"q": personas.patient.mrn})
    assert list(response.context["patients"]) == [personas.patient]


def test_list_query_count_does_not_grow_with_patients(
    as_persona, personas, django_assert_max_num_queries
):
    from tests.factories import PatientFactory

    client = as_persona("admin")
    PatientFactory.create_batch(30)
    with django_assert_max_num_queries(6):
        client.get("/patients/")


# Create


def selected_options(html: str, name: str) -> list[str]:
    select = html[html.index(f'name="{name}"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def test_the_registration_form_preselects_the_clinics_zone(as_persona, settings):
    settings.CLINIC_TIME_ZONE = "America/Chicago"
    html = as_persona("clinician_on_team").get("/patients/new/").text
    assert selected_options(html, "time_zone") == ["America/Chicago"]
    # The clinic's zone leads the common zones, before the long list.
    assert html.index('<optgroup label="Common time zones">') < html.index(
        '<option value="America/Chicago"'
    )
    assert html.index('<option value="America/Chicago"') < html.index(
        '<option value="Africa/Abidjan"'
    )
    assert "Chicago, US (CST/CDT)" in html


def test_editing_keeps_the_patients_own_zone_selected(as_persona, personas):
    html = as_persona("clinician_on_team").get(edit_url(personas)).text
    assert selected_options(html, "time_zone") == ["America/New_York"]


def test_a_clinician_registers_a_patient_and_joins_the_care_team(as_persona, personas):
    # Another date of birth: a faker name may equal the persona's and read as a duplicate.
    data = valid_form(
        personas.patient,
        mrn="MRN-NEW-1",
        user="",
        care_team=[],
        given_name="Robin",
        date_of_birth="1981-02-03",
    )
    response = as_persona("clinician_off_team").post("/patients/new/", data)
    patient = Patient.objects.get(mrn="MRN-NEW-1")
    assert response.status_code == 302
    assert response.url == f"/patients/{patient.pk}/"
    assert list(patient.care_team.all()) == [personas.clinician_off_team]
    assert {row.history_user for row in patient.history.all()} == {personas.clinician_off_team}


@pytest.mark.parametrize("name", ["the_patient", "nurse_on_team"])
def test_registering_is_forbidden_to_patients_and_nurses(as_persona, personas, name):
    data = valid_form(personas.patient, mrn="MRN-NEW-2", user="")
    assert as_persona(name).post("/patients/new/", data).status_code == 403
    assert not Patient.objects.filter(mrn="MRN-NEW-2").exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"height_cm": "1780"}, "Ensure that there are no more than"),
        ({"weight_kg": "0.5"}, "greater than or equal to 1"),
        ({"height_cm": "0"}, "greater than or equal to 30"),
        ({"weight_kg": "-70"}, "greater than or equal to 1"),
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"date_of_birth": "not a date"}, "Enter a valid date"),
        ({"time_zone": "Mars/Base"}, "Select a valid choice"),
        ({"mrn": "DUP"}, "Patient with this MRN already exists"),
        ({"mrn": "bad mrn!"}, "Use letters, digits and hyphens"),
    ],
)
def test_registering_bad_input_explains_and_writes_nothing(as_persona, personas, changes, message):
    from tests.factories import PatientFactory

    PatientFactory(mrn="DUP")
    before = Patient.objects.count()
    data = valid_form(
        personas.patient, **{"mrn": "MRN-NEW-3", "user": "", "given_name": "Robin", **changes}
    )
    response = as_persona("clinician_on_team").post("/patients/new/", data)
    assert response.status_code == 200
    assert message in response.text
    assert Patient.objects.count() == before


# Edit


def test_a_clinician_on_the_team_edits_with_a_reason_kept_in_history(as_persona, personas):
    data = valid_form(personas.patient, weight_kg="68.5")
    response = as_persona("clinician_on_team").post(edit_url(personas), data)
    assert response.status_code == 302
    personas.patient.refresh_from_db()
    assert personas.patient.weight_kg == Decimal("68.5")
    latest = personas.patient.history.first()
    assert latest.history_change_reason == "weighed on the ward"
    assert latest.history_user == personas.clinician_on_team


def test_an_edit_without_a_reason_is_refused(as_persona, personas):
    data = valid_form(personas.patient, weight_kg="68.5", reason="")
    response = as_persona("clinician_on_team").post(edit_url(personas), data)
    assert response.status_code == 200
    assert "This field is required" in response.text
    personas.patient.refresh_from_db()
    assert personas.patient.weight_kg == Decimal("70.0")


@pytest.mark.parametrize(
    "name, status",
    [
        ("the_patient", 403),
        ("nurse_on_team", 403),
        ("other_patient", 404),
        ("nurse_off_team", 404),
        ("clinician_off_team", 404),
    ],
)
def test_edit_is_refused_to_everyone_else(as_persona, personas, name, status):
    data = valid_form(personas.patient, weight_kg="50.0")
    assert as_persona(name).post(edit_url(personas), data).status_code == status
    personas.patient.refresh_from_db()
    assert personas.patient.weight_kg == Decimal("70.0")


def test_edit_sends_anonymous_visitors_to_login(client, personas):
    response = client.get(edit_url(personas))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


# Plausibility and duplicates.


def new_patient(personas, **changes):
    return valid_form(
        personas.patient,
        **{"mrn": "MRN-NEW-9", "given_name": "Alex", "family_name": "Quixley-Rivera", "user": "",
           "care_team": [], **changes},
    )  # fmt: skip


@pytest.mark.parametrize(
    "height, weight, bmi",
    [("72.0", "175.0", "337.6"), ("175.0", "30.5", "10.0"), ("110.0", "40.0", "33.1")],
)
def test_an_implausible_body_size_needs_a_confirmation(as_persona, personas, height, weight, bmi):
    client = as_persona("clinician_on_team")
    data = new_patient(personas, height_cm=height, weight_kg=weight)
    refused = client.post("/patients/new/", data)
    assert refused.status_code == 200
    [message] = refused.context["form"].errors["confirm_body_size"]
    assert f"BMI of {bmi}" in message
    assert "may be swapped" in message
    assert 'type="checkbox" name="confirm_body_size"' in refused.text
    assert not Patient.objects.filter(mrn="MRN-NEW-9").exists()
    confirmed = client.post("/patients/new/", {**data, "confirm_body_size": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.filter(mrn="MRN-NEW-9").exists()


def test_a_plausible_body_size_asks_nothing(as_persona, personas):
    page = as_persona("clinician_on_team").get("/patients/new/")
    assert 'type="checkbox" name="confirm_body_size"' not in page.text
    response = as_persona("clinician_on_team").post("/patients/new/", new_patient(personas))
    assert response.status_code == 302


def test_a_same_name_and_birth_date_warns_links_and_needs_a_confirmation(as_persona, personas):
    client = as_persona("clinician_on_team")
    existing = personas.patient
    data = new_patient(
        personas, given_name=existing.given_name.upper(), family_name=existing.family_name.lower()
    )
    refused = client.post("/patients/new/", data)
    assert refused.status_code == 200
    assert "confirm_duplicate" in refused.context["form"].errors
    assert f'href="/patients/{existing.pk}/"' in refused.text
    assert Patient.objects.count() == 2
    confirmed = client.post("/patients/new/", {**data, "confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 3


def test_a_duplicate_the_user_may_not_see_is_named_without_a_link(as_persona, personas):
    existing = personas.patient
    data = new_patient(personas, given_name=existing.given_name, family_name=existing.family_name)
    refused = as_persona("clinician_off_team").post("/patients/new/", data)
    assert "confirm_duplicate" in refused.context["form"].errors
    assert "check with the clinic" in refused.text
    assert f'href="/patients/{existing.pk}/"' not in refused.text
    assert existing.mrn not in refused.text


def test_the_care_team_choices_name_each_persons_role(as_persona, personas):
    client = as_persona("clinician_on_team")
    for user in (personas.nurse_on_team, personas.clinician_on_team):
        user.first_name, user.last_name = "Sam", "Lee"
        user.save()
    html = client.get("/patients/new/").text
    assert "Sam Lee (Nurse)" in html
    assert "Sam Lee (Clinician)" in html
    # The roles come with the people, not a query each.
    with CaptureQueriesContext(connection) as few:
        client.get("/patients/new/")
    for k in range(10):
        make_user(Role.NURSE, username=f"extra-nurse-{k}")
    with CaptureQueriesContext(connection) as many:
        client.get("/patients/new/")
    assert len(many) == len(few)


# The list a page at a time


@pytest.fixture
def three_per_page(monkeypatch):
    monkeypatch.setattr("tracker.lib.pages.PER_PAGE", 3)


def names(response) -> list[str]:
    return [patient.family_name for patient in response.context["patients"]]


@pytest.fixture
def seven_on_the_team(personas, three_per_page):
    from tests.factories import PatientFactory

    Patient.objects.filter(pk=personas.patient.pk).update(family_name="Aaa")
    for n in range(6):
        PatientFactory(family_name=f"Zz{n}", care_team=[personas.nurse_on_team])


def test_the_list_shows_a_page_at_a_time_in_name_order(as_persona, seven_on_the_team):
    client = as_persona("nurse_on_team")
    assert names(client.get("/patients/")) == ["Aaa", "Zz0", "Zz1"]
    second = client.get("/patients/", {"page": 2})
    assert names(second) == ["Zz2", "Zz3", "Zz4"]
    assert 'aria-current="page"' in second.text
    assert 'href="?page=3"' in second.text


@pytest.mark.parametrize(("asked", "shown"), [("99", 3), ("0", 3), ("two", 1), ("", 1)])
def test_a_page_out_of_range_shows_the_last_and_garbage_the_first(
    as_persona, seven_on_the_team, asked, shown
):
    response = as_persona("nurse_on_team").get("/patients/", {"page": asked})
    assert response.status_code == 200
    assert response.context["page"].number == shown


def test_the_page_links_keep_the_search(as_persona, seven_on_the_team):
    response = as_persona("nurse_on_team").get("/patients/", {"q": "zz"})
    assert names(response) == ["Zz0", "Zz1", "Zz2"]
    assert 'href="?q=zz&amp;page=2"' in response.text

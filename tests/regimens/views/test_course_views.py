from decimal import Decimal

import pytest
import time_machine
from django.utils.html import escape

from regimens.courses import discontinue_course
from regimens.models import Course, Dose, RegimenTemplate
from tests.factories import make_course, record_given

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]
BEFORE_START = "2027-03-01 12:00Z"


def form(**changes):
    data = {
        "template": RegimenTemplate.objects.get(slug="hd-iv-label").pk,
        "start_date": "2027-03-10",
        "start_time": "08:00",
        "time_zone": "America/New_York",
        "cycles": "2",
        "treatment_days": "",
        "weight_kg": "80.0",
        "weight_basis": "actual",
        "weight_measured_on": "2027-03-09",
        "height_cm": "175.0",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("name", IN_SCOPE)
def test_course_detail_is_shown_to_users_in_scope(as_persona, course, name):
    response = as_persona(name).get(f"/courses/{course.pk}/")
    assert response.status_code == 200
    assert "America/New_York" in response.text


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_course_detail_is_404_out_of_scope(as_persona, course, name):
    assert as_persona(name).get(f"/courses/{course.pk}/").status_code == 404


def test_course_detail_sends_anonymous_visitors_to_login(client, course):
    assert client.get(f"/courses/{course.pk}/").url.startswith("/login/")


def test_course_detail_query_count_does_not_grow_with_doses(
    as_persona, personas, django_assert_max_num_queries
):
    small = make_course(personas.patient, slug="hd-iv-q8h-15", start="2027-05-01 08:00")
    client = as_persona("clinician_on_team")
    # Five of them are the header's retreatment flag, cycles ended early, discharges
    # between cycles, the menu's count of open urgent and high alerts, and the second
    # factor's device, which the session names.
    with django_assert_max_num_queries(13) as small_queries:
        client.get(f"/courses/{small.pk}/")
    big = make_course(personas.patient, slug="sc-5on2off", start="2027-06-01 09:00", cycles=4)
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        client.get(f"/courses/{big.pk}/")


def test_course_detail_says_which_doses_a_clock_change_shifted(as_persona, course):
    # Doses 13 and 14 of cycle 1 fall after New York's clocks went forward on 14 March.
    html = as_persona("nurse_on_team").get(f"/courses/{course.pk}/").text
    assert html.count("Clocks changed on 14 Mar") == 2
    assert "so 17:00 EDT instead of 16:00" in html


def test_a_clinician_previews_before_anything_is_saved(as_persona, personas):
    client = as_persona("clinician_on_team")
    response = client.post(f"/patients/{personas.patient.pk}/courses/new/", form(preview="1"))
    assert response.status_code == 200
    assert len(response.context["preview"]["rows"]) == 28
    assert "48.00 MIU" in response.text
    assert "3 vials per dose" in response.text
    assert not Course.objects.exists()


def test_the_course_form_uses_the_patients_zone_and_says_it_in_words(as_persona, personas):
    personas.patient.time_zone = "Europe/London"
    personas.patient.save()
    client = as_persona("clinician_on_team")
    page = client.get(f"/patients/{personas.patient.pk}/courses/new/")
    assert page.context["form"]["time_zone"].value() == "Europe/London"
    assert "times in London, UK (GMT/BST)" in page.text
    preview = client.post(
        f"/patients/{personas.patient.pk}/courses/new/",
        form(preview="1", time_zone="Europe/London"),
    )
    assert "times in London, UK (GMT/BST)" in preview.text


def test_a_clinician_confirms_and_the_course_is_saved(as_persona, personas):
    client = as_persona("clinician_on_team")
    response = client.post(f"/patients/{personas.patient.pk}/courses/new/", form(confirm="1"))
    course = Course.objects.get()
    assert response.url == f"/courses/{course.pk}/"
    assert course.doses.count() == 28
    assert course.created_by == personas.clinician_on_team


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"cycles": "3"}, "at most 2 cycles"),
        ({"treatment_days": "10"}, "fixed length"),
        ({"start_date": "someday"}, "Enter a valid date"),
        ({"time_zone": "Nowhere/Else"}, "Select a valid choice"),
        ({"weight_kg": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_course_choices_explain_and_write_nothing(as_persona, personas, changes, message):
    client = as_persona("clinician_on_team")
    response = client.post(
        f"/patients/{personas.patient.pk}/courses/new/", form(confirm="1", **changes)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"cycles": "3"}, "cycles", "This regimen has at most 2 cycles."),
        ({"treatment_days": "10"}, "treatment_days", "This regimen has a fixed length."),
    ],
)
def test_the_preview_puts_the_operations_refusal_on_its_field(
    as_persona, personas, changes, field, message
):
    client = as_persona("clinician_on_team")
    response = client.post(
        f"/patients/{personas.patient.pk}/courses/new/", form(preview="1", **changes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert response.context["preview"] is None
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    "name, status",
    [
        ("nurse_on_team", 403),
        ("the_patient", 403),
        ("clinician_off_team", 404),
        ("other_patient", 404),
    ],
)
def test_starting_a_course_is_refused_to_others(as_persona, personas, name, status):
    response = as_persona(name).post(
        f"/patients/{personas.patient.pk}/courses/new/", form(confirm="1")
    )
    assert response.status_code == status
    assert not Course.objects.exists()


@time_machine.travel(BEFORE_START)
def test_a_clinician_moves_the_start_with_a_reason(as_persona, course):
    client = as_persona("clinician_on_team")
    data = {"start_date": "2027-03-12", "start_time": "08:00", "reason": "bed not free"}
    preview = client.post(f"/courses/{course.pk}/move/", {**data, "preview": "1"})
    previewed = preview.context["preview"].fingerprint
    response = client.post(
        f"/courses/{course.pk}/move/", {**data, "confirm": "1", "previewed": previewed}
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert str(course.start_date) == "2027-03-12"
    assert course.history.first().history_change_reason == "bed not free"


@time_machine.travel(BEFORE_START)
def test_moving_into_the_past_explains_and_changes_nothing(as_persona, course):
    data = {"start_date": "2027-02-01", "start_time": "08:00", "reason": "typo"}
    response = as_persona("clinician_on_team").post(f"/courses/{course.pk}/move/", data)
    assert response.status_code == 200
    assert "Choose a later start" in response.text
    course.refresh_from_db()
    assert str(course.start_date) == "2027-03-10"


@time_machine.travel(BEFORE_START)
def test_a_clinician_cancels_a_course(as_persona, course):
    response = as_persona("clinician_on_team").post(
        f"/courses/{course.pk}/cancel/", {"reason": "patient declined"}
    )
    assert response.status_code == 302
    assert set(course.doses.values_list("status", flat=True)) == {Dose.Status.CANCELLED}


@pytest.mark.parametrize(
    "name, status",
    [
        ("nurse_on_team", 403),
        ("the_patient", 403),
        ("nurse_off_team", 404),
        ("clinician_off_team", 404),
    ],
)
def test_moving_and_cancelling_are_refused_to_others(as_persona, course, name, status):
    client = as_persona(name)
    move = {"start_date": "2027-03-12", "start_time": "08:00", "reason": "x"}
    assert client.post(f"/courses/{course.pk}/move/", move).status_code == status
    assert client.post(f"/courses/{course.pk}/cancel/", {"reason": "x"}).status_code == status
    course.refresh_from_db()
    assert course.status == Course.Status.OPEN
    assert str(course.start_date) == "2027-03-10"


def test_cancelling_without_a_reason_is_refused(as_persona, course):
    response = as_persona("clinician_on_team").post(
        f"/courses/{course.pk}/cancel/", {"reason": ""}
    )
    assert response.status_code == 200
    assert "This field is required" in response.text


@pytest.mark.parametrize(
    "path",
    ["/courses/{course}/", "/courses/{course}/move/", "/courses/{course}/cancel/",
     "/courses/{course}/discontinue/", "/courses/{course}/discharge/",
     "/patients/{patient}/courses/new/"],
)  # fmt: skip
@time_machine.travel(BEFORE_START)
def test_every_course_page_names_the_patient_with_the_mrn_and_birth_date(
    as_persona, personas, course, path
):
    html = (
        as_persona("clinician_on_team")
        .get(path.format(course=course.pk, patient=personas.patient.pk))
        .text
    )
    patient = personas.patient
    assert (
        f'<span class="patient-identity">{escape(patient.full_name)} <span class="text-body-secondary '
        f'small">MRN {patient.mrn} · born 15 Jun 1970</span></span>'
    ) in html


# Defaults from the regimen: the label course is two cycles, first dose at 08:00.


def label():
    return RegimenTemplate.objects.get(slug="hd-iv-label")


def test_the_form_reached_with_a_regimen_takes_its_cycles_and_dose_time(as_persona, personas):
    response = as_persona("clinician_on_team").get(
        f"/patients/{personas.patient.pk}/courses/new/", {"template": label().pk}
    )
    form = response.context["form"]
    assert form["template"].value() == label().pk
    assert form["cycles"].value() == 2
    assert form["start_time"].value().strftime("%H:%M") == "08:00"


def test_the_form_without_a_regimen_does_not_guess_one_cycle(as_persona, personas):
    response = as_persona("clinician_on_team").get(f"/patients/{personas.patient.pk}/courses/new/")
    assert response.context["form"]["cycles"].value() is None


def test_cycles_and_time_left_empty_come_from_the_regimen(as_persona, personas):
    response = as_persona("clinician_on_team").post(
        f"/patients/{personas.patient.pk}/courses/new/",
        form(preview="1", cycles="", start_time=""),
    )
    preview = response.context["preview"]
    assert preview["course"].cycles == 2
    assert len(preview["rows"]) == 28
    assert preview["rows"][0][1].strftime("%H:%M") == "08:00"
    # The page shows the values it used.
    assert 'name="cycles" value="2"' in response.text
    assert 'name="start_time" value="08:00"' in response.text


@pytest.mark.parametrize(
    "cycles, title", [("1", "1 cycle, 14 doses"), ("2", "2 cycles, 28 doses")]
)
def test_the_preview_title_matches_the_plan(as_persona, personas, cycles, title):
    response = as_persona("clinician_on_team").post(
        f"/patients/{personas.patient.pk}/courses/new/", form(preview="1", cycles=cycles)
    )
    assert f"Preview: {title}</h2>" in response.text


def test_the_regimen_defaults_are_filled_by_a_static_script(as_persona, personas):
    html = (
        as_persona("clinician_on_team").get(f"/patients/{personas.patient.pk}/courses/new/").text
    )
    assert '<script src="/static/js/course-defaults.js" defer nonce="' in html
    assert "data-defaults=" in html
    assert (
        f"&quot;{label().pk}&quot;: {{&quot;cycles&quot;: 2, &quot;start_time&quot;: &quot;08:00&quot;}}"
        in html
    )


# Plausibility: body size, and a dose that changes by more than 10% from the last course.


def test_it_refuses_a_course_with_swapped_height_and_weight(as_persona, personas):
    client = as_persona("clinician_on_team")
    data = form(confirm="1", height_cm="72.0", weight_kg="175.0")
    refused = client.post(f"/patients/{personas.patient.pk}/courses/new/", data)
    assert refused.status_code == 200
    [message] = refused.context["form"].errors["height_cm"]
    assert "Height 72 cm is outside the plausible adult range 120–230 cm" in message
    assert "confirm_body_size" not in refused.context["form"].errors
    assert not Course.objects.exists()
    still_refused = client.post(
        f"/patients/{personas.patient.pk}/courses/new/", {**data, "confirm_body_size": "on"}
    )
    assert still_refused.status_code == 200
    assert not Course.objects.exists()


def test_a_course_with_an_implausible_bmi_needs_a_confirmation(as_persona, personas):
    client = as_persona("clinician_on_team")
    data = form(confirm="1", height_cm="230.0", weight_kg="31.0")
    refused = client.post(f"/patients/{personas.patient.pk}/courses/new/", data)
    assert refused.status_code == 200
    [message] = refused.context["form"].errors["confirm_body_size"]
    assert "BMI of 5.9" in message
    assert not Course.objects.exists()
    confirmed = client.post(
        f"/patients/{personas.patient.pk}/courses/new/", {**data, "confirm_body_size": "on"}
    )
    assert confirmed.status_code == 302


@pytest.fixture
def last_course(personas):
    """A label course at 70 kg (42.00 MIU a dose), discharged long ago."""
    from datetime import date

    with time_machine.travel("2026-01-20 12:00Z", tick=False):
        course = make_course(personas.patient, start="2026-01-10 08:00", weight_kg="70.0")
        discontinue_course(course, by=personas.clinician_on_team, code="progression")
        Course.objects.filter(pk=course.pk).update(discharged_on=date(2026, 1, 12))
    return course


@time_machine.travel("2027-03-01 12:00Z", tick=False)
def test_a_dose_changed_by_more_than_a_tenth_is_shown_beside_the_last_and_confirmed(
    as_persona, personas, last_course
):
    client = as_persona("clinician_on_team")
    data = form(confirm="1", weight_kg="80.0")  # 48.00 MIU: 14% more than 42.00
    refused = client.post(f"/patients/{personas.patient.pk}/courses/new/", data)
    assert refused.status_code == 200
    assert "confirm_dose_change" in refused.context["form"].errors
    change = refused.context["preview"]["dose_change"]
    assert (change.last.weight_kg, change.last_dose.dose_miu.value) == (70, Decimal("42.00"))
    assert "<td>70.0 kg</td><td>80.0 kg</td>" in refused.text
    assert "<td>42.00 MIU</td><td>48.00 MIU</td>" in refused.text
    assert Course.objects.count() == 1
    confirmed = client.post(
        f"/patients/{personas.patient.pk}/courses/new/", {**data, "confirm_dose_change": "on"}
    )
    assert confirmed.status_code == 302


@time_machine.travel("2027-03-01 12:00Z", tick=False)
def test_a_dose_within_a_tenth_of_the_last_course_asks_nothing(as_persona, personas, last_course):
    response = as_persona("clinician_on_team").post(
        f"/patients/{personas.patient.pk}/courses/new/", form(confirm="1", weight_kg="75.0")
    )
    assert response.status_code == 302


# The dosing weight, stepped doses and vials on the pages.


def test_the_course_page_shows_the_dosing_weight_and_vials_both_ways(as_persona, personas):
    make_course(personas.patient, weight_kg=Decimal("80.0"), start="2027-03-10 08:00")
    course = Course.objects.get()
    html = as_persona("nurse_on_team").get(f"/courses/{course.pk}/").text
    assert "80.0 kg, actual body weight, measured 10 Mar 2027; BMI 27.7 kg/m²" in html
    assert "One vial set per dose" in html and "Pooled within 48 h" in html
    assert '<th scope="row">1</th><td>14</td><td>42</td><td>34</td>' in html


def test_the_course_page_counts_a_partial_dose_apart_from_the_given_ones(as_persona, personas):
    course = make_course(personas.patient, start="2027-03-10 08:00")
    nurse = personas.nurse_on_team
    first, second = course.doses.order_by("dose_in_course")[:2]
    record_given(first, nurse)
    record_given(
        second,
        nurse,
        outcome="partial",
        amount_iu=course.dose_iu / 2,
        partial_reason="line",
    )
    html = as_persona("nurse_on_team").get(f"/courses/{course.pk}/").text
    assert '<th scope="col">Given</th><th scope="col">Partial</th>' in html
    assert '<th scope="row">1</th><td>1</td><td>1</td><td>0</td>' in html


def test_the_course_page_shows_each_amount_of_a_stepped_course(as_persona, personas):
    course = make_course(personas.patient, slug="sc-5on2off", start="2027-03-08 09:00")
    html = as_persona("the_patient").get(f"/courses/{course.pk}/").text
    assert "Stepped: 18 MIU from cycle day 1; from cycle day 10: 9 MIU" in html
    assert "<td>9.00 MIU</td>" in html and "<td>18.00 MIU</td>" in html


def test_the_patient_calendar_shows_a_stepped_dose_amount(as_persona, personas):
    make_course(personas.patient, slug="sc-5on2off", start="2027-03-08 09:00")
    url = f"/patients/{personas.patient.pk}/doses/?date=2027-03-17&span=day"
    html = as_persona("the_patient").get(url).text
    assert '<span class="dose-amount">9.00 MIU</span>' in html


def test_the_course_form_needs_the_date_of_the_dosing_weight(as_persona, personas):
    client = as_persona("clinician_on_team")
    response = client.post(
        f"/patients/{personas.patient.pk}/courses/new/", form(confirm="1", weight_measured_on="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["weight_measured_on"]
    assert not Course.objects.exists()


def test_the_course_form_refuses_an_implausible_weight_with_a_clear_message(as_persona, personas):
    client = as_persona("clinician_on_team")
    response = client.post(
        f"/patients/{personas.patient.pk}/courses/new/",
        form(confirm="1", weight_kg="25.0", confirm_body_size="on"),
    )
    assert response.status_code == 200
    [message] = response.context["form"].errors["weight_kg"]
    assert "Weight 25 kg is outside the plausible adult range 30–250 kg" in message
    assert not Course.objects.exists()


def test_the_preview_warns_of_an_old_weight_and_a_high_bmi(as_persona, personas):
    client = as_persona("clinician_on_team")
    response = client.post(
        f"/patients/{personas.patient.pk}/courses/new/",
        form(weight_measured_on="2027-02-20", weight_kg="110.0", preview="1"),
    )
    assert response.status_code == 200
    assert "BMI 35.9 kg/m²" in response.text
    assert "<strong>Warning:</strong> BMI 35.9 kg/m² (35 or more)" in response.text
    assert "18 days before the first dose" in response.text
    assert "Pooled within 48 h" in response.text


def test_the_clinician_who_starts_the_course_is_recorded_as_choosing_the_weight(
    as_persona, personas
):
    client = as_persona("clinician_on_team")
    data = form(confirm="1", weight_basis="ideal", baseline_weight_kg="84.0")
    assert client.post(f"/patients/{personas.patient.pk}/courses/new/", data).status_code == 302
    course = Course.objects.get()
    assert course.weight_chosen_by == personas.clinician_on_team
    assert course.weight_basis == "ideal"
    assert course.weight_gain_baseline == Decimal("84.0")


def test_the_institutional_template_is_not_offered_until_a_centre_turns_it_on(
    as_persona, personas
):
    client = as_persona("clinician_on_team")
    url = f"/patients/{personas.patient.pk}/courses/new/"
    assert "15 doses" not in client.get(url).text
    RegimenTemplate.objects.filter(slug="hd-iv-q8h-15").update(is_active=True)
    assert "15 doses" in client.get(url).text

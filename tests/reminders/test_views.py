"""The patient's "Reminders" page: their own choices, never anyone else's."""

from datetime import time

import pytest

from tracker.reminders.models import ReminderSettings

pytestmark = pytest.mark.django_db

URL = "/me/reminders/"
STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]
VALID = {
    "dose_reminders": "on",
    "dose_lead_minutes": "60",
    "thyroid_reminders": "on",
    "quiet_start": "21:30",
    "quiet_end": "07:30",
}


@pytest.fixture
def with_email(personas):
    personas.the_patient.email = "patient@example.org"
    personas.the_patient.save()
    return personas


def test_the_patient_sees_their_reminders_and_where_they_go(
    as_persona, with_email, django_assert_max_num_queries
):
    client = as_persona("the_patient")
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    assert "patient@example.org" in response.text
    assert "30 minutes before" in response.text
    assert 'value="22:00"' in response.text and 'value="07:00"' in response.text
    # Looking saves nothing.
    assert not ReminderSettings.objects.exists()


def test_the_patient_saves_their_choices_with_history(
    as_persona, with_email, django_assert_max_num_queries
):
    client = as_persona("the_patient")
    with django_assert_max_num_queries(10):
        response = client.post(URL, VALID)
    assert response.status_code == 302
    assert "Saved. Reminders will go to patient@example.org." in client.get(URL).text
    settings = ReminderSettings.objects.get(patient=with_email.patient)
    assert settings.dose_reminders and settings.thyroid_reminders
    assert settings.dose_lead_minutes == 60
    assert (settings.quiet_start, settings.quiet_end) == (time(21, 30), time(7, 30))
    history = settings.history.get()
    assert history.history_user == with_email.the_patient

    client.post(URL, {**VALID, "dose_reminders": ""})
    settings.refresh_from_db()
    assert not settings.dose_reminders
    assert settings.history.count() == 2


def test_a_patient_without_an_e_mail_address_is_told_to_ask_the_team(as_persona, personas):
    client = as_persona("the_patient")
    assert "We have no e-mail address for you" in client.get(URL).text
    response = client.post(URL, VALID, follow=True)
    assert "You have no e-mail address with us yet: ask your care team to add it." in response.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quiet_end": "21:30"}, "Quiet hours must start and end at different times."),
        ({"quiet_start": "late"}, "Give a time such as 22:00."),
        ({"quiet_end": ""}, "Give the time your quiet hours end, for example 07:00."),
        ({"dose_lead_minutes": "45"}, "Choose one of the times offered."),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(as_persona, personas, change, message):
    response = as_persona("the_patient").post(URL, {**VALID, **change})
    assert response.status_code == 400
    assert message in response.text
    assert not ReminderSettings.objects.exists()


def test_another_patient_sees_and_saves_only_their_own(as_persona, with_email):
    client = as_persona("other_patient")
    response = client.get(URL)
    assert response.status_code == 200
    assert "patient@example.org" not in response.text
    client.post(URL, VALID)
    assert not ReminderSettings.objects.filter(patient=with_email.patient).exists()
    assert ReminderSettings.objects.get().patient.user == with_email.other_patient


@pytest.mark.parametrize("name", STAFF)
def test_staff_may_not_see_or_change_a_patient_s_reminders(as_persona, personas, name):
    client = as_persona(name)
    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    assert not ReminderSettings.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_patient_login_with_no_record_linked_is_404(client, db):
    from tests.factories import make_user
    from tracker.accounts.roles import Role

    client.force_login(make_user(Role.PATIENT))
    assert client.get(URL).status_code == 404


def test_the_patient_s_home_page_links_to_their_reminders(as_persona, personas):
    assert URL in as_persona("the_patient").get("/me/").text

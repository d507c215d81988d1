"""My settings: the clock a staff user reads staff lists on, and everyone's second factor."""

import pytest

from tracker.accounts.models import User

pytestmark = pytest.mark.django_db

STAFF = ["nurse_on_team", "nurse_off_team", "clinician_on_team", "clinician_off_team", "admin"]


def zone_of(user) -> str:
    return User.objects.get(pk=user.pk).time_zone


@pytest.mark.parametrize("name", STAFF)
def test_staff_see_their_settings(as_persona, name):
    response = as_persona(name).get("/settings/")
    assert response.status_code == 200
    assert "The clinic&#x27;s zone (Europe/London)" in response.text


@pytest.mark.parametrize("name", ["the_patient", "other_patient"])
def test_patients_see_only_the_second_factor_and_cannot_set_a_clock(as_persona, personas, name):
    response = as_persona(name).get("/settings/")
    assert response.status_code == 200
    assert 'name="time_zone"' not in response.text
    assert "Ask me for a code when I sign in" in response.text
    assert as_persona(name).post("/settings/", {"time_zone": "Asia/Tokyo"}).status_code == 403
    assert zone_of(getattr(personas, name)) == ""


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/settings/"


@pytest.mark.parametrize("name", STAFF)
def test_staff_choose_their_own_zone(as_persona, personas, name):
    response = as_persona(name).post("/settings/", {"time_zone": "America/New_York"}, follow=True)
    assert response.redirect_chain == [("/settings/", 302)]
    assert "Staff pages now show times in America/New_York." in response.text
    assert zone_of(getattr(personas, name)) == "America/New_York"


def test_choosing_the_clinics_zone_clears_the_setting(as_persona, personas):
    nurse = personas.nurse_on_team
    nurse.time_zone = "Asia/Tokyo"
    nurse.save()
    response = as_persona("nurse_on_team").post("/settings/", {"time_zone": ""}, follow=True)
    assert "Staff pages now show times in Europe/London." in response.text
    assert zone_of(nurse) == ""


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "localtime", "../../etc/passwd"])
def test_an_unknown_zone_is_refused_with_a_message_and_nothing_is_saved(
    as_persona, personas, value
):
    response = as_persona("nurse_on_team").post("/settings/", {"time_zone": value})
    assert response.status_code == 200
    assert "is not a time zone. Use a name such as Europe/London" in response.text
    assert zone_of(personas.nurse_on_team) == ""


def test_the_page_takes_only_get_and_post(as_persona):
    assert as_persona("nurse_on_team").put("/settings/").status_code == 405


@pytest.mark.parametrize(("name", "page"), [("nurse_on_team", "/ward/"), ("the_patient", "/me/")])
def test_the_user_menu_links_everyone_to_their_settings(as_persona, name, page):
    html = as_persona(name).get(page).text
    assert 'href="/settings/">My settings</a>' in html

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from regimens.feeds import revoke_feed
from regimens.models import CalendarFeed
from tests.factories import make_course

pytestmark = pytest.mark.django_db

IN_SCOPE = ["the_patient", "nurse_on_team", "clinician_on_team", "admin"]
OUT_OF_SCOPE = ["other_patient", "nurse_off_team", "clinician_off_team"]


def course_url(course):
    return f"/courses/{course.pk}/calendar.ics"


def manage_url(personas):
    return f"/patients/{personas.patient.pk}/feed/"


def feed_url(token):
    return f"/feeds/{token}.ics"


def active_feeds(personas):
    return CalendarFeed.objects.active().filter(patient=personas.patient)


# Course download


@pytest.mark.parametrize("name", IN_SCOPE)
def test_course_ics_is_served_to_users_in_scope(as_persona, course, name):
    response = as_persona(name).get(course_url(course))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="il2-course-{course.pk}.ics"'
    cal = Calendar.from_ical(response.content)
    assert len(cal.walk("VEVENT")) == course.doses.count()


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_course_ics_is_404_out_of_scope(as_persona, course, name):
    assert as_persona(name).get(course_url(course)).status_code == 404


def test_course_ics_sends_anonymous_visitors_to_login(client, course):
    response = client.get(course_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_course_ics_query_count_does_not_grow_with_doses(as_persona, personas):
    client = as_persona("clinician_on_team")
    one = make_course(personas.patient, cycles=1)
    two = make_course(
        personas.patient, start="2027-05-10 08:00", cycles=2, override_reason="Second course"
    )
    assert two.doses.count() > one.doses.count()
    counts = []
    for course in (one, two):
        client.get(course_url(course))  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            assert client.get(course_url(course)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Managing the subscription


@pytest.mark.parametrize("name", IN_SCOPE)
def test_feed_manage_is_shown_to_users_in_scope(as_persona, personas, name):
    response = as_persona(name).get(manage_url(personas))
    assert response.status_code == 200
    assert "Create subscription link" in response.text


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_feed_manage_is_404_out_of_scope(as_persona, personas, name):
    client = as_persona(name)
    assert client.get(manage_url(personas)).status_code == 404
    assert client.post(manage_url(personas), {"action": "create"}).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_feed_manage_sends_anonymous_visitors_to_login(client, personas):
    response = client.post(manage_url(personas), {"action": "create"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("name", IN_SCOPE)
def test_create_shows_the_absolute_link(as_persona, personas, name):
    client = as_persona(name)
    response = client.post(manage_url(personas), {"action": "create"}, follow=True)
    assert response.redirect_chain == [(manage_url(personas), 302)]
    feed = active_feeds(personas).get()
    assert feed.created_by == getattr(personas, name)
    assert f"http://testserver/feeds/{feed.token}.ics" in response.text
    assert f"webcal://testserver/feeds/{feed.token}.ics" in response.text
    assert "Subscription link created." in response.text
    assert "Revoke" in response.text
    assert "Replace with a new link" in response.text


def test_create_twice_keeps_one_link(as_persona, personas):
    client = as_persona("the_patient")
    client.post(manage_url(personas), {"action": "create"})
    client.post(manage_url(personas), {"action": "create"})
    assert active_feeds(personas).count() == 1


def test_revoke_stops_the_feed(as_persona, personas):
    client = as_persona("nurse_on_team")
    client.post(manage_url(personas), {"action": "create"})
    feed = active_feeds(personas).get()
    assert client.get(feed_url(feed.token)).status_code == 200
    response = client.post(manage_url(personas), {"action": "revoke"})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert feed.revoked_by == personas.nurse_on_team
    assert client.get(feed_url(feed.token)).status_code == 404
    assert "Create subscription link" in client.get(manage_url(personas)).text


def test_replace_issues_a_new_token_and_kills_the_old(as_persona, personas):
    client = as_persona("the_patient")
    client.post(manage_url(personas), {"action": "create"})
    old = active_feeds(personas).get()
    response = client.post(manage_url(personas), {"action": "replace"})
    assert response.status_code == 302
    new = active_feeds(personas).get()
    assert new.token != old.token
    assert client.get(feed_url(old.token)).status_code == 404
    assert client.get(feed_url(new.token)).status_code == 200


def test_replace_without_a_link_creates_one(as_persona, personas):
    as_persona("admin").post(manage_url(personas), {"action": "replace"})
    assert active_feeds(personas).count() == 1


@pytest.mark.parametrize("action", ["", "delete", "CREATE"])
def test_unknown_action_is_400_and_writes_nothing(as_persona, personas, action):
    response = as_persona("clinician_on_team").post(manage_url(personas), {"action": action})
    assert response.status_code == 400
    assert "Unknown action" in response.text
    assert not CalendarFeed.objects.exists()


def test_database_allows_one_active_feed_per_patient(personas):
    CalendarFeed.objects.create(patient=personas.patient, created_by=personas.admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(patient=personas.patient, created_by=personas.admin)


# The subscription URL itself


def test_feed_works_anonymously_with_a_valid_token(client, personas, course):
    feed = CalendarFeed.objects.create(patient=personas.patient, created_by=personas.admin)
    response = client.get(feed_url(feed.token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    cal = Calendar.from_ical(response.content)
    assert len(cal.walk("VEVENT")) == course.doses.count()
    assert personas.patient.mrn not in response.content.decode()


def test_feed_includes_every_course_of_the_patient(client, personas, course):
    second = make_course(
        personas.patient, start="2027-05-10 08:00", override_reason="Second course"
    )
    feed = CalendarFeed.objects.create(patient=personas.patient, created_by=personas.admin)
    cal = Calendar.from_ical(client.get(feed_url(feed.token)).content)
    assert len(cal.walk("VEVENT")) == course.doses.count() + second.doses.count()


def test_feed_is_404_for_unknown_or_revoked_tokens(client, personas):
    assert client.get(feed_url("not-a-token")).status_code == 404
    feed = CalendarFeed.objects.create(patient=personas.patient, created_by=personas.admin)
    revoke_feed(personas.patient, by=personas.admin)
    assert client.get(feed_url(feed.token)).status_code == 404


def test_the_feed_carries_an_alarm_before_each_dose_to_come(as_persona, personas, course):
    client = as_persona("the_patient")
    client.post(manage_url(personas), {"action": "create"})
    token = active_feeds(personas).get().token
    cal = Calendar.from_ical(client.get(feed_url(token)).content)
    events = cal.walk("VEVENT")
    assert len(events) == course.doses.count()
    for event in events:
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)

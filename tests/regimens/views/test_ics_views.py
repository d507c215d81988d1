import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from regimens.courses import discontinue_course, move_start
from regimens.feeds import choose_titles, issue_feed, revoke_feed
from regimens.models import CalendarChoice, CalendarFeed, hash_feed_token
from tests.factories import make_course, record_given
from tracker.patients.models import RecordAccess
from tracker.reminders.models import ReminderSettings

pytestmark = pytest.mark.django_db

# The course fixture starts 2027-03-10 08:00 in New York: dose 1 is at 13:00 UTC.
FIRST_DOSE_AT = datetime(2027, 3, 10, 13, 0, tzinfo=UTC)
BEFORE_START = "2027-03-10 12:00Z"

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


def shown_token(response) -> str:
    """The token in the one page that shows a new link."""
    [token] = set(re.findall(r"https?://testserver/feeds/([A-Za-z0-9_-]+)\.ics", response.text))
    return token


def create_link(client, personas, action="create") -> str:
    response = client.post(manage_url(personas), {"action": action})
    assert response.status_code == 200
    return shown_token(response)


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
def test_create_shows_the_absolute_link_once(as_persona, personas, name):
    client = as_persona(name)
    response = client.post(manage_url(personas), {"action": "create"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    feed = active_feeds(personas).get()
    assert feed.created_by == getattr(personas, name)
    token = shown_token(response)
    assert feed.token_hash == hash_feed_token(token)
    assert f"webcal://testserver/feeds/{token}.ics" in response.text
    assert "Subscription link created." in response.text
    assert "shown only this once" in response.text
    assert "Revoke" in response.text
    assert "Replace with a new link" in response.text

    again = client.get(manage_url(personas))
    assert token not in again.text
    assert "/feeds/" not in again.text
    assert "A subscription link is active" in again.text
    assert "Replace with a new link" in again.text


def test_create_twice_keeps_one_link_and_says_so(as_persona, personas):
    client = as_persona("the_patient")
    token = create_link(client, personas)
    response = client.post(manage_url(personas), {"action": "create"}, follow=True)
    assert response.redirect_chain == [(manage_url(personas), 302)]
    assert "A subscription link already exists." in response.text
    assert token not in response.text
    assert active_feeds(personas).count() == 1
    assert client.get(feed_url(token)).status_code == 200


def test_revoke_stops_the_feed(as_persona, personas):
    client = as_persona("nurse_on_team")
    token = create_link(client, personas)
    feed = active_feeds(personas).get()
    assert client.get(feed_url(token)).status_code == 200
    response = client.post(manage_url(personas), {"action": "revoke"})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert feed.revoked_by == personas.nurse_on_team
    assert client.get(feed_url(token)).status_code == 404
    assert "Create subscription link" in client.get(manage_url(personas)).text


def test_replace_issues_a_new_token_and_kills_the_old(as_persona, personas):
    client = as_persona("the_patient")
    old = create_link(client, personas)
    response = client.post(manage_url(personas), {"action": "replace"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    new = shown_token(response)
    assert new != old
    assert active_feeds(personas).get().token_hash == hash_feed_token(new)
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


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
    CalendarFeed.objects.create(
        patient=personas.patient, created_by=personas.admin, token_hash="a"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(
            patient=personas.patient, created_by=personas.admin, token_hash="b"
        )


# The subscription URL itself


def test_feed_works_anonymously_with_a_valid_token(client, personas, course):
    token = issue_feed(personas.patient, by=personas.admin).token
    response = client.get(feed_url(token))
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
    token = issue_feed(personas.patient, by=personas.admin).token
    cal = Calendar.from_ical(client.get(feed_url(token)).content)
    assert len(cal.walk("VEVENT")) == course.doses.count() + second.doses.count()


def test_feed_is_404_for_unknown_or_revoked_tokens(client, personas):
    assert client.get(feed_url("not-a-token")).status_code == 404
    issued = issue_feed(personas.patient, by=personas.admin)
    unknown = client.get(feed_url("x" * 43))
    revoke_feed(personas.patient, by=personas.admin)
    revoked = client.get(feed_url(issued.token))
    # Nothing tells a revoked link from one that never existed.
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.templates == unknown.templates
    assert len(revoked.content) == len(unknown.content)


def test_the_stored_hash_does_not_open_the_feed(client, personas):
    feed = issue_feed(personas.patient, by=personas.admin).feed
    assert client.get(feed_url(feed.token_hash)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/%00.ics",
        "/feeds/" + "a" * 42 + "%00.ics",
        "/feeds/%ED%A0%80.ics",  # a lone surrogate, not UTF-8
        "/feeds/%C3%A9" * 3 + ".ics",
        "/feeds/" + "a" * 5000 + ".ics",
        "/feeds/%0A" + "a" * 42 + ".ics",
        "/feeds/'%3B--.ics",
        "/feeds/%25%25.ics",
        "/feeds/a%20b.ics",
    ],
)
def test_a_feed_url_with_unexpected_characters_is_404(client, personas, path):
    issue_feed(personas.patient, by=personas.admin)
    assert client.get(path).status_code == 404


def test_the_feed_carries_an_alarm_before_each_dose_to_come(as_persona, personas, course):
    client = as_persona("the_patient")
    token = create_link(client, personas)
    cal = Calendar.from_ical(client.get(feed_url(token)).content)
    events = cal.walk("VEVENT")
    assert len(events) == course.doses.count()
    for event in events:
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)


# Neutral titles


CHECKED_NEUTRAL = 'value="neutral" class="form-check-input" id="id_titles_1" required checked'


def summaries(body: bytes) -> set[str]:
    return {str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")}


@pytest.mark.parametrize("name", IN_SCOPE)
def test_neutral_titles_can_be_chosen_on_the_subscription_page(as_persona, personas, name):
    client = as_persona(name)
    assert CHECKED_NEUTRAL not in client.get(manage_url(personas)).text
    response = client.post(
        manage_url(personas), {"action": "titles", "titles": "neutral"}, follow=True
    )
    assert response.redirect_chain == [(manage_url(personas), 302)]
    assert "Calendar titles saved." in response.text
    choice = CalendarChoice.objects.get(patient=personas.patient)
    assert (choice.neutral_titles, choice.changed_by) == (True, getattr(personas, name))
    assert CHECKED_NEUTRAL in response.text


@pytest.mark.parametrize("name", OUT_OF_SCOPE)
def test_neutral_titles_cannot_be_chosen_out_of_scope(as_persona, personas, name):
    response = as_persona(name).post(
        manage_url(personas), {"action": "titles", "titles": "neutral"}
    )
    assert response.status_code == 404
    assert not CalendarChoice.objects.exists()


@pytest.mark.parametrize("titles", [None, "", "NEUTRAL", "neutral\x00", "x" * 10_000])
def test_an_unknown_titles_choice_is_400_and_writes_nothing(as_persona, personas, titles):
    data = {"action": "titles"} | ({} if titles is None else {"titles": titles})
    response = as_persona("the_patient").post(manage_url(personas), data)
    assert response.status_code == 400
    # A NUL is refused before the choice is read, with its own message.
    said = "a NUL character" if titles and "\x00" in titles else "Choose how calendar events"
    assert said in response.text
    assert not CalendarChoice.objects.exists()


def test_neutral_titles_leave_the_drug_and_route_out_of_the_feed(client, personas, course):
    token = issue_feed(personas.patient, by=personas.the_patient).token
    named = client.get(feed_url(token)).content
    assert any(summary.startswith("IL-2: Cycle 1") for summary in summaries(named))
    assert b"Aldesleukin" in named

    choose_titles(personas.patient, neutral=True, by=personas.the_patient)
    neutral = client.get(feed_url(token)).content
    assert summaries(neutral) == {"Treatment"}
    text = neutral.decode().replace("\r\n ", "").lower()
    for word in ("il-2", "il2", "aldesleukin", "proleukin", "intravenous", "subcutaneous"):
        assert word not in text, word
    assert "X-WR-CALNAME:Treatment" in neutral.decode()


def test_neutral_titles_apply_to_the_course_download(as_persona, personas, course):
    choose_titles(personas.patient, neutral=True, by=personas.the_patient)
    response = as_persona("nurse_on_team").get(course_url(course))
    assert response["Content-Disposition"] == f'attachment; filename="treatment-{course.pk}.ics"'
    assert summaries(response.content) == {"Treatment"}
    assert b"aldesleukin" not in response.content.lower()


def test_the_subscription_page_reads_little(as_persona, personas, django_assert_max_num_queries):
    client = as_persona("the_patient")
    issue_feed(personas.patient, by=personas.the_patient)
    choose_titles(personas.patient, neutral=True, by=personas.the_patient)
    client.get(manage_url(personas))  # warm the session
    with django_assert_max_num_queries(8):
        assert client.get(manage_url(personas)).status_code == 200


# Answering polls: a calendar app asks again every few minutes


def poll(client, token, etag=None, **headers):
    if etag:
        headers["HTTP_IF_NONE_MATCH"] = etag
    return client.get(feed_url(token), **headers)


@pytest.fixture
def feed_token(personas, course):
    return issue_feed(personas.patient, by=personas.the_patient).token


@pytest.mark.now(BEFORE_START)
def test_the_feed_carries_a_strong_etag_and_its_last_change(client, feed_token):
    response = poll(client, feed_token)
    assert response.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    # The feed was issued, and the course started, on the frozen clock.
    assert response["Last-Modified"] == "Wed, 10 Mar 2027 12:00:00 GMT"


@pytest.mark.now(BEFORE_START)
def test_a_poll_with_the_current_etag_is_answered_304_without_a_body(client, feed_token):
    etag = poll(client, feed_token)["ETag"]
    response = poll(client, feed_token, etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "private, max-age=300"


@pytest.mark.now(BEFORE_START)
def test_a_poll_with_the_last_change_is_answered_304(client, feed_token):
    last_modified = poll(client, feed_token)["Last-Modified"]
    response = poll(client, feed_token, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 304


@pytest.mark.now(BEFORE_START)
def test_the_same_calendar_keeps_its_etag(client, feed_token):
    first, second = poll(client, feed_token), poll(client, feed_token)
    assert first["ETag"] == second["ETag"]
    assert first.content == second.content


def record_the_first_dose(personas, course):
    record_given(course.doses.get(dose_in_course=1), personas.nurse_on_team)


def move_the_start(personas, course):
    move_start(course, datetime(2027, 3, 11, 8, 0), by=personas.clinician_on_team, reason="No bed")


def discontinue(personas, course):
    discontinue_course(course, by=personas.clinician_on_team, code="progression")


def choose_neutral_titles(personas, course):
    choose_titles(personas.patient, neutral=True, by=personas.the_patient)


def choose_an_alarm_an_hour_before(personas, course):
    ReminderSettings.objects.of(personas.patient).choose(
        by=personas.the_patient, dose_lead_minutes=60
    )


def move_the_patient_to_london(personas, course):
    personas.patient.time_zone = "Europe/London"
    personas.patient.save()


def move_the_course_to_london(personas, course):
    # Not offered on a page; an admin's edit all the same.
    course.time_zone = "Europe/London"
    course.save()


def lengthen_the_infusion(personas, course):
    course.template.infusion_minutes += 15
    course.template.save()


@pytest.mark.now(BEFORE_START)
@pytest.mark.parametrize(
    "change",
    [
        record_the_first_dose,
        move_the_start,
        discontinue,
        choose_neutral_titles,
        choose_an_alarm_an_hour_before,
        move_the_patient_to_london,
        move_the_course_to_london,
        lengthen_the_infusion,
    ],
)
def test_a_change_to_what_the_feed_shows_gives_a_new_etag(client, personas, course, change):
    token = issue_feed(personas.patient, by=personas.the_patient).token
    before = poll(client, token)
    change(personas, course)
    after = poll(client, token, before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.content != before.content


@pytest.mark.now(BEFORE_START)
def test_the_first_dose_passing_gives_a_new_etag_and_last_change(client, clock, feed_token):
    before = poll(client, feed_token)
    clock.move_to(FIRST_DOSE_AT + timedelta(minutes=1))
    after = poll(
        client, feed_token, before["ETag"], HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]
    )
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    # Its alarm is gone: it is no longer to come.
    assert len(Calendar.from_ical(after.content).walk("VALARM")) == (
        len(Calendar.from_ical(before.content).walk("VALARM")) - 1
    )
    assert after["Last-Modified"] == "Wed, 10 Mar 2027 13:00:00 GMT"
    assert (
        poll(client, feed_token, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]).status_code == 200
    )


@pytest.mark.now(BEFORE_START)
def test_a_revoked_link_is_404_whatever_etag_it_brings(client, personas, feed_token):
    response = poll(client, feed_token)
    revoke_feed(personas.patient, by=personas.the_patient)
    assert poll(client, feed_token, response["ETag"]).status_code == 404
    assert poll(client, feed_token, "*").status_code == 404
    assert (
        poll(client, feed_token, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code
        == 404
    )


@pytest.mark.now(BEFORE_START)
def test_an_unknown_link_is_404_with_any_etag(client, feed_token):
    etag = poll(client, feed_token)["ETag"]
    assert poll(client, "x" * 43, etag).status_code == 404


@pytest.mark.now(BEFORE_START)
def test_a_304_is_still_written_in_the_read_access_log(client, personas, feed_token):
    etag = poll(client, feed_token)["ETag"]
    before = RecordAccess.objects.filter(patient=personas.patient).count()
    assert poll(client, feed_token, etag).status_code == 304
    assert RecordAccess.objects.filter(patient=personas.patient).count() == before + 1


@pytest.mark.now(BEFORE_START)
def test_a_poll_answered_304_reads_less_than_the_calendar(
    client, feed_token, django_assert_num_queries
):
    # The link (1) and the version (1); the calendar then reads the doses (1).
    with django_assert_num_queries(3):
        etag = poll(client, feed_token)["ETag"]
    with django_assert_num_queries(2):
        assert poll(client, feed_token, etag).status_code == 304

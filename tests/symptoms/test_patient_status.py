"""Where a report stands, as its patient is told: sent, seen, replied to; on the report
list, the report's page and the home page's recent reports."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from tests.symptoms.conftest import MILD, ROUTINE
from tracker.alerts.handling import acknowledge_alert
from tracker.symptoms.models import SymptomReport
from tracker.symptoms.reporting import review_report, withdraw_report

# 17:00 in New York, the patient's clock.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 22:00Z")]
LIST = "/me/symptoms/"


def status(report):
    return SymptomReport.objects.with_patient_status().get(pk=report.pk).patient_status


def words(report) -> str:
    return status(report).words


def test_a_new_report_is_sent(make_report, now):
    report = make_report()
    assert (words(report), status(report).at, status(report).unread) == ("Sent", now, False)


def test_a_reviewed_report_is_seen_when_it_was_reviewed(personas, make_report, clock, now):
    report = make_report()
    review_report(report, by=personas.clinician_on_team, grade=1, now=now + timedelta(minutes=5))
    assert (words(report), status(report).at) == (
        "Seen by your care team",
        now + timedelta(minutes=5),
    )


def test_an_acknowledged_alert_means_seen(personas, make_report, now):
    report = make_report(answers=ROUTINE)
    alert = report.alerts.get()
    assert words(report) == "Sent"
    acknowledge_alert(alert, by=personas.nurse_on_team)
    assert words(report) == "Seen by your nurse"


def test_an_alert_a_clinician_acknowledged_was_seen_by_the_care_team(personas, make_report):
    report = make_report(answers=ROUTINE)
    acknowledge_alert(report.alerts.get(), by=personas.clinician_on_team)
    assert words(report) == "Seen by your care team"


def test_seen_is_the_first_of_review_and_acknowledgement(personas, make_report, now):
    report = make_report(answers=ROUTINE)
    review_report(report, by=personas.clinician_on_team, grade=1, now=now + timedelta(hours=1))
    acknowledge_alert(report.alerts.get(), by=personas.nurse_on_team)
    assert (words(report), status(report).at) == ("Seen by your nurse", now)


def test_a_reply_says_replied_and_unread_until_opened(personas, make_report, thread, as_persona):
    report = make_report()
    thread(report, "nurse")
    assert (words(report), status(report).unread) == ("Your care team replied", True)
    as_persona("the_patient").get(f"/me/symptoms/reports/{report.pk}/")
    assert (words(report), status(report).unread) == ("Your care team replied", False)


def test_a_withdrawn_reply_does_not_count(personas, make_report, thread):
    from tracker.symptoms.replies import withdraw_message

    report = make_report()
    (message,) = thread(report, "nurse")
    withdraw_message(message, by=personas.nurse_on_team, reason="Wrong patient")
    assert words(report) == "Sent"


def test_a_withdrawn_report_says_so(personas, make_report):
    report = make_report()
    withdraw_report(report, by=personas.the_patient, reason="Twice")
    assert words(report) == "Withdrawn"


# On the pages.


def test_the_report_page_shows_the_status_on_the_patients_clock(
    as_persona, personas, make_report, now
):
    report = make_report()
    review_report(report, by=personas.clinician_on_team, grade=1, now=now + timedelta(minutes=5))
    text = as_persona("the_patient").get(f"/me/symptoms/reports/{report.pk}/").text
    assert "Seen by your care team at 17:05 on Wed 10 Mar" in text


def test_the_report_list_shows_each_reports_status(as_persona, personas, make_report, thread):
    make_report()
    replied = make_report(slug="vomiting")
    thread(replied, "nurse")
    text = as_persona("the_patient").get(LIST).text
    assert "Sent at 17:00 on Wed 10 Mar" in text
    assert "Your care team replied at 17:00 on Wed 10 Mar" in text
    assert "New message" in text


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_report_list_costs_the_same_queries_however_many_reports_and_replies(
    as_persona, make_report, thread
):
    client = as_persona("the_patient")
    make_report()
    client.get(LIST)
    few = count_queries(client, LIST)
    for _ in range(6):
        thread(make_report(), "nurse", "patient")
    assert count_queries(client, LIST) == few


def test_the_report_page_costs_the_same_queries_however_long_the_thread(
    as_persona, make_report, thread
):
    client = as_persona("the_patient")
    short, long = make_report(), make_report()
    thread(short, "nurse")
    thread(long, "nurse", "patient", "clinician", "patient", "nurse", "nurse")
    client.get(f"/me/symptoms/reports/{short.pk}/")
    assert count_queries(client, f"/me/symptoms/reports/{long.pk}/") == count_queries(
        client, f"/me/symptoms/reports/{short.pk}/"
    )
    assert count_queries(client, f"/me/symptoms/reports/{long.pk}/") <= 14


# The home page's recent reports.

TAG = Template("{% load my_reports %}{% my_recent_reports patient %}")


def render_tag(patient) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        html = TAG.render(Context({"patient": patient}))
    return html, len(queries)


def test_the_tag_lists_the_last_five_reports_newest_first_with_status(
    personas, make_report, thread, clock
):
    reports = []
    for slug in ["nausea", "vomiting", "chills", "hot-flashes", "palpitations", "diarrhoea"]:
        answers = {"frequency": 2} if slug == "diarrhoea" else MILD
        reports.append(make_report(slug=slug, answers=answers))
        clock.shift(timedelta(minutes=1))
    thread(reports[-1], "nurse")
    html, _ = render_tag(personas.patient)
    shown = [r.symptom.name for r in reports[::-1][:5]]
    positions = [html.index(f">{name}</a>") for name in shown]
    assert positions == sorted(positions)
    assert ">Nausea</a>" not in html
    assert "Your care team replied" in html
    assert "New message" in html
    assert "“Message 1 from the team.”" in html
    assert f'href="/me/symptoms/reports/{reports[-1].pk}/"' in html


def test_the_tag_costs_one_query_however_many_reports(personas, make_report, thread):
    make_report()
    _, one = render_tag(personas.patient)
    for _ in range(5):
        thread(make_report(), "nurse", "patient")
    _, many = render_tag(personas.patient)
    assert one == many == 1


def test_the_tag_shows_only_the_patients_own_reports(personas, make_report):
    from tests.factories import PatientFactory

    make_report()
    html, _ = render_tag(PatientFactory())
    assert "You have not reported any side effects yet." in html


def test_the_tag_is_empty_without_a_patient():
    html, queries = render_tag(None)
    assert "You have not reported any side effects yet." in html
    assert queries == 0

"""Reminders by e-mail: when each goes, to whom, once, and what it says."""

from datetime import UTC, datetime, time
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail

from tests.factories import (
    PatientFactory,
    choose_reminders,
    make_course,
    make_home_course,
    make_user,
    record_given,
)
from tests.reminders.helpers import dose_on, run_at
from tracker.accounts.roles import Role
from tracker.reminders.models import Reminder
from tracker.reminders.sending import queue_due_reminders, send_reminder

pytestmark = pytest.mark.django_db

# Quiet hours well away from the doses, for tests about something else.
AT_LUNCH = {"quiet_start": time(12, 0), "quiet_end": time(13, 0)}


def reminders(kind=Reminder.Kind.DOSE_DUE):
    return Reminder.objects.filter(kind=kind)


# Doses: elapsed time before the dose, on the patient's clock ----------------------------


def test_it_sends_a_dose_reminder_the_chosen_time_before_the_dose(home_patient):
    make_home_course(home_patient)  # Monday 1 March 09:00 GMT
    choose_reminders(home_patient, dose_lead_minutes=30)

    assert run_at("2027-03-01 08:29Z") == 0
    assert mail.outbox == []
    assert run_at("2027-03-01 08:30Z") == 1

    [message] = mail.outbox
    assert message.to == ["home.patient@example.org"]
    assert message.subject == "Reminder from your care team"
    assert "09:00 today (Monday 1 March)" in message.body
    reminder = reminders().get()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.SENT, 1)
    assert message.extra_headers["Message-ID"] == f"<reminder-{reminder.pk}@il2.example.org>"


def test_it_counts_the_lead_in_elapsed_time_across_the_clocks_going_forward(home_patient):
    # London, Sunday 28 March 2027: 01:00 GMT becomes 02:00 BST.  A dose at 03:00 BST
    # (02:00 UTC) reminded 2 hours before is reminded at 00:00 GMT, not at "01:00".
    course = make_home_course(home_patient, start="2027-03-24 03:00")
    dose = dose_on(course, "2027-03-28")
    choose_reminders(home_patient, dose_lead_minutes=120, **AT_LUNCH)

    run_at("2027-03-27 23:59Z")
    assert not reminders().filter(dose=dose).exists()
    run_at("2027-03-28 00:00Z")

    assert reminders().get(dose=dose).status == Reminder.Status.SENT
    assert "03:00 today (Sunday 28 March)" in mail.outbox[-1].body


def test_it_counts_the_lead_in_elapsed_time_across_the_clocks_going_back(home_patient):
    # New York, Sunday 7 November 2027: 02:00 EDT becomes 01:00 EST.  A dose at 02:30
    # EST (07:30 UTC) reminded 2 hours before is reminded at 05:30 UTC, 01:30 EDT.
    home_patient.time_zone = "America/New_York"
    home_patient.save()
    course = make_home_course(home_patient, start="2027-11-03 02:30")
    dose = dose_on(course, "2027-11-07")
    choose_reminders(home_patient, dose_lead_minutes=120, **AT_LUNCH)

    run_at("2027-11-07 05:29Z")
    assert not reminders().filter(dose=dose).exists()
    run_at("2027-11-07 05:30Z")

    assert reminders().get(dose=dose).status == Reminder.Status.SENT
    assert "02:30 today (Sunday 7 November)" in mail.outbox[-1].body


def test_it_reminds_at_the_time_of_the_dose_if_asked(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient, dose_lead_minutes=0)

    assert run_at("2027-03-01 08:59Z") == 0
    assert run_at("2027-03-01 09:00Z") == 1


def test_it_sends_nothing_to_a_patient_who_did_not_ask(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient, dose_reminders=False)

    assert run_at("2027-03-01 08:30Z") == 0
    assert run_at("2027-03-01 21:00Z") == 0  # nor about the dose left unrecorded
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_it_sends_nothing_to_a_patient_who_never_chose(home_patient):
    make_home_course(home_patient)

    assert run_at("2027-03-01 08:30Z") == 0
    assert not Reminder.objects.exists()


def test_it_sends_nothing_without_an_e_mail_address(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient)
    home_patient.user.email = ""
    home_patient.user.save()

    assert run_at("2027-03-01 08:30Z") == 0
    assert not Reminder.objects.exists()


def test_it_sends_nothing_for_doses_given_on_the_ward(home_patient):
    make_course(home_patient, start="2027-03-01 09:00")  # high-dose IV
    choose_reminders(home_patient)

    assert run_at("2027-03-01 08:30Z") == 0
    assert not Reminder.objects.exists()


def test_it_skips_a_reminder_whose_dose_was_cancelled_before_it_went(home_patient):
    course = make_home_course(home_patient)
    choose_reminders(home_patient)
    queue_due_reminders(datetime(2027, 3, 1, 8, 30, tzinfo=UTC))
    dose_on(course, "2027-03-01").cancel(by=make_user(Role.CLINICIAN), reason="Stopped")

    assert run_at("2027-03-01 08:30Z") == 0
    reminder = reminders().get()
    assert reminder.status == Reminder.Status.SKIPPED
    assert reminder.note == "The dose is cancelled."


# Quiet hours ----------------------------------------------------------------------------


def test_a_reminder_due_in_quiet_hours_waits_for_their_end(home_patient):
    make_home_course(home_patient, start="2027-03-01 07:15")
    choose_reminders(home_patient, dose_lead_minutes=30)  # 06:45: quiet until 07:00

    assert run_at("2027-03-01 06:45Z") == 0
    assert run_at("2027-03-01 07:00Z") == 1
    assert "07:15 today (Monday 1 March)" in mail.outbox[0].body


def test_a_dose_in_quiet_hours_is_reminded_the_evening_before(home_patient):
    make_home_course(home_patient, start="2027-03-01 06:00")
    choose_reminders(home_patient, dose_lead_minutes=30)  # quiet 22:00 to 07:00

    assert run_at("2027-02-28 21:29Z") == 0
    assert run_at("2027-02-28 21:30Z") == 1
    assert "06:00 tomorrow (Monday 1 March)" in mail.outbox[0].body


def test_a_reminder_never_wakes_the_patient_even_when_the_worker_was_late(home_patient):
    make_home_course(home_patient, start="2027-03-01 06:00")
    choose_reminders(home_patient, dose_lead_minutes=30)

    # No worker ran in the evening: by 23:00 the quiet hours have begun.
    assert run_at("2027-02-28 23:00Z") == 0
    assert run_at("2027-03-01 05:59Z") == 0
    reminder = reminders().get()
    assert reminder.status == Reminder.Status.SKIPPED
    assert "quiet hours" in reminder.note
    assert mail.outbox == []


# A dose not recorded ----------------------------------------------------------------


def test_a_dose_unrecorded_at_the_end_of_its_window_is_reminded(home_patient):
    make_home_course(home_patient)  # 09:00, recorded within 12 hours
    choose_reminders(home_patient, **AT_LUNCH)

    run_at("2027-03-01 20:59Z")
    assert not reminders(Reminder.Kind.DOSE_UNRECORDED).exists()
    assert run_at("2027-03-01 21:00Z") == 1

    body = mail.outbox[-1].body
    assert "Your injection planned for 09:00 today (Monday 1 March) has not been recorded." in body
    assert "do not take a double dose" in body
    assert reminders(Reminder.Kind.DOSE_UNRECORDED).get().status == Reminder.Status.SENT


def test_a_recorded_dose_gets_no_unrecorded_reminder(home_patient):
    course = make_home_course(home_patient)
    choose_reminders(home_patient, **AT_LUNCH)
    record_given(dose_on(course, "2027-03-01"), make_user(Role.NURSE))

    assert run_at("2027-03-01 21:00Z") == 0
    assert not reminders(Reminder.Kind.DOSE_UNRECORDED).exists()


def test_an_unrecorded_reminder_in_quiet_hours_goes_when_they_end(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient, quiet_start=time(20, 0), quiet_end=time(7, 0))

    assert run_at("2027-03-01 21:00Z") == 0
    assert reminders(Reminder.Kind.DOSE_UNRECORDED).get().status == Reminder.Status.QUEUED
    assert run_at("2027-03-02 06:59Z") == 0
    assert run_at("2027-03-02 07:00Z") == 1
    assert "09:00 yesterday (Monday 1 March) has not been recorded" in mail.outbox[-1].body


# Thyroid tests ------------------------------------------------------------------------


def test_a_thyroid_test_is_reminded_at_nine_on_the_morning_it_is_due(home_patient):
    # The baseline TSH is due on the first dose's day; 09:00 BST is 08:00 UTC.
    make_home_course(home_patient, start="2027-04-05 10:00")
    choose_reminders(home_patient, dose_reminders=False, thyroid_reminders=True)

    assert run_at("2027-04-05 07:59Z") == 0
    assert run_at("2027-04-05 08:00Z") == 1
    assert run_at("2027-04-05 08:01Z") == 0

    assert "Your thyroid blood test is due today (Monday 5 April)." in mail.outbox[0].body
    reminder = reminders(Reminder.Kind.THYROID_DUE).get()
    assert str(reminder.test_due_on) == "2027-04-05"


def test_no_thyroid_reminder_without_asking(home_patient):
    make_home_course(home_patient, start="2027-04-05 10:00")
    choose_reminders(home_patient, dose_reminders=False, thyroid_reminders=False)

    assert run_at("2027-04-05 08:00Z") == 0
    assert not Reminder.objects.exists()


# Once, whatever happens ---------------------------------------------------------------


def test_running_twice_sends_once(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient)

    assert run_at("2027-03-01 08:30Z") == 1
    assert run_at("2027-03-01 08:30Z") == 0
    assert run_at("2027-03-01 08:31Z") == 0
    assert len(mail.outbox) == 1
    assert reminders().count() == 1


@pytest.mark.now("2027-03-01 08:30Z")
def test_two_workers_holding_the_same_row_send_it_once(home_patient, now):
    make_home_course(home_patient)
    choose_reminders(home_patient)
    queue_due_reminders(now)
    # Both workers read the row before either claimed it.
    first, second = Reminder.objects.get(), Reminder.objects.get()

    assert send_reminder(first, now) == 1
    assert send_reminder(second, now) == 0
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_is_retried_with_back_off_then_the_reminder_fails(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient)
    down = SMTPException("Connection refused")

    with mock.patch("tracker.reminders.sending.send_message", side_effect=down) as send:
        run_at("2027-03-01 08:30Z")
        reminder = reminders().get()
        assert (reminder.status, reminder.attempts) == (Reminder.Status.QUEUED, 1)
        run_at("2027-03-01 08:30:30Z")  # too soon to try again
        assert send.call_count == 1
        for when in ("2027-03-01 08:31Z", "2027-03-01 08:36Z", "2027-03-01 08:51Z"):
            run_at(when)
        assert send.call_count == 4
        run_at("2027-03-01 09:30Z")
        assert send.call_count == 4

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.FAILED, 4)
    assert reminder.last_error == "Connection refused"
    assert reminder.sent_at is None


def test_a_reminder_that_failed_once_is_sent_on_the_next_try(home_patient):
    make_home_course(home_patient)
    choose_reminders(home_patient)

    with mock.patch("tracker.reminders.sending.send_message", side_effect=SMTPException("busy")):
        run_at("2027-03-01 08:30Z")
    assert run_at("2027-03-01 08:31Z") == 1

    reminder = reminders().get()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.SENT, 2)
    assert len(mail.outbox) == 1


# What the e-mail says -----------------------------------------------------------------


def test_the_e_mail_names_no_person_drug_or_diagnosis(home_patient):
    course = make_home_course(home_patient)
    choose_reminders(home_patient, thyroid_reminders=True, **AT_LUNCH)

    run_at("2027-03-01 08:30Z")  # the dose and the baseline thyroid test
    run_at("2027-03-01 09:00Z")
    run_at("2027-03-01 21:00Z")  # the dose left unrecorded
    assert {m.subject for m in mail.outbox} == {"Reminder from your care team"}
    assert len(mail.outbox) == 3

    forbidden = [
        "aldesleukin",
        "proleukin",
        "il-2",
        "interleukin",
        "cancer",
        "melanoma",
        "renal",
        home_patient.given_name.lower(),
        home_patient.family_name.lower(),
        home_patient.mrn.lower(),
        course.template.drug.lower(),
    ]
    for message in mail.outbox:
        text = (message.subject + message.body).lower()
        assert [word for word in forbidden if word in text] == []
        assert "https://il2.example.org/me/" in message.body
        assert "https://il2.example.org/me/reminders/" in message.body


def test_another_patient_s_doses_do_not_reach_this_patient(home_patient):
    other = PatientFactory(
        user=make_user(Role.PATIENT, email="other@example.org"), time_zone="Europe/London"
    )
    make_home_course(other)
    choose_reminders(home_patient)

    assert run_at("2027-03-01 08:30Z") == 0


def test_finding_the_reminders_due_takes_the_same_queries_for_more_patients(home_patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def patients(n):
        for _ in range(n):
            patient = PatientFactory(
                user=make_user(Role.PATIENT, email="p@example.org"), time_zone="Europe/London"
            )
            make_home_course(patient)
            choose_reminders(patient, thyroid_reminders=True)

    counts = []
    for n, when in ((1, "2027-03-01 08:30"), (3, "2027-03-01 08:31")):
        patients(n)
        with CaptureQueriesContext(connection) as queries:
            queue_due_reminders(datetime.fromisoformat(when).replace(tzinfo=UTC))
        counts.append(len(queries))
    assert counts[0] == counts[1]

"""Staff CTCAE entries and reviewed grades: what is stored, what is refused, and the admin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    PatientFactory,
    make_course,
    make_user,
    record_given,
    sign_in_with_second_factor,
)
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.symptoms.models import AdverseEvent, CtcaeTerm, ProSymptom, SymptomReport
from tracker.symptoms.reporting import EntryRefused, record_event, report_symptom, review_report

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-12 12:00Z")]


@pytest.fixture
def dose(personas):
    course = make_course(personas.patient, by=personas.clinician_on_team)
    dose = course.doses.get(dose_in_course=1)
    record_given(dose, personas.nurse_on_team)
    return dose


def term(name):
    return CtcaeTerm.objects.get(term=name, version="5.0")


def event(personas, name="Chills", **fields):
    fields.setdefault("grade", 2)
    fields.setdefault("onset_at", timezone.now() - timedelta(hours=1))
    fields.setdefault("attribution", "probable")
    return record_event(personas.patient, term(name), by=personas.nurse_on_team, **fields)


def assert_refused(personas, message, **fields):
    with pytest.raises(EntryRefused) as refusal:
        event(personas, **fields)
    assert refusal.value.message == message
    assert AdverseEvent.objects.count() == 0
    assert Alert.objects.count() == 0


# Recording an entry.


def test_an_entry_stores_its_ctcae_version_and_the_dose_before_it(personas, dose):
    saved = event(personas, onset_at=dose.planned_at + timedelta(hours=2), note="  rigors ")
    assert saved.ctcae_version == "5.0"
    assert saved.dose == dose
    assert saved.note == "rigors"
    assert saved.recorded_by == personas.nurse_on_team
    assert saved.history.get().history_change_reason == "Recorded"


def test_the_version_stays_with_the_entry_when_a_new_version_is_added(personas, dose):
    saved = event(personas)
    CtcaeTerm.objects.create(version="6.0", term="Chills", category="General", grade_1="Cold")
    saved.refresh_from_db()
    assert (saved.ctcae_version, saved.term.version) == ("5.0", "5.0")


def test_an_entry_can_be_linked_to_no_dose_or_a_chosen_dose(personas, dose):
    assert event(personas, dose=None).dose is None
    earlier = dose.course.doses.get(dose_in_course=2)
    assert event(personas, dose=earlier).dose == earlier


def test_grade_3_alerts_the_care_team_and_grade_2_does_not(personas, dose):
    event(personas, grade=2)
    assert Alert.objects.count() == 0
    severe = event(personas, grade=3)
    alert = Alert.objects.get()
    assert alert.adverse_event == severe
    assert alert.text == f"{personas.patient.full_name}: Chills, grade 3."


def test_recording_an_event_says_which_alert_it_raised(personas, dose):
    assert event(personas, grade=2).raised_alert is None
    assert event(personas, grade=3).raised_alert == Alert.objects.get()


def test_a_grade_the_term_does_not_define_is_refused(personas, dose):
    assert_refused(personas, "Flushing has no grade 4 in CTCAE v5.0.", name="Flushing", grade=4)


@pytest.mark.parametrize("grade", [0, 6, "abc", None])
def test_a_grade_outside_the_scale_is_refused(personas, grade):
    with pytest.raises(EntryRefused):
        event(personas, grade=grade)
    assert AdverseEvent.objects.count() == 0


def test_resolving_before_onset_is_refused(personas):
    onset = timezone.now() - timedelta(hours=2)
    assert_refused(
        personas,
        "It cannot resolve before it started.",
        onset_at=onset,
        resolved_at=onset - timedelta(minutes=1),
    )


def test_an_onset_in_the_future_is_refused(personas):
    assert_refused(
        personas,
        "The time it started is in the future.",
        onset_at=timezone.now() + timedelta(minutes=6),
    )


def test_a_resolution_in_the_future_is_refused(personas):
    assert_refused(
        personas,
        "The time it resolved is in the future.",
        resolved_at=timezone.now() + timedelta(hours=1),
    )


def test_another_patients_dose_is_refused(personas):
    other = make_course(PatientFactory(), by=personas.clinician_on_team)
    assert_refused(personas, "That dose is another patient's.", dose=other.doses.first())


def test_a_term_switched_off_is_refused(personas):
    CtcaeTerm.objects.filter(term="Chills").update(is_active=False)
    assert_refused(personas, "Chills (CTCAE v5.0) is no longer in use. Choose a current term.")


# Reviewing a patient's report.


@pytest.fixture
def chills(personas, dose):
    return report_symptom(
        personas.patient,
        ProSymptom.objects.get(slug="chills"),
        by=personas.the_patient,
        answers={"frequency": 3, "severity": 2},
        onset_at=dose.planned_at + timedelta(minutes=30),
    )


def test_a_review_stores_the_grade_who_and_when(personas, chills):
    review_report(chills, by=personas.clinician_on_team, grade=2)
    chills.refresh_from_db()
    assert chills.reviewed_grade == 2
    assert chills.reviewed_by == personas.clinician_on_team
    assert chills.reviewed_at == timezone.now()
    assert chills.history.first().history_change_reason == "Reviewed: grade 2"


def test_a_second_review_keeps_the_first_in_the_history(personas, chills):
    review_report(chills, by=personas.clinician_on_team, grade=2)
    review_report(chills, by=personas.clinician_on_team, grade=0)
    assert list(chills.history.values_list("reviewed_grade", flat=True)) == [0, 2, None]


@pytest.mark.parametrize("grade", [-1, 6, "abc", None])
def test_a_review_outside_0_to_5_is_refused(personas, chills, grade):
    with pytest.raises(EntryRefused, match="Choose a grade from 0 to 5"):
        review_report(chills, by=personas.clinician_on_team, grade=grade)
    chills.refresh_from_db()
    assert chills.reviewed_grade is None


def test_a_report_entered_in_error_is_not_reviewed(personas, chills):
    SymptomReport.objects.filter(pk=chills.pk).update(
        state="entered_in_error", error_reason="wrong symptom"
    )
    chills.refresh_from_db()
    with pytest.raises(EntryRefused, match="entered in error"):
        review_report(chills, by=personas.clinician_on_team, grade=1)
    chills.refresh_from_db()
    assert chills.reviewed_grade is None


# The admin: reference data with a reason, entries read-only.


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, make_user(Role.ADMIN, is_superuser=True))
    return client


def term_form(item, **changes):
    fields = ["version", "term", "category", *(f"grade_{n}" for n in range(1, 6))]
    return {**{f: getattr(item, f) for f in fields}, "is_active": "on", **changes}


def test_changing_a_ctcae_term_needs_a_reason_kept_in_its_history(admin_client):
    chills = term("Chills")
    url = f"/admin/symptoms/ctcaeterm/{chills.pk}/change/"
    response = admin_client.post(url, term_form(chills, grade_3="Severe"))
    assert response.status_code == 200
    assert "This field is required." in response.text
    chills.refresh_from_db()
    assert chills.grade_3 != "Severe"

    changed = term_form(chills, grade_3="Severe", change_reason="Checked against the NCI file")
    assert admin_client.post(url, changed).status_code == 302
    latest = chills.history.first()
    assert latest.grade_3 == "Severe"
    assert latest.history_change_reason == "Checked against the NCI file"


def test_reference_data_cannot_be_deleted(admin_client):
    chills = term("Chills")
    symptom = ProSymptom.objects.get(slug="chills")
    assert admin_client.get(f"/admin/symptoms/ctcaeterm/{chills.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/symptoms/prosymptom/{symptom.pk}/delete/").status_code == 403


def test_the_admin_shows_reports_and_entries_read_only_with_history(
    admin_client, personas, chills
):
    saved = event(personas)
    for url in [
        "/admin/symptoms/symptomreport/",
        "/admin/symptoms/symptomreport/?state__exact=active&reviewed_grade__isnull=True",
        f"/admin/symptoms/symptomreport/?q={personas.patient.mrn}",
        f"/admin/symptoms/symptomreport/{chills.pk}/change/",
        f"/admin/symptoms/symptomreport/{chills.pk}/history/",
        "/admin/symptoms/adverseevent/",
        "/admin/symptoms/adverseevent/?ctcae_version=5.0&grade=2&attribution__exact=probable",
        f"/admin/symptoms/adverseevent/?q={personas.patient.family_name}",
        "/admin/symptoms/adverseevent/?q=chills",
        f"/admin/symptoms/adverseevent/{saved.pk}/change/",
        f"/admin/symptoms/adverseevent/{saved.pk}/history/",
        "/admin/symptoms/ctcaeterm/?version=5.0",
        "/admin/symptoms/prosymptom/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    listed = admin_client.get("/admin/symptoms/adverseevent/?q=chills")
    assert listed.context["cl"].result_count == 1
    page = admin_client.get(f"/admin/symptoms/adverseevent/{saved.pk}/change/").text
    assert 'name="grade"' not in page
    for url in [
        "/admin/symptoms/symptomreport/add/",
        "/admin/symptoms/adverseevent/add/",
        f"/admin/symptoms/adverseevent/{saved.pk}/delete/",
        f"/admin/symptoms/symptomreport/{chills.pk}/delete/",
    ]:
        assert admin_client.get(url).status_code == 403, url
    assert (
        admin_client.post(
            f"/admin/symptoms/adverseevent/{saved.pk}/change/", {"grade": 5}
        ).status_code
        == 403
    )
    saved.refresh_from_db()
    assert saved.grade == 2

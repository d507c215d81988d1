"""The read-access log: every page that shows a patient's data writes one row, naming them.

The addresses come from tests/patients/access_log_pages.py, which sorts every URL pattern;
one it does not know fails `test_every_address_is_sorted`, so a new page cannot escape.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regimens.feeds import issue_feed
from tests.browser.patient_pages import url_patterns
from tests.factories import (
    NORMAL_OBSERVATIONS,
    Client,
    PatientFactory,
    make_course,
    make_home_course,
    make_user,
    record_given,
    sign_in_with_second_factor,
    verified,
)
from tests.patients import access_log_pages as pages
from tracker.accounts.roles import Role
from tracker.lib.admin import ReadLoggedAdmin, patient_path
from tracker.observations.fluids import chart_fluid, chart_weight
from tracker.observations.home import record_readings
from tracker.observations.infusions import (
    change_rate,
    end_event,
    start_event,
    start_infusion,
    stop_infusion,
)
from tracker.observations.labs import chart_panel
from tracker.observations.vitals import chart_vitals
from tracker.patients.models import RecordAccess, RetreatmentContraindication
from tracker.symptoms.models import CtcaeTerm, ProSymptom
from tracker.symptoms.replies import send_reply
from tracker.symptoms.reporting import record_event, report_symptom
from tracker.thyroid.recording import record_result
from tracker.ward.recording import authorise_override, record_check

# Dose 1 of the ward patient's course is at 13:00 UTC; the home patient injects daily.
pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-10 12:50Z")]

# Pages about the ward patient's high-dose course: a pre-dose check, an override, a record.
ON_THE_WARD = {
    "dose-detail",
    "dose-record",
    "dose-check",
    "dose-authorise",
    "record-correct",
    "override-withdraw",
    "retreatment-lift-request",
    "retreatment-lift-confirm",
    "retreatment-lift-decline",
}


@dataclass
class Scene:
    patient: object  # the personas' patient, injecting at home
    ward_patient: object  # on the same care team, on a high-dose IV course
    course: object
    home_dose: object
    dose: object
    record: object
    override: object
    flag: object
    feed_token: str
    vitals: object
    fluid: object
    weight: object
    infusion: object
    stopped_infusion: object
    rate_change: object
    event: object
    ended_event: object
    lab: object
    report: object
    message: object
    adverse_event: object
    result: object
    alert: object
    own_vitals: object
    own_weight: object


def make_scene(personas, now) -> Scene:
    patient, nurse, clinician = (
        personas.patient,
        personas.nurse_on_team,
        personas.clinician_on_team,
    )
    course = make_home_course(patient, start="2027-03-09 09:00", by=clinician)
    home_dose = course.doses.get(dose_in_course=2)
    ward_patient = PatientFactory(care_team=[nurse, clinician])
    ward_course = make_course(ward_patient, by=clinician)
    dose = ward_course.doses.get(dose_in_course=1)
    record_check(
        dose,
        by=nurse,
        decision="ask",
        taken_at=dose.planned_at - timedelta(minutes=15),
        now=dose.planned_at - timedelta(minutes=10),
        **{**NORMAL_OBSERVATIONS, "systolic_bp": 85},
    )
    override = authorise_override(dose, by=clinician, reason="Baseline SBP 85 on every admission")
    record = record_given(dose, nurse, now=dose.planned_at)
    flag = RetreatmentContraindication.objects.create(
        patient=ward_patient,
        course=ward_course,
        criterion="sustained_vt",
        set_by=clinician,
        set_at=now,
    )
    feed = issue_feed(patient, by=personas.the_patient)
    earlier = now - timedelta(hours=2)
    vitals = chart_vitals(
        patient, by=nurse, taken_at=earlier, heart_rate=82, spo2=97, oxygen_device="room_air"
    )
    fluid = chart_fluid(
        patient, by=nurse, direction="intake", kind="oral", volume_ml=250, taken_at=earlier
    )
    weight = chart_weight(patient, by=nurse, weight_kg=Decimal("70.4"), taken_at=earlier)
    infusion = start_infusion(
        patient, by=nurse, agent="norepinephrine", rate=Decimal("0.05"), started_at=earlier
    )
    rate_change = change_rate(infusion, by=nurse, rate=Decimal("0.1"), at=earlier)
    stopped = start_infusion(
        patient, by=nurse, agent="dopamine", rate=Decimal("5"), started_at=earlier
    )
    stop_infusion(stopped, by=nurse, at=now - timedelta(hours=1))
    event = start_event(patient, by=nurse, kind="intubation", started_at=earlier)
    ended = start_event(patient, by=nurse, kind="intubation", started_at=earlier)
    end_event(ended, by=nurse, at=now - timedelta(hours=1))
    (lab,) = chart_panel(
        patient,
        by=nurse,
        taken_at=earlier,
        results=[{"test": "creatinine", "value": Decimal("88"), "unit": "umol/L"}],
    )
    report = report_symptom(
        patient,
        ProSymptom.objects.get(slug="nausea"),
        by=personas.the_patient,
        answers={"frequency": 2, "severity": 1},
    )
    message = send_reply(report, by=clinician, body="Take the anti-sickness tablets.")
    term = CtcaeTerm.objects.get(version="5.0", term="Hypotension")
    adverse_event = record_event(
        patient, term, by=nurse, grade=4, onset_at=earlier, attribution="possible", now=earlier
    )
    result = record_result(
        patient,
        by=nurse,
        test="tsh",
        value=Decimal("2.1"),
        unit="mIU/L",
        collected_at=earlier,
        course=course,
    )
    own = record_readings(
        patient,
        by=personas.the_patient,
        taken_at=now - timedelta(minutes=30),
        temperature_c=Decimal("37.2"),
        weight_kg=Decimal("70.1"),
    )
    own_vitals = next(e for e in own if type(e).__name__ == "VitalSigns")
    own_weight = next(e for e in own if type(e).__name__ == "WeightEntry")
    return Scene(
        patient=patient,
        ward_patient=ward_patient,
        course=course,
        home_dose=home_dose,
        dose=dose,
        record=record,
        override=override,
        flag=flag,
        feed_token=feed.token,
        vitals=vitals,
        fluid=fluid,
        weight=weight,
        infusion=infusion,
        stopped_infusion=stopped,
        rate_change=rate_change,
        event=event,
        ended_event=ended,
        lab=lab,
        report=report,
        message=message,
        adverse_event=adverse_event,
        result=result,
        alert=adverse_event.alerts.get(),
        own_vitals=own_vitals,
        own_weight=own_weight,
    )


@pytest.fixture
def scene(personas, shipped_data, now) -> Scene:
    return make_scene(personas, now)


def client_for(personas, name: str) -> Client:
    client = Client()
    user = getattr(personas, name)
    if name == "admin":
        return sign_in_with_second_factor(client, user)
    if user.is_authenticated:
        client.force_login(user)
    return client


def rows() -> list[tuple]:
    return list(RecordAccess.objects.order_by("pk").values_list("user", "patient", "what"))


# --- Every address is sorted: no page escapes the log by being forgotten. ---


def test_every_address_is_sorted(db):
    lists = {
        "PATIENT_PAGES": set(pages.PATIENT_PAGES),
        "LIST_PAGES": set(pages.LIST_PAGES),
        "NO_PATIENT_DATA": set(pages.NO_PATIENT_DATA),
        "POST_ONLY": set(pages.POST_ONLY),
    }
    unsorted, twice = [], []
    for route, name in url_patterns():
        found_in = [list_name for list_name, names in lists.items() if name in names]
        if not found_in:
            unsorted.append(f"{name} ({route})")
        elif len(found_in) > 1:
            twice.append(f"{name} in {found_in}")
    assert not unsorted, (
        "Add each to a list in tests/patients/access_log_pages.py, with how to open it, "
        f"so the read-access log is tested for it: {unsorted}"
    )
    assert not twice


def test_every_patient_page_writes_one_row_naming_its_patient(personas, scene):
    wrong = []
    for name, (persona, build) in pages.PATIENT_PAGES.items():
        before = RecordAccess.objects.count()
        url = build(scene)
        response = client_for(personas, persona).get(url)
        new = list(RecordAccess.objects.order_by("pk")[before:])
        patient = scene.ward_patient if name in ON_THE_WARD else scene.patient
        user = getattr(personas, persona)
        if response.status_code != 200:
            wrong.append(f"{name} ({url}): {response.status_code}, expected 200")
        elif [(r.patient_id, r.user_id, r.what, r.path) for r in new] != [
            (patient.pk, user.pk if user.is_authenticated else None, name, shown(name, url))
        ]:
            wrong.append(f"{name} ({url}): {[(r.patient_id, r.user_id, r.what) for r in new]}")
    assert not wrong, "\n".join(wrong)


def shown(name: str, url: str) -> str:
    # A calendar feed's secret token stays out of the log.
    return "/feeds/….ics" if name == "calendar-feed" else url


def test_every_list_page_writes_one_row_without_a_patient(personas, scene):
    for name, persona in pages.LIST_PAGES.items():
        before = RecordAccess.objects.count()
        response = client_for(personas, persona).get(reverse(name))
        assert response.status_code == 200, name
        new = list(RecordAccess.objects.order_by("pk")[before:])
        assert [(r.patient_id, r.user_id, r.what) for r in new] == [
            (None, getattr(personas, persona).pk, name)
        ], name


@pytest.mark.parametrize("name", ["alert-count", "ward-list", "my-settings", "patient-create"])
def test_a_page_without_patient_data_writes_nothing(personas, scene, name):
    before = RecordAccess.objects.count()
    assert client_for(personas, "clinician_on_team").get(reverse(name)).status_code == 200
    assert RecordAccess.objects.count() == before


@pytest.mark.parametrize("name", ["other_patient", "nurse_off_team", "clinician_off_team"])
def test_a_refused_request_writes_nothing(personas, scene, name):
    client = client_for(personas, name)
    for url in (
        reverse("patient-detail", args=[scene.patient.pk]),
        reverse("course-detail", args=[scene.course.pk]),
        reverse("patient-fhir", args=[scene.patient.pk]),
    ):
        assert client.get(url).status_code == 404
    assert rows() == []


def test_a_role_refused_after_the_patient_was_found_writes_nothing(personas, scene):
    # The patient reads their record, but may not open the staff's form to change it.
    client = client_for(personas, "the_patient")
    assert client.get(reverse("patient-edit", args=[scene.patient.pk])).status_code == 403
    assert rows() == []


def test_a_post_is_logged_like_a_page(personas, scene):
    client = client_for(personas, "clinician_on_team")
    url = reverse("alert-acknowledge", args=[scene.alert.pk])
    response = client.post(url, {"note": "Seen, fluids given", "next": "/alerts/"})
    assert response.status_code == 302
    (row,) = RecordAccess.objects.all()
    assert (row.patient, row.what, row.method) == (scene.patient, "alert-acknowledge", "POST")


def test_each_row_says_where_from(personas, scene):
    client = client_for(personas, "clinician_on_team")
    client.get(reverse("patient-detail", args=[scene.patient.pk]), REMOTE_ADDR="10.1.2.3")
    assert RecordAccess.objects.get().ip == "10.1.2.3"


def test_behind_a_proxy_the_clients_address_comes_from_the_named_header(personas, scene, settings):
    settings.READ_LOG_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client = client_for(personas, "clinician_on_team")
    url = reverse("patient-detail", args=[scene.patient.pk])
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.7")
    # A header that is not an address is left out; the read is still logged.
    assert client.get(url, HTTP_X_REAL_IP="x" * 300 + "\x00").status_code == 200
    assert [r.ip for r in RecordAccess.objects.order_by("pk")] == ["192.0.2.7", None]


# --- The acceptance's rows: a clinician opens a patient, a course and a FHIR export. ---


def test_a_clinician_opening_a_patient_a_course_and_the_fhir_export_leaves_three_rows(
    personas, scene, capsys
):
    client = client_for(personas, "clinician_on_team")
    for url in (
        reverse("patient-detail", args=[scene.patient.pk]),
        reverse("course-detail", args=[scene.course.pk]),
        reverse("patient-fhir", args=[scene.patient.pk]),
    ):
        assert client.get(url, REMOTE_ADDR="10.20.30.40").status_code == 200
    log = list(RecordAccess.objects.order_by("pk").select_related("user", "patient"))
    assert [(r.user, r.patient, r.what, r.method, r.path, r.ip) for r in log] == [
        (
            personas.clinician_on_team,
            scene.patient,
            "patient-detail",
            "GET",
            f"/patients/{scene.patient.pk}/",
            "10.20.30.40",
        ),
        (
            personas.clinician_on_team,
            scene.patient,
            "course-detail",
            "GET",
            f"/courses/{scene.course.pk}/",
            "10.20.30.40",
        ),
        (
            personas.clinician_on_team,
            scene.patient,
            "patient-fhir",
            "GET",
            f"/patients/{scene.patient.pk}/fhir.json",
            "10.20.30.40",
        ),
    ]
    with capsys.disabled():
        print("\nread-access log rows:")
        print(
            " id | at (UTC)             | user              | patient (MRN)   | what           | method | path | ip"
        )
        for r in log:
            print(
                f" {r.pk} | {r.at:%Y-%m-%d %H:%M:%S} | {r.user.username} | {r.patient.mrn} "
                f"| {r.what} | {r.method} | {r.path} | {r.ip}"
            )


# --- Cost: one insert per page, whatever the page. ---


@pytest.mark.parametrize(
    "name", ["patient-detail", "course-detail", "patient-fhir", "flowsheet", "chart-vitals"]
)
def test_a_page_costs_one_insert_for_the_log(personas, scene, name):
    persona, build = pages.PATIENT_PAGES[name]
    client = client_for(personas, persona)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(build(scene)).status_code == 200
    inserts = [q["sql"] for q in queries if "patients_recordaccess" in q["sql"]]
    assert len(inserts) == 1
    assert inserts[0].startswith('INSERT INTO "patients_recordaccess"')


# --- Append-only: the database refuses, whoever asks. ---


def a_row(personas, scene) -> RecordAccess:
    return RecordAccess.objects.create(
        user=personas.clinician_on_team, patient=scene.patient, what="patient-detail", path="/"
    )


def test_the_database_refuses_to_change_a_row(personas, scene):
    row = a_row(personas, scene)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RecordAccess.objects.filter(pk=row.pk).update(what="nothing to see")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        row.user = personas.nurse_on_team
        row.save()
    row.refresh_from_db()
    assert (row.what, row.user) == ("patient-detail", personas.clinician_on_team)


def test_the_database_refuses_to_delete_a_row(personas, scene):
    row = a_row(personas, scene)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RecordAccess.objects.filter(pk=row.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM patients_recordaccess")
    assert RecordAccess.objects.filter(pk=row.pk).exists()


def test_a_user_who_read_a_record_cannot_be_deleted(personas, scene):
    a_row(personas, scene)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        personas.clinician_on_team.delete()


# --- The admin: every admin of a patient's rows logs; the log's own admin is read-only. ---


def test_every_admin_of_a_patients_rows_logs_its_pages(db):
    forgotten = [
        f"{model._meta.label} ({type(model_admin).__name__})"
        for model, model_admin in admin.site._registry.items()
        if patient_path(model) is not None and not isinstance(model_admin, ReadLoggedAdmin)
    ]
    assert not forgotten


@pytest.fixture
def admin_client(personas):
    return client_for(personas, "admin")


def test_an_admin_change_page_writes_one_row_naming_its_patient(admin_client, personas, scene):
    pages_of = {
        "patients/patient": scene.patient.pk,
        "regimens/course": scene.course.pk,
        "ward/doserecord": scene.record.pk,
        "alerts/alert": scene.alert.pk,
        "observations/vitalsigns": scene.vitals.pk,
        "symptoms/reportmessage": scene.message.pk,
    }
    for model, pk in pages_of.items():
        before = RecordAccess.objects.count()
        for suffix in ("change/", "history/"):
            url = f"/admin/{model}/{pk}/{suffix}"
            assert admin_client.get(url).status_code == 200, url
        new = list(RecordAccess.objects.order_by("pk")[before:])
        expected = scene.ward_patient if model == "ward/doserecord" else scene.patient
        assert [(r.patient_id, r.user_id) for r in new] == [(expected.pk, personas.admin.pk)] * 2


def test_an_admin_changelist_of_patients_rows_writes_one_row_without_a_patient(
    admin_client, personas, scene
):
    assert admin_client.get("/admin/regimens/dose/").status_code == 200
    assert rows() == [(personas.admin.pk, None, "admin:regimens_dose_changelist")]


def test_an_admin_export_writes_a_row_for_each_patient_exported(admin_client, personas, scene):
    response = admin_client.post(
        "/admin/regimens/dose/",
        {
            "action": "export_as_csv",
            "_selected_action": [scene.dose.pk, scene.home_dose.pk],
        },
    )
    assert response.status_code == 200
    assert sorted(r.patient_id for r in RecordAccess.objects.all()) == sorted(
        [scene.patient.pk, scene.ward_patient.pk]
    )


def test_nobody_adds_changes_or_deletes_a_row_in_the_admin(admin_client, personas, scene):
    superuser = verified(make_user(Role.ADMIN, username="root", is_superuser=True))
    client = sign_in_with_second_factor(Client(), superuser)
    row = a_row(personas, scene)
    for c in (admin_client, client):
        assert c.get("/admin/patients/recordaccess/add/").status_code == 403
        assert c.get(f"/admin/patients/recordaccess/{row.pk}/delete/").status_code == 403
        page = c.get(f"/admin/patients/recordaccess/{row.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.text
        assert c.post(f"/admin/patients/recordaccess/{row.pk}/change/", {}).status_code == 403
    assert RecordAccess.objects.get(pk=row.pk).what == "patient-detail"


def test_the_admin_searches_the_log_by_patient_by_user_and_by_date(admin_client, personas, scene):
    nurse, clinician = (
        client_for(personas, "nurse_on_team"),
        client_for(personas, "clinician_on_team"),
    )
    # A name no made-up user has: a search for "Harris" also finds a user "Harrison".
    scene.ward_patient.family_name = "Quernwood-Tallis"
    scene.ward_patient.save(update_fields=["family_name"])
    nurse.get(reverse("patient-detail", args=[scene.ward_patient.pk]))
    clinician.get(reverse("patient-detail", args=[scene.patient.pk]))

    def found(query: str) -> list:
        page = admin_client.get(f"/admin/patients/recordaccess/?{query}")
        assert page.status_code == 200
        return sorted(
            (r.user.username, r.patient.mrn if r.patient else None)
            for r in page.context["cl"].result_list
        )

    assert found(f"q={scene.patient.mrn}") == [("clinician-on-team", scene.patient.mrn)]
    assert found(f"q={scene.ward_patient.family_name}") == [
        ("nurse-on-team", scene.ward_patient.mrn)
    ]
    assert found("q=nurse-on-team") == [("nurse-on-team", scene.ward_patient.mrn)]
    # The admin's own searches are list reads, logged too: each one before it is shown.
    assert found("at__year=2027&at__month=3&at__day=10") == [
        ("admin", None),
        ("admin", None),
        ("admin", None),
        ("clinician-on-team", scene.patient.mrn),
        ("nurse-on-team", scene.ward_patient.mrn),
    ]
    assert found("at__year=2027&at__month=3&at__day=11") == []


def test_the_admin_exports_the_log_as_csv(admin_client, personas, scene):
    client_for(personas, "clinician_on_team").get(
        reverse("patient-detail", args=[scene.patient.pk])
    )
    row = RecordAccess.objects.get()
    response = admin_client.post(
        "/admin/patients/recordaccess/",
        {"action": "export_as_csv", "_selected_action": [row.pk]},
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "At,User,MRN,Patient,What,Method,Path,From (IP)"
    assert scene.patient.mrn in lines[1] and "clinician-on-team" in lines[1]


# --- The patient sees who on the care team opened their record. ---


def test_the_patient_sees_who_on_the_care_team_opened_their_record(personas, scene):
    client_for(personas, "clinician_on_team").get(reverse("course-detail", args=[scene.course.pk]))
    client_for(personas, "nurse_on_team").get(reverse("chart-vitals", args=[scene.patient.pk]))
    # Another patient's record, read by the same nurse, is not shown.
    client_for(personas, "nurse_on_team").get(
        reverse("patient-detail", args=[scene.ward_patient.pk])
    )
    page = client_for(personas, "the_patient").get(reverse("my-record-access"))
    assert page.status_code == 200
    shown_rows = [(r.user, r.what) for r in page.context["page"].object_list]
    assert shown_rows == [
        (personas.nurse_on_team, "chart-vitals"),
        (personas.clinician_on_team, "course-detail"),
    ]
    assert "A course of treatment" in page.text
    assert "Your vital signs" in page.text
    # Their own reads (this page, their home) are not listed as someone else's.
    assert "my-record-access" not in [what for _, what in shown_rows]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("nurse_on_team", 403),
        ("nurse_off_team", 403),
        ("clinician_on_team", 403),
        ("clinician_off_team", 403),
        ("admin", 403),
    ],
)
def test_only_the_patient_opens_their_access_page(personas, scene, name, status):
    assert client_for(personas, name).get(reverse("my-record-access")).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(personas, scene):
    response = Client().get(reverse("my-record-access"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_patient_sees_only_their_own(personas, scene):
    client_for(personas, "clinician_on_team").get(
        reverse("patient-detail", args=[scene.patient.pk])
    )
    page = client_for(personas, "other_patient").get(reverse("my-record-access"))
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == []
    assert "Nobody on your care team has opened your record yet." in page.text


def test_the_access_page_runs_as_many_queries_for_many_reads_as_for_one(
    personas, scene, django_assert_max_num_queries
):
    staff = [make_user(Role.NURSE, username=f"nurse-{n}") for n in range(10)]
    scene.patient.care_team.add(*staff)
    patient_client = client_for(personas, "the_patient")
    client_for(personas, "nurse_on_team").get(reverse("patient-detail", args=[scene.patient.pk]))
    with CaptureQueriesContext(connection) as few:
        patient_client.get(reverse("my-record-access"))
    for nurse in staff:
        client_for_user(nurse).get(reverse("patient-detail", args=[scene.patient.pk]))
    with CaptureQueriesContext(connection) as many:
        page = patient_client.get(reverse("my-record-access"))
    assert len(page.context["page"].object_list) == 11
    assert len(many) == len(few)
    with django_assert_max_num_queries(8):
        patient_client.get(reverse("my-record-access"))


def client_for_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client

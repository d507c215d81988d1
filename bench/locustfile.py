"""The load test's simulated users: nurses, patients and clinicians (locust).

Run by `manage.py benchmark --load`, which seeds a throwaway database, writes the
plan (LOAD_PLAN: who signs in, which doses each nurse records, which alerts each
clinician acknowledges) and reads back LOAD_WRITES, one line per write the app
answered as saved, to check that each made exactly one record.

Each simulated user takes the next persona of its kind from the plan and signs in
once; sign-in is its own line in the table, because its password hash is slow on
purpose.
"""

import itertools
import json
import os
import random
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

from bench.pages import form_fields, select_options

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
WRITES = Path(os.environ["LOAD_WRITES"])
TIMINGS = Path(os.environ["LOAD_TIMINGS"])
# What the app says to the second of two submits of one dose (tracker/ward/recording.py).
ALREADY = ("already recorded", "saved a moment ago")
NORMAL_CHECK = {
    "systolic_bp": "120",
    "heart_rate": "80",
    "temperature": "37.0",
    "temperature_unit": "C",
    "spo2": "97",
    "mental_status": "normal",
    "on_pressors": "no",
    "decision": "give",
    "record": "1",
}
# Symptoms and answers a patient taps: mild, so most raise no alert.
SYMPTOMS = (
    ("nausea", {"frequency": "1", "severity": "1"}),
    ("rash", {"presence": "yes"}),
)


def wrote(kind: str, key: int, **details) -> None:
    """Note a write the app answered as saved; gevent runs one greenlet at a time."""
    with WRITES.open("a") as out:
        out.write(json.dumps({"kind": kind, "key": key, **details}) + "\n")


@events.request.add_listener
def timed(request_type, name, response_time, exception, start_time=None, **kwargs):
    """Every request's start and time: the report's steady state is measured from these."""
    with TIMINGS.open("a") as out:
        out.write(json.dumps([name, start_time, response_time, exception is not None]) + "\n")


class Persona(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def on_start(self):
        self.me = PLAN[self.role].pop(0)
        self.sign_in()

    def csrf(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    def post(self, url: str, data: dict, name: str, **kwargs):
        return self.client.post(
            url, data, headers=self.csrf(), name=name, allow_redirects=False, **kwargs
        )

    def sign_in(self):
        self.client.get("/login/", name="sign in: page")
        credentials = {"username": self.me["username"], "password": PLAN["password"]}
        with self.post("/login/", credentials, "sign in: password", catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"not signed in ({r.status_code})")
                return
        if "codes" in self.me:  # staff: the second factor, on the next page whatever it is
            self.second_factor()

    def second_factor(self):
        code = {"code": self.me["codes"].pop(0)}
        with self.post(
            "/second-factor/", code, "sign in: second factor", catch_response=True
        ) as r:
            if not _saved(r):
                r.failure(f"code refused ({r.status_code})")

    def expect_redirect(self, url: str, data: dict, name: str, writes: tuple = ()):
        """POST; a redirect onwards means saved. Else the page's answer is the failure.

        For a write (`writes` is its kind and key) the sending and the answer are noted,
        so that a record whose answer never came (the run stopped) is told apart.
        """
        if writes:
            wrote("sent", writes[1], what=writes[0])
        with self.post(url, data, name, catch_response=True) as r:
            if writes:
                wrote("answered", writes[1], what=writes[0])
            if r.status_code != 302:
                r.failure(f"{r.status_code}: {_first_message(r.text)}")
            elif _signed_out(r):
                r.failure(f"sent to {r.headers['Location']}")
            return r


class Nurse(Persona):
    """Opens the shift page and a patient's flowsheet, checks and records a due dose."""

    role = "nurse"
    weight = 4

    def on_start(self):
        super().on_start()
        self.doses = iter(self.me["doses"])

    @task
    def record_next_dose(self):
        self.client.get("/ward/", name="nurse: shift page")
        dose = next(self.doses, None)
        if dose is None:  # all of this nurse's due doses are recorded: keep reading
            self.client.get(f"/patients/{self.me['patients'][0]}/", name="nurse: patient page")
            return
        self.client.get(f"/patients/{dose['patient']}/flowsheet/", name="nurse: flowsheet")
        url = f"/doses/{dose['id']}/"
        if dose["check"]:
            self.expect_redirect(url + "check/", NORMAL_CHECK, "nurse: pre-dose check")
        form = self.client.get(url + "record/", name="nurse: record form")
        data = form_fields(form.text, "given_time")
        if "injection_site" in data and not data["injection_site"]:
            data["injection_site"] = select_options(form.text, "injection_site")[0]
        data.update(outcome="given", notes=f"load {PLAN['run']} dose {dose['id']}")
        if dose["double"]:
            self.submit_twice(url + "record/", data, dose)
        else:
            r = self.expect_redirect(
                url + "record/", data, "nurse: record dose", ("dose", dose["id"])
            )
            if _saved(r):
                wrote("dose", dose["id"])

    def submit_twice(self, url: str, data: dict, dose: dict):
        """Two submits of one dose at once, as a double click: one record, one clear answer."""
        name = "nurse: record dose (double submit)"
        for _ in range(2):
            wrote("sent", dose["id"], what="dose")
        both = [gevent.spawn(self.post, url, data, name) for _ in range(2)]
        gevent.joinall(both)
        for g in both:
            if g.value is not None:
                wrote("answered", dose["id"], what="dose")
        answers = sorted(g.value.status_code for g in both if g.value is not None)
        said_already = any(
            any(text in g.value.text for text in ALREADY)
            for g in both
            if g.value is not None and g.value.status_code == 200
        )
        for g in both:
            if g.value is not None and _saved(g.value):
                wrote("dose", dose["id"], double=True)
        wrote("double", dose["id"], answers=answers, said_already=said_already)


class Patient(Persona):
    """Opens their home page and calendar; now and then reports a side effect."""

    role = "patient"
    weight = 4

    @task(3)
    def home(self):
        self.client.get("/me/", name="patient: home")

    @task(2)
    def calendar(self):
        self.client.get(f"/patients/{self.me['patient']}/calendar/", name="patient: calendar")

    @task(1)
    def report_side_effect(self):
        slug, answers = random.choice(SYMPTOMS)  # noqa: S311
        self.client.get(f"/me/symptoms/{slug}/", name="patient: symptom question")
        r = self.expect_redirect(
            f"/me/symptoms/{slug}/",
            answers,
            "patient: report side effect",
            ("report", self.me["patient"]),
        )
        if _saved(r):
            report = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
            wrote("report", self.me["patient"], report=report)


class Clinician(Persona):
    """The clinic dashboard, the alerts, a patient's page; acknowledges an alert."""

    role = "clinician"
    weight = 2

    def on_start(self):
        super().on_start()
        self.alerts = iter(self.me["alerts"])
        self.patients = itertools.cycle(self.me["patients"])

    @task(3)
    def dashboard(self):
        self.client.get("/clinic/", name="clinician: dashboard")

    @task(2)
    def alert_list(self):
        self.client.get("/alerts/", name="clinician: alerts")

    @task(2)
    def patient_page(self):
        self.client.get(f"/patients/{next(self.patients)}/", name="clinician: patient page")

    @task(1)
    def acknowledge(self):
        alert = next(self.alerts, None)
        if alert is None:
            return
        self.client.get(f"/alerts/{alert}/", name="clinician: alert page")
        note = {"note": f"load {PLAN['run']} alert {alert}"}
        url = f"/alerts/{alert}/acknowledge/"
        writes = ("acknowledgement", alert)
        if _saved(self.expect_redirect(url, note, "clinician: acknowledge alert", writes)):
            wrote("acknowledgement", alert)


def _signed_out(response) -> bool:
    """Sent to sign in again, or to give a code: nothing was saved."""
    where = response.headers.get("Location", "")
    return "/login/" in where or "/second-factor/" in where


def _saved(response) -> bool:
    return response.status_code == 302 and not _signed_out(response)


def _first_message(html: str) -> str:
    """The first error the page shows, for the failures table."""
    for marker in ('class="invalid-feedback', 'class="alert alert-danger', "errorlist"):
        at = html.find(marker)
        if at >= 0:
            text = html[at : at + 400].split(">", 1)[-1]
            return " ".join(text.split("<", 1)[0].split())[:120]
    return "no redirect"


# Exactly as many simulated users of each kind as the plan has personas.
Nurse.fixed_count = len(PLAN["nurse"])
Patient.fixed_count = len(PLAN["patient"])
Clinician.fixed_count = len(PLAN["clinician"])

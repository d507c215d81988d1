"""Replaying a case vignette: a patient's chart, entry by entry, and each dose's decision.

A vignette (docs/observations.md, "Replaying scenarios") is a patient, a course and
timed chart entries.  `read_scenario` checks it without a database and says what is
wrong where ("entries[3]: ..."); `replay` then registers the patient, starts the
course and charts every entry with the app's own operations, each at the time it was
charted, so the rules are read and alerts raised as they would have been on the
ward.  Before the entries charted after a dose's planned time, the dose's decision is
read with `rules.assess`: what the chart said when the nurse checked.

`replay` writes to the database it is given; `replay_in_transaction` rolls it all
back, and `replay_in_throwaway_database` builds a test database from the migrations
for it and drops it afterwards, so the real one is never touched.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from regimens.courses import CourseRefused, patient_choices, start_course
from regimens.models import RegimenTemplate
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.alerts.models import Alert
from tracker.lib.records import Refused
from tracker.observations import fluids, infusions, lab, labs, rules, vitals
from tracker.observations.models import InfusionRateChange, LabResult
from tracker.observations.models.fluids import KINDS_BY_DIRECTION, FluidKind
from tracker.observations.models.infusions import Agent, EventKind
from tracker.patients.models import Patient
from tracker.patients.registration import register_patient


def _column(model, name: str) -> tuple[int, int]:
    column = model._meta.get_field(name)
    return column.max_digits, column.decimal_places


class ScenarioError(ValueError):
    """What is wrong with a vignette, where: "entries[3]: systolic_bp: ..."."""


# Decisions as the output says them.
GIVE, HOLD, NO_DATA = "give", "hold", "no data"

NUMBER_VITALS = ("systolic_bp", "diastolic_bp", "heart_rate", "respiratory_rate", "spo2")
DECIMAL_VITALS = ("temperature_c", "oxygen_flow_l_min")
CHOICE_VITALS = ("rhythm", "oxygen_device", "cognitive_test", "sedation")
VITALS = (*NUMBER_VITALS, *DECIMAL_VITALS, *CHOICE_VITALS, "alert_oriented", "note")

# Each entry type: its required and optional fields besides "at", "charted_at", "comment".
ENTRY_FIELDS = {
    "vitals": ((), VITALS),
    "fluid": (("kind", "ml"), ("since", "note")),
    "weight": (("kg",), ("note",)),
    "lab": (("test", "value", "unit"), ()),
    "infusion_start": (("ref", "agent", "rate"), ("other_name", "dose_unit", "note")),
    "infusion_rate": (("ref", "rate"), ("note",)),
    "infusion_stop": (("ref",), ()),
    "event_start": (("ref", "kind"), ("other_name", "note")),
    "event_end": (("ref",), ()),
}
COMMON_FIELDS = ("type", "at", "charted_at", "comment")
PATIENT_FIELDS = (
    "zone",
    "weight_kg",
    "height_cm",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
)
COURSE_FIELDS = ("regimen", "start", "admission_weight_kg", "cycles")
TOP_FIELDS = ("title", "story", "patient", "course", "entries", "until", "expected")


@dataclass(frozen=True)
class Entry:
    index: int
    type: str
    at: datetime  # when it was taken (or started, stopped, ended)
    charted_at: datetime  # when the nurse charted it: the rules are read then
    values: dict

    @property
    def where(self) -> str:
        return f"entries[{self.index}]"


@dataclass(frozen=True)
class Scenario:
    title: str
    zone: ZoneInfo
    patient: dict
    regimen: str
    start: datetime  # the first dose, on the patient's clock (naive)
    admission_weight_kg: Decimal
    cycles: int | None
    entries: list[Entry]
    until: datetime
    expected: dict | None = field(default=None, compare=False)


# Reading a vignette -------------------------------------------------------------------


def load_scenario(path) -> Scenario:
    """The vignette in the file at `path`; ScenarioError names the file and the place."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"{path}: cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ScenarioError(
            f"{path}: is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    try:
        return read_scenario(data)
    except ScenarioError as error:
        raise ScenarioError(f"{path}: {error}") from None


def read_scenario(data) -> Scenario:
    """A vignette from its parsed JSON, checked before anything is written."""
    if not isinstance(data, dict):
        raise ScenarioError("the file must hold one JSON object")
    _no_unknown(data, TOP_FIELDS, "")
    patient = _object(data, "patient", "")
    course = _object(data, "course", "")
    _no_unknown(patient, PATIENT_FIELDS, "patient.")
    _no_unknown(course, COURSE_FIELDS, "course.")
    zone_name = _required(patient, "zone", "patient.")
    try:
        zone = ZoneInfo(zone_name) if isinstance(zone_name, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        raise ScenarioError(f'patient.zone: "{zone_name}" is not an IANA time zone')
    weight = _decimal(_required(patient, "weight_kg", "patient."), "patient.weight_kg")
    height = _decimal(_required(patient, "height_cm", "patient."), "patient.height_cm")
    born = patient.get("date_of_birth", "1970-01-01")
    try:
        born = date.fromisoformat(born)
    except (TypeError, ValueError):
        raise ScenarioError('patient.date_of_birth: give a date, "YYYY-MM-DD"') from None
    regimen = _required(course, "regimen", "course.")
    if not isinstance(regimen, str) or not regimen:
        raise ScenarioError("course.regimen: give a regimen's slug, e.g. hd-iv-label")
    start = _instant(_required(course, "start", "course."), zone, "course.start")
    admission = course.get("admission_weight_kg")
    admission = weight if admission is None else _decimal(admission, "course.admission_weight_kg")
    cycles = course.get("cycles")
    if cycles is not None and (type(cycles) is not int or cycles < 1):
        raise ScenarioError("course.cycles: give a whole number, 1 or more")
    until = _instant(_required(data, "until", ""), zone, "until")
    if until < start:
        raise ScenarioError("until: is before the course's start")
    raw_entries = data.get("entries", [])
    if not isinstance(raw_entries, list):
        raise ScenarioError("entries: must be a list")
    entries = _entries(raw_entries, zone, until)
    title = data.get("title", "")
    if not isinstance(title, str):
        raise ScenarioError("title: must be text")
    expected = data.get("expected")
    if expected is not None and not isinstance(expected, dict):
        raise ScenarioError("expected: must be an object, the output the replay should print")
    return Scenario(
        title=title,
        zone=zone,
        patient={
            "weight_kg": weight,
            "height_cm": height,
            "given_name": _text(patient, "given_name", "Alex", "patient."),
            "family_name": _text(patient, "family_name", "Scenario", "patient."),
            "sex": _text(patient, "sex", Patient.Sex.UNKNOWN, "patient."),
            "date_of_birth": born,
        },
        regimen=regimen,
        start=start.astimezone(zone).replace(tzinfo=None),
        admission_weight_kg=admission,
        cycles=cycles,
        entries=entries,
        until=until,
        expected=expected,
    )


def _entries(raw_entries: list, zone: ZoneInfo, until: datetime) -> list[Entry]:
    entries, started = [], {"infusion": set(), "event": set()}
    last_charted = None
    for index, raw in enumerate(raw_entries):
        where = f"entries[{index}]"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: must be an object")
        kind = raw.get("type")
        if kind not in ENTRY_FIELDS:
            raise ScenarioError(f"{where}: type must be one of {', '.join(ENTRY_FIELDS)}")
        required, optional = ENTRY_FIELDS[kind]
        _no_unknown(raw, (*COMMON_FIELDS, *required, *optional), f"{where}.")
        for name in required:
            _required(raw, name, f"{where}.")
        at = _instant(_required(raw, "at", f"{where}."), zone, f"{where}.at")
        charted_at = at
        if raw.get("charted_at") is not None:
            charted_at = _instant(raw["charted_at"], zone, f"{where}.charted_at")
            if charted_at < at:
                raise ScenarioError(f"{where}.charted_at: is before the time it was taken")
        if charted_at > until:
            raise ScenarioError(f"{where}: is charted after until")
        if last_charted is not None and charted_at < last_charted:
            raise ScenarioError(
                f"{where}: is charted before the entry above it; list the entries in the "
                "order they were charted"
            )
        last_charted = charted_at
        values = _values(kind, raw, zone, where)
        _check_ref(kind, values, started, where)
        entries.append(Entry(index, kind, at, charted_at, values))
    return entries


def _values(kind: str, raw: dict, zone: ZoneInfo, where: str) -> dict:
    """The entry's values, converted to what the operations take."""
    values = {}
    for name, value in raw.items():
        if name in COMMON_FIELDS:
            continue
        place = f"{where}.{name}"
        if name in NUMBER_VITALS or name == "ml":
            if type(value) is not int:
                raise ScenarioError(f"{place}: give a whole number")
        elif name in (*DECIMAL_VITALS, "kg", "value", "rate"):
            value = _decimal(value, place)
            if name in ("value", "rate") and not _fits(value, *COLUMNS[name]):
                digits, places = COLUMNS[name]
                raise ScenarioError(
                    f"{place}: give a number from 0 to {10 ** (digits - places) - 1}, "
                    f"to {places} decimal places at most"
                )
        elif name == "alert_oriented":
            if not isinstance(value, bool):
                raise ScenarioError(f"{place}: give true or false")
        elif name == "since":
            value = _instant(value, zone, place)
        elif not isinstance(value, str):
            raise ScenarioError(f"{place}: give text")
        values[name] = value
    if kind == "fluid":
        kind_of = values["kind"]
        if kind_of not in FluidKind.values:
            raise ScenarioError(f"{where}.kind: must be one of {', '.join(FluidKind.values)}")
        if (kind_of == FluidKind.URINE) != ("since" in values):
            raise ScenarioError(
                f"{where}.since: urine, and only urine, is charted with the start of its period"
            )
    if kind == "infusion_start" and values["agent"] not in Agent.values:
        raise ScenarioError(f"{where}.agent: must be one of {', '.join(Agent.values)}")
    if kind == "event_start" and values["kind"] not in EventKind.values:
        raise ScenarioError(f"{where}.kind: must be one of {', '.join(EventKind.values)}")
    return values


def _check_ref(kind: str, values: dict, started: dict, where: str) -> None:
    if "ref" not in values:
        return
    what, verb = kind.split("_", 1)
    names = started[what]
    if verb == "start":
        if values["ref"] in names:
            raise ScenarioError(f'{where}.ref: "{values["ref"]}" is already used above')
        names.add(values["ref"])
    elif values["ref"] not in names:
        raise ScenarioError(f'{where}.ref: no {what} "{values["ref"]}" was started above')


# The columns' digits and decimal places, for the numbers no operation checks the size of.
COLUMNS = {
    "value": _column(LabResult, "value"),
    "rate": _column(InfusionRateChange, "rate"),
}


def _fits(number: Decimal, digits: int, places: int) -> bool:
    return 0 <= number < 10 ** (digits - places) and number == number.quantize(
        Decimal(1).scaleb(-places)
    )


def _no_unknown(data: dict, known, prefix: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ScenarioError(
            f"{prefix}{unknown[0]}: unknown field (expected one of {', '.join(known)})"
        )


def _object(data: dict, name: str, prefix: str) -> dict:
    value = _required(data, name, prefix)
    if not isinstance(value, dict):
        raise ScenarioError(f"{prefix}{name}: must be an object")
    return value


def _required(data: dict, name: str, prefix: str):
    if data.get(name) is None:
        raise ScenarioError(f"{prefix}{name}: is missing")
    return data[name]


def _text(data: dict, name: str, default: str, prefix: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise ScenarioError(f"{prefix}{name}: give text")
    return value


def _decimal(value, place: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ScenarioError(f"{place}: give a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ScenarioError(f'{place}: "{value}" is not a number') from None
    if not number.is_finite():
        raise ScenarioError(f"{place}: give a number")
    return number


def _instant(value, zone: ZoneInfo, place: str) -> datetime:
    """An ISO date and time; without an offset it is on the patient's clock."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ScenarioError(
            f'{place}: give a date and time, "YYYY-MM-DDTHH:MM" on the patient\'s clock'
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


# Replaying -----------------------------------------------------------------------------


@dataclass
class Ward:
    """Who charts, and the infusions and events the entries name by their ref."""

    patient: Patient
    course: object
    nurse: User
    infusions: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)


def replay(scenario: Scenario) -> dict:
    """Chart the vignette in the current database and read each dose's decision."""
    ward = _admit(scenario)
    doses = list(
        ward.course.doses.filter(planned_at__lte=scenario.until).order_by("planned_at", "pk")
    )
    entries = list(scenario.entries)
    decisions = []
    for dose in doses:
        while entries and entries[0].charted_at <= dose.planned_at:
            _chart_next(ward, entries)
        # The rules are read again at each dose, as the pre-dose check and the
        # periodic reading do: what time alone made true alerts by then.
        rules.reassess(ward.course, now=dose.planned_at)
        decisions.append(_decision(dose, rules.assess(ward.course, dose.planned_at), scenario))
    while entries:
        _chart_next(ward, entries)
    alerts = Alert.objects.filter(patient=ward.patient).order_by("created_at", "pk")
    return {
        "title": scenario.title,
        "doses": decisions,
        "alerts": [
            {"at": _local(alert.created_at, scenario.zone), "text": alert.text} for alert in alerts
        ],
    }


def replay_in_transaction(scenario: Scenario) -> dict:
    """`replay`, then everything it wrote rolled back."""
    with transaction.atomic():
        found = replay(scenario)
        transaction.set_rollback(True)
    return found


def replay_in_throwaway_database(scenario: Scenario) -> dict:
    """`replay` in a test database made from the migrations for it, dropped afterwards."""
    creation = connection.creation
    real_name = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor != "sqlite" and not test_settings.get("NAME"):
        # Its own name, so a replay never drops a test run's database (or another replay's).
        test_settings["NAME"] = f"test_replay_{_unique()}"
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return replay(scenario)
    finally:
        creation.destroy_test_db(real_name, verbosity=0)


def _unique() -> str:
    return uuid.uuid4().hex[:12]


def _admit(scenario: Scenario) -> Ward:
    clinician = _user("replay-clinician", Role.CLINICIAN)
    nurse = _user("replay-nurse", Role.NURSE)
    patient = Patient(
        mrn="REPLAY-0001",
        time_zone=str(scenario.zone.key),
        **scenario.patient,
    )
    try:
        patient.full_clean(exclude=["user"])
    except ValidationError as error:
        raise ScenarioError(f"patient: {_validation_words(error)}") from None
    register_patient(patient, by=clinician, care_team=[clinician, nurse])
    template = RegimenTemplate.objects.filter(slug=scenario.regimen).first()
    if template is None:
        known = ", ".join(RegimenTemplate.objects.order_by("slug").values_list("slug", flat=True))
        raise ScenarioError(f'course.regimen: no regimen "{scenario.regimen}" (one of {known})')
    choices = {"cycles": scenario.cycles or template.default_cycles}
    try:
        course = start_course(
            patient=patient,
            created_by=clinician,
            template=template,
            start=scenario.start,
            baseline_weight_kg=scenario.admission_weight_kg,
            **patient_choices(patient),
            **choices,
        )
    except CourseRefused as refused:
        place = f"course.{refused.field}" if refused.field else "course"
        raise ScenarioError(f"{place}: {refused.message}") from None
    return Ward(patient=patient, course=course, nurse=nurse)


def _user(username: str, role: Role) -> User:
    user = User.objects.create_user(username=f"{username}-{_unique()}")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _validation_words(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


# A refusal names the form field; the vignette calls some of them otherwise.
FIELD_NAMES = {
    "taken_at": "at",
    "stopped_at": "at",
    "ended_at": "at",
    "period_start": "since",
    "volume_ml": "ml",
    "weight_kg": "kg",
}


def _chart_next(ward: Ward, entries: list[Entry]) -> None:
    """Chart the next entry, or the next sample: lab results taken and charted together."""
    first = entries.pop(0)
    if first.type != "lab":
        _chart(ward, first)
        return
    sample = [first]
    while entries and entries[0].type == "lab" and _same_sample(entries[0], first):
        sample.append(entries.pop(0))
    _chart(ward, first, sample=sample)


def _same_sample(entry: Entry, first: Entry) -> bool:
    return (entry.at, entry.charted_at) == (first.at, first.charted_at)


def _chart(ward: Ward, entry: Entry, *, sample=None) -> None:
    try:
        if sample is not None:
            _chart_sample(ward, entry, sample)
        else:
            CHARTERS[entry.type](ward, entry, dict(entry.values))
    except Refused as refused:
        name = FIELD_NAMES.get(refused.field, refused.field)
        place = f"{entry.where}.{name}" if name else entry.where
        raise ScenarioError(f"{place}: {refused.message}") from None
    except lab.LabError as error:
        raise ScenarioError(f"{entry.where}: {error}") from None
    except (DatabaseError, ValidationError) as error:
        # What the operations let through and the tables' constraints do not.
        words = _validation_words(error) if isinstance(error, ValidationError) else error
        raise ScenarioError(f"{entry.where}: the chart cannot hold it: {words}") from None


def _chart_vitals(ward: Ward, entry: Entry, values: dict) -> None:
    vitals.chart_vitals(
        ward.patient, by=ward.nurse, taken_at=entry.at, now=entry.charted_at, **values
    )


def _chart_fluid(ward: Ward, entry: Entry, values: dict) -> None:
    kind = values["kind"]
    direction = next(d for d, kinds in KINDS_BY_DIRECTION.items() if kind in kinds)
    fluids.chart_fluid(
        ward.patient,
        by=ward.nurse,
        direction=direction,
        kind=kind,
        volume_ml=values["ml"],
        taken_at=entry.at,
        period_start=values.get("since"),
        note=values.get("note", ""),
        now=entry.charted_at,
    )


def _chart_weight(ward: Ward, entry: Entry, values: dict) -> None:
    fluids.chart_weight(
        ward.patient,
        by=ward.nurse,
        weight_kg=values["kg"],
        taken_at=entry.at,
        note=values.get("note", ""),
        now=entry.charted_at,
    )


def _chart_sample(ward: Ward, first: Entry, sample: list[Entry]) -> None:
    """The results of one sample as one panel, read by the rules once they are all in."""
    for entry in sample:
        spec = lab.spec_of(entry.values["test"])
        problem = spec.implausibility(entry.values["value"], spec.unit(entry.values["unit"]).code)
        if problem:
            raise ScenarioError(f"{entry.where}.value: {problem}")
    labs.chart_panel(
        ward.patient,
        by=ward.nurse,
        taken_at=first.at,
        now=first.charted_at,
        results=[
            {"test": e.values["test"], "value": e.values["value"], "unit": e.values["unit"]}
            for e in sample
        ],
    )


def _chart_infusion_start(ward: Ward, entry: Entry, values: dict) -> None:
    ward.infusions[values["ref"]] = infusions.start_infusion(
        ward.patient,
        by=ward.nurse,
        agent=values["agent"],
        rate=values["rate"],
        started_at=entry.at,
        other_name=values.get("other_name", ""),
        dose_unit=values.get("dose_unit", ""),
        note=values.get("note", ""),
        now=entry.charted_at,
    )


def _chart_infusion_rate(ward: Ward, entry: Entry, values: dict) -> None:
    infusions.change_rate(
        ward.infusions[values["ref"]],
        by=ward.nurse,
        rate=values["rate"],
        at=entry.at,
        note=values.get("note", ""),
        now=entry.charted_at,
    )


def _chart_infusion_stop(ward: Ward, entry: Entry, values: dict) -> None:
    infusions.stop_infusion(
        ward.infusions[values["ref"]], by=ward.nurse, at=entry.at, now=entry.charted_at
    )


def _chart_event_start(ward: Ward, entry: Entry, values: dict) -> None:
    ward.events[values["ref"]] = infusions.start_event(
        ward.patient,
        by=ward.nurse,
        kind=values["kind"],
        started_at=entry.at,
        other_name=values.get("other_name", ""),
        note=values.get("note", ""),
        now=entry.charted_at,
    )


def _chart_event_end(ward: Ward, entry: Entry, values: dict) -> None:
    infusions.end_event(
        ward.events[values["ref"]], by=ward.nurse, at=entry.at, now=entry.charted_at
    )


CHARTERS = {
    "vitals": _chart_vitals,
    "fluid": _chart_fluid,
    "weight": _chart_weight,
    "infusion_start": _chart_infusion_start,
    "infusion_rate": _chart_infusion_rate,
    "infusion_stop": _chart_infusion_stop,
    "event_start": _chart_event_start,
    "event_end": _chart_event_end,
}


# The output ----------------------------------------------------------------------------


def _local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat(timespec="minutes")


def _decision(dose, assessment: rules.Assessment, scenario: Scenario) -> dict:
    if assessment.met:
        decision = HOLD
    elif assessment.no_data:
        decision = NO_DATA
    else:
        decision = GIVE
    return {
        "dose": dose.dose_in_course,
        "cycle": dose.cycle,
        "dose_in_cycle": dose.dose_in_cycle,
        "planned_at": _local(dose.planned_at, scenario.zone),
        "decision": decision,
        "stops_course": assessment.stops_course,
        "met": [{"rule": r.rule.slug, "why": r.why} for r in assessment.met],
        "no_data": [{"rule": r.rule.slug, "why": r.why} for r in assessment.no_data],
    }


def output_text(found: dict) -> str:
    """The replay's output as the command prints it: JSON, two-space indented."""
    return json.dumps(found, indent=2, ensure_ascii=False) + "\n"

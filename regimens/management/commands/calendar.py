"""Print the planned dose calendar of a regimen template, without touching patient data.

The rules are the app's: the choices are checked by regimens.courses.check_choices,
the doses planned by regimens.calendar, and the .ics written by regimens.ics.
"""

import argparse
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from regimens import calendar, dosing, ics
from regimens.courses import CourseRefused, check_choices
from regimens.models import Course, Dose, RegimenTemplate

START_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
FORMATS = ("text", "json", "ics")
BAD_ARGUMENTS = 2
# The command's options for the form fields a refusal may name.
OPTIONS = {"cycles": "--cycles", "treatment_days": "--days"}


def _fail(message: str) -> CommandError:
    # One line on stderr, whatever the underlying message looked like.
    return CommandError(" ".join(str(message).split()), returncode=BAD_ARGUMENTS)


def _local_start(value: str) -> datetime:
    for pattern in START_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern)  # noqa: DTZ007 - wall clock
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f'a local date and time "YYYY-MM-DD HH:MM", got {value!r}')


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Amount:
    """One dose as the output prints it: a number and unit, and the same in words."""

    value: str
    unit: str
    words: str

    @classmethod
    def calculated(cls, dose: dosing.DoseCalculation) -> "Amount":
        return cls(
            str(dose.dose_miu.value), dose.dose_miu.unit, f"{dose.dose_miu} ({dose.basis()})"
        )

    @classmethod
    def rule(cls, template: RegimenTemplate) -> "Amount":
        # Dates are often planned before the patient is weighed: the rule is what is known.
        amount = template.dose_amount.normalize()
        missing = (
            "weight" if template.dose_unit == dosing.DoseUnit.IU_PER_KG else "height or weight"
        )
        words = f"{amount:,f} {template.dose_unit} (no {missing} given)"
        return cls(f"{amount:f}", template.dose_unit, words)


class Command(BaseCommand):
    help = (
        "Print the planned dose calendar of a regimen template for a given start and time "
        "zone, as a table, JSON or an iCalendar file. Reads only regimen templates; "
        "writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Template slug, e.g. hd-iv-label or sc-5on2off.")
        parser.add_argument(
            "--start",
            required=True,
            type=_local_start,
            help='Local date and time of the first dose, "YYYY-MM-DD HH:MM".',
        )
        parser.add_argument(
            "--tz", required=True, help="IANA time zone of the start, e.g. America/New_York."
        )
        parser.add_argument(
            "--cycles",
            type=int,
            help="Number of cycles to plan (default: the template's default; at most its maximum).",
        )
        parser.add_argument(
            "--days",
            type=int,
            help="Length of the dosing pattern in days, for templates that let you choose it.",
        )
        parser.add_argument(
            "--weight",
            help=(
                "Body weight in kg, for the amount of IU/kg and MIU/m² doses. "
                "Without it the dates are planned and the amount is the rule, e.g. 600,000 IU/kg."
            ),
        )
        parser.add_argument("--height", help="Height in cm; needed for MIU/m² doses.")
        parser.add_argument(
            "--format", default="text", choices=FORMATS, help="Output format (default: text)."
        )

    def handle(self, *args, **options):
        template = self._template(options["slug"])
        start, zone, output = options["start"], options["tz"], options["format"]
        cycles = template.default_cycles if options["cycles"] is None else options["cycles"]
        days = options["days"]
        try:
            check_choices(template, cycles=cycles, treatment_days=days)
        except CourseRefused as refusal:
            raise _fail(
                f"{OPTIONS.get(refusal.field, template.slug)}: {refusal.message}"
            ) from None
        dose = self._amount(template, options["weight"], options["height"])
        try:
            plan = calendar.plan_course(template.schedule(days), start, zone, cycles)
        except calendar.CalendarError as error:
            raise _fail(error) from None
        tz = ZoneInfo(zone)
        if output == "json":
            self.stdout.write(json.dumps(self._rows(plan, tz, dose), indent=2))
        elif output == "ics":
            self.stdout.write(self._ics(template, plan, tz, start, dose), ending="")
        else:
            self._table(template, plan, tz, dose)

    # Arguments -------------------------------------------------------------------------

    def _amount(self, template: RegimenTemplate, weight, height) -> Amount:
        if weight is None and height is None and template.dose_unit != dosing.DoseUnit.MIU_FLAT:
            return Amount.rule(template)
        try:
            return Amount.calculated(
                dosing.calculate_dose(
                    template.dose_amount, template.dose_unit, weight_kg=weight, height_cm=height
                )
            )
        except dosing.DosingError as error:
            raise _fail(f"{template.slug}: {error}") from None

    def _template(self, slug: str) -> RegimenTemplate:
        try:
            return RegimenTemplate.objects.get(slug=slug)
        except RegimenTemplate.DoesNotExist:
            known = ", ".join(
                RegimenTemplate.objects.order_by("slug").values_list("slug", flat=True)
            )
            raise _fail(f"No regimen template {slug!r}; known: {known or 'none'}.") from None

    # Output ----------------------------------------------------------------------------

    def _rows(self, plan, tz: ZoneInfo, dose: Amount) -> list[dict]:
        return [
            {
                "cycle": p.cycle,
                "dose_in_cycle": p.dose_in_cycle,
                "dose_in_course": p.dose_in_course,
                "day": p.day,
                "start": p.local_start(tz).isoformat(timespec="seconds"),
                "start_utc": _utc_text(p.start_utc),
                "amount": dose.value,
                "unit": dose.unit,
                "note": p.note,
            }
            for p in plan
        ]

    def _table(self, template, plan, tz: ZoneInfo, dose: Amount) -> None:
        cycles = plan[-1].cycle if plan else 0
        self.stdout.write(
            f"{template.name} ({template.slug}) | zone {tz.key} | "
            f"dose {dose.words} | {len(plan)} doses in {cycles} cycle(s)"
        )
        header = f"{'Cycle':>5}  {'Dose':>9}  {'Day':>4}  {'Local time':<26}  {'UTC':<17}  Note"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for p in plan:
            local = p.local_start(tz)
            number = f"{p.dose_in_cycle}/{p.dose_in_course}"
            self.stdout.write(
                f"{p.cycle:>5}  {number:>9}  {p.day:>4}  "
                f"{local:%a %Y-%m-%d %H:%M} {local.tzname():<7}  "
                f"{p.start_utc:%Y-%m-%d %H:%M}Z  {p.note}".rstrip()
            )

    def _ics(self, template, plan, tz: ZoneInfo, start: datetime, dose: Amount) -> str:
        # Unsaved dose rows, so the events are the ones the app writes for a course.
        course = Course(template=template, rule=template.rule_snapshot(), time_zone=tz.key)
        per_cycle = Counter(p.cycle for p in plan)
        stamp = datetime.now(UTC).replace(microsecond=0)
        events = []
        for p in plan:
            row = Dose.from_plan(course, p)
            row.cycle_total = per_cycle[p.cycle]
            local_part = f"{template.slug}-{start:%Y%m%dT%H%M}-{tz.key}-{p.dose_in_course}"
            lines = [
                f"{template.name}: cycle {p.cycle}, dose {p.dose_in_cycle} of the cycle, "
                f"course day {p.day}.",
                f"Dose: {dose.words}.",
            ]
            if p.note:
                lines.append(p.note)
            uid = re.sub(r"[^A-Za-z0-9-]", "-", local_part) + f"@{ics.UID_DOMAIN}"
            events.append(ics.dose_event(row, uid=uid, description="\n".join(lines), stamp=stamp))
        name = f"{template.name} from {start:%Y-%m-%d %H:%M} {tz.key}"
        instants = [p.start_utc for p in plan]
        return ics.write_calendar(events, instants, time_zone=tz.key, name=name).decode()

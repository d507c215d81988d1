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
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from regimens import calendar, dosing, ics
from regimens.courses import CourseRefused, check_body_size, check_choices
from regimens.models import Course, Dose, RegimenTemplate

START_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
FORMATS = ("text", "json", "ics")
BAD_ARGUMENTS = 2
# The command's options for the form fields a refusal may name.
OPTIONS = {
    "cycles": "--cycles",
    "treatment_days": "--days",
    "weight_kg": "--weight",
    "height_cm": "--height",
}


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
    def rule(cls, template: RegimenTemplate, amount=None) -> "Amount":
        # Dates are often planned before the patient is weighed: the rule is what is known.
        amount = (template.dose_amount if amount is None else amount).normalize()
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
        weight, height = options["weight"], options["height"]
        self._check_body_size(template, weight, height)
        dose = self._amount(template, weight, height)
        try:
            plan = calendar.plan_course(template.schedule(days), start, zone, cycles)
        except calendar.CalendarError as error:
            raise _fail(error) from None
        tz = ZoneInfo(zone)
        # Unsaved: the course's own rules give each dose its amount (dose steps).
        course = Course(
            template=template,
            rule=template.rule_snapshot(),
            time_zone=tz.key,
            treatment_days=days,
            dose_amount=template.dose_amount,
            dose_unit=template.dose_unit,
        )
        amounts = [
            self._amount(template, weight, height, course.amount_on(p.cycle, p.day)) for p in plan
        ]
        if output == "json":
            self.stdout.write(json.dumps(self._rows(plan, tz, amounts), indent=2))
        elif output == "ics":
            self.stdout.write(self._ics(course, plan, tz, start, amounts), ending="")
        else:
            self._table(template, plan, tz, dose, amounts, self._vials(plan, amounts))

    # Arguments -------------------------------------------------------------------------

    def _check_body_size(self, template: RegimenTemplate, weight, height) -> None:
        """Refuse a weight or height outside the plausible adult range, as the app does."""
        try:
            check_body_size(height_cm=height, weight_kg=weight)
        except CourseRefused as refusal:
            if refusal.message.startswith(("Weight", "Height")):
                raise _fail(f"{OPTIONS[refusal.field]}: {refusal.message}") from None
            raise _fail(f"{template.slug}: {refusal.message}") from None

    def _amount(self, template: RegimenTemplate, weight, height, amount=None) -> Amount:
        if weight is None and height is None and template.dose_unit != dosing.DoseUnit.MIU_FLAT:
            return Amount.rule(template, amount)
        try:
            return Amount.calculated(self._calculation(template, weight, height, amount))
        except dosing.DosingError as error:
            raise _fail(f"{template.slug}: {error}") from None

    @staticmethod
    def _calculation(template, weight, height, amount=None) -> dosing.DoseCalculation:
        return dosing.calculate_dose(
            template.dose_amount if amount is None else amount,
            template.dose_unit,
            weight_kg=weight,
            height_cm=height,
        )

    @staticmethod
    def _vials(plan, amounts: list[Amount]) -> list[dosing.VialCount]:
        """Vials per cycle, once each dose's amount is a number of MIU; [] while it is a rule."""
        if not amounts or amounts[0].unit != "MIU":
            return []
        return dosing.count_vials(
            (p.cycle, p.start_utc, Decimal(amount.value) * dosing.IU_PER_MIU)
            for p, amount in zip(plan, amounts, strict=True)
        )

    def _template(self, slug: str) -> RegimenTemplate:
        try:
            return RegimenTemplate.objects.get(slug=slug)
        except RegimenTemplate.DoesNotExist:
            known = ", ".join(
                RegimenTemplate.objects.order_by("slug").values_list("slug", flat=True)
            )
            raise _fail(f"No regimen template {slug!r}; known: {known or 'none'}.") from None

    # Output ----------------------------------------------------------------------------

    def _rows(self, plan, tz: ZoneInfo, amounts: list[Amount]) -> list[dict]:
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
            for p, dose in zip(plan, amounts, strict=True)
        ]

    def _table(self, template, plan, tz: ZoneInfo, dose: Amount, amounts, vials) -> None:
        cycles = plan[-1].cycle if plan else 0
        steps = template.describe_steps()
        self.stdout.write(
            f"{template.name} ({template.slug}) | zone {tz.key} | "
            f"dose {dose.words}{f', stepped: {steps}' if steps else ''} | "
            f"{len(plan)} doses in {cycles} cycle(s)"
        )
        amount_column = f"  {'Amount':>14}" if steps else ""
        header = (
            f"{'Cycle':>5}  {'Dose':>9}  {'Day':>4}  {'Local time':<26}  {'UTC':<17}"
            f"{amount_column}  Note"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for p, amount in zip(plan, amounts, strict=True):
            local = p.local_start(tz)
            number = f"{p.dose_in_cycle}/{p.dose_in_course}"
            amount_cell = f"  {amount.value + ' ' + amount.unit:>14}" if steps else ""
            self.stdout.write(
                f"{p.cycle:>5}  {number:>9}  {p.day:>4}  "
                f"{local:%a %Y-%m-%d %H:%M} {local.tzname():<7}  "
                f"{p.start_utc:%Y-%m-%d %H:%M}Z{amount_cell}  {p.note}".rstrip()
            )
        if vials:
            usable = dosing.USABLE_IU_PER_VIAL / dosing.IU_PER_MIU
            self.stdout.write(
                f"Vials (each counted as {dosing.USABLE_ML_PER_VIAL} mL, {usable:f} MIU usable; "
                "docs/dosing.md):"
            )
            for row in vials:
                self.stdout.write(f"  {row}")

    def _ics(self, course, plan, tz: ZoneInfo, start: datetime, amounts: list[Amount]) -> str:
        # Unsaved dose rows, so the events are the ones the app writes for a course.
        template = course.template
        per_cycle = Counter(p.cycle for p in plan)
        stamp = datetime.now(UTC).replace(microsecond=0)
        events = []
        for p, dose in zip(plan, amounts, strict=True):
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

"""Print the planned dose calendar of a regimen template, without touching patient data."""

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from icalendar import Calendar, Event

from regimens import calendar, dosing
from regimens.models import RegimenTemplate

START_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
FORMATS = ("text", "json", "ics")
# Subcutaneous injections have no infusion time; give the calendar entry a short slot.
DEFAULT_EVENT_MINUTES = 15
BAD_ARGUMENTS = 2


def _fail(message: str) -> CommandError:
    # One line on stderr, whatever the underlying message looked like.
    return CommandError(" ".join(str(message).split()), returncode=BAD_ARGUMENTS)


def _whole_number(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise _fail(f"{name} must be a whole number, got {value!r}.")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise _fail(f"{name} must be a whole number, got {value!r}.") from None


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
            help='Required. Local date and time of the first dose, "YYYY-MM-DD HH:MM".',
        )
        parser.add_argument(
            "--tz", help="Required. IANA time zone of the start, e.g. America/New_York."
        )
        parser.add_argument(
            "--cycles",
            help="Number of cycles to plan (default: the template's default; at most its maximum).",
        )
        parser.add_argument(
            "--days",
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
            "--format",
            default="text",
            help="Output format: text (default), json or ics.",
        )

    def handle(self, *args, **options):
        template = self._template(options["slug"])
        start = self._start(options["start"])
        zone = options["tz"]
        if not zone:
            raise _fail("--tz is required, e.g. --tz Europe/London.")
        output = options["format"] or "text"
        if output not in FORMATS:
            raise _fail(f"--format must be one of {', '.join(FORMATS)}, got {output!r}.")
        cycles = self._cycles(template, options["cycles"])
        days = self._days(template, options["days"])
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

    def _start(self, value: str | None) -> datetime:
        if not value:
            raise _fail('--start is required, e.g. --start "2027-03-10 08:00".')
        for pattern in START_FORMATS:
            try:
                return datetime.strptime(value.strip(), pattern)  # noqa: DTZ007 - wall clock
            except ValueError:
                continue
        raise _fail(f'--start must be a local date and time "YYYY-MM-DD HH:MM", got {value!r}.')

    def _cycles(self, template: RegimenTemplate, value: object) -> int:
        if value is None:
            return template.default_cycles
        cycles = _whole_number("--cycles", value)
        if cycles < 1:
            raise _fail(f"--cycles must be at least 1, got {cycles}.")
        if template.max_cycles is not None and cycles > template.max_cycles:
            raise _fail(
                f"--cycles {cycles} is more than {template.slug} allows ({template.max_cycles})."
            )
        return cycles

    def _days(self, template: RegimenTemplate, value: object) -> int | None:
        if value is None:
            return None
        if not template.days_chosen_per_course:
            raise _fail(
                f"--days is only for templates whose pattern length is chosen per course; "
                f"{template.slug} has a fixed schedule."
            )
        days = _whole_number("--days", value)
        if days < 1:
            raise _fail(f"--days must be at least 1, got {days}.")
        return days

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

    def _ics(self, template, plan, tz: ZoneInfo, start: datetime, dose) -> str:
        cal = Calendar()
        cal.add("prodid", "-//IL-2 tracker//regimen calendar//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", f"{template.name} from {start:%Y-%m-%d %H:%M} {tz.key}")
        minutes = (
            template.infusion_minutes
            if template.route == RegimenTemplate.Route.IV and template.infusion_minutes
            else DEFAULT_EVENT_MINUTES
        )
        stamp = datetime.now(UTC).replace(microsecond=0)
        per_cycle = Counter(p.cycle for p in plan)
        for p in plan:
            local_part = f"{template.slug}-{start:%Y%m%dT%H%M}-{tz.key}-{p.dose_in_course}"
            event = Event()
            event.add("uid", re.sub(r"[^A-Za-z0-9-]", "-", local_part) + "@il2-tracker")
            event.add("dtstamp", stamp)
            event.add("dtstart", p.local_start(tz))
            event.add("duration", timedelta(minutes=minutes))
            # Numbered as on every page of the app and in the patient's own .ics.
            summary = f"IL-2: Cycle {p.cycle} · dose {p.dose_in_cycle} of {per_cycle[p.cycle]}"
            event.add("summary", summary)
            lines = [
                f"{template.name}: cycle {p.cycle}, dose {p.dose_in_cycle} of the cycle, "
                f"course day {p.day}.",
                f"Dose: {dose.words}.",
            ]
            if p.note:
                lines.append(p.note)
            event.add("description", "\n".join(lines))
            cal.add_component(event)
        cal.add_missing_timezones()
        return cal.to_ical().decode()

"""Replay a case vignette through the chart's operations and rules, and print each dose's
decision (docs/observations.md, "Replaying scenarios").

The work is tracker.observations.replay's; this reads the options and prints.
"""

from django.core.management.base import BaseCommand, CommandError

from tracker.observations import replay

BAD_SCENARIO = 2


class Command(BaseCommand):
    help = (
        "Replay a case vignette (JSON) through the real chart operations and rules, and "
        "print as JSON each planned dose's decision (give, hold, no data) and the alerts "
        "raised. Runs in a throwaway test database: the real one is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The vignette, e.g. docs/scenarios/hypotension.json.")
        parser.add_argument(
            "--in-transaction",
            action="store_true",
            help=(
                "Replay in the configured database inside a transaction that is rolled back, "
                "instead of a throwaway database (for a test run, which has its own)."
            ),
        )

    def handle(self, *args, file, in_transaction=False, **options):
        try:
            scenario = replay.load_scenario(file)
            if in_transaction:
                found = replay.replay_in_transaction(scenario)
            else:
                found = replay.replay_in_throwaway_database(scenario)
        except replay.ScenarioError as error:
            if not str(error).startswith(f"{file}:"):
                error = f"{file}: {error}"
            raise CommandError(" ".join(str(error).split()), returncode=BAD_SCENARIO) from None
        self.stdout.write(replay.output_text(found), ending="")

import sys
import time

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tracker import scale
from tracker.accounts.roles import Role
from tracker.patients.models import Patient

HOLDS_PATIENTS = (
    "This database already holds {count} patients. seed_scale adds made-up patients "
    "beside them, for rehearsing the app at scale; it is not for a database with real "
    "patients. Nothing was written. Give --force to add them anyway."
)


class Command(BaseCommand):
    help = (
        "Add N made-up patients with months of history (courses, dose records, reports, "
        "graded entries, thyroid results, alerts) and their care teams, by bulk inserts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True, help="How many patients.")
        parser.add_argument("--seed", type=int, default=0, help="The same seed, the same data.")
        parser.add_argument(
            "--force", action="store_true", help="Add them even if the database has patients."
        )

    def handle(self, *args, patients, seed, force, **options):
        if patients < 1:
            raise CommandError("--patients must be at least 1.")
        if Group.objects.filter(name__in=Role.values).count() < len(Role):
            raise CommandError("This database has no role groups: run `manage.py migrate` first.")
        count = Patient.objects.count()
        if count and not force:
            raise CommandError(HOLDS_PATIENTS.format(count=count))
        started = time.monotonic()
        with tqdm(total=patients, unit="patient", file=sys.stderr) as bar:
            counts = scale.seed_patients(patients, seed=seed, progress=bar.update)
        self.report(counts, time.monotonic() - started)

    def report(self, counts, seconds: float) -> None:
        self.stdout.write(f"Seeded {sum(counts.values()):,} rows in {seconds:.1f} s:")
        width = max(len(table) for table in counts)
        for table, rows in sorted(counts.items()):
            self.stdout.write(f"  {table:<{width}}  {rows:>10,}")

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from tracker import demo
from tracker.accounts.roles import Role

NOT_MIGRATED = (
    "This database has no role groups: migrations create them, with their grants and "
    "the reference data, and `flush` deletes them with everything else. Start from a "
    "new database (delete the SQLite file, or drop and create the PostgreSQL one), run "
    "`python manage.py migrate`, then seed_demo again. `bin/run` does both."
)


class Command(BaseCommand):
    help = "Create demo users and patients (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. Demo logins have a published password.",
        )

    def handle(self, *args, force=False, **options):
        if not (settings.DEBUG or force):
            raise CommandError(
                "seed_demo creates logins with a published password; "
                "it runs only with DEBUG on, or with --force."
            )
        if Group.objects.filter(name__in=Role.values).count() < len(Role):
            raise CommandError(NOT_MIGRATED)
        created = demo.seed()
        self.stdout.write(f"Demo data: {created} new records.")
        self.stdout.write(f"Demo logins (password {demo.DEMO_PASSWORD}):")
        for user in demo.DEMO_USERS:
            self.stdout.write(f"  {user.username:<10} {user.role.label}")
        self.stdout.write(
            "Staff give a code after the password. Backup codes, each usable once "
            "(or set up an authenticator app in My settings):"
        )
        for username, codes in demo.staff_backup_codes().items():
            self.stdout.write(f"  {username:<10} {' '.join(codes)}")

from django.core.management.base import BaseCommand

from tracker import shipped


class Command(BaseCommand):
    help = (
        "Create the shipped regimen templates, hold rules, CTCAE terms and PRO-CTCAE items "
        "(regimens/shipped.py, tracker/*/shipped.py) that are missing, in one transaction. "
        "A shipped row edited in the admin is kept and named; rows added in the admin are "
        "left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Set shipped rows edited in the admin back to their shipped values.",
        )

    def handle(self, *args, reset, **options):
        for loaded in shipped.load_all(reset=reset):
            self.stdout.write(str(loaded))

from django.core.management.base import BaseCommand

from tracker import shipped


class Command(BaseCommand):
    help = (
        "Create or update the shipped regimen templates, hold rules, CTCAE terms and "
        "PRO-CTCAE items (regimens/shipped.py, tracker/*/shipped.py), in one transaction. "
        "A shipped row edited in the admin is set back to its shipped values; "
        "rows added in the admin are left alone."
    )

    def handle(self, *args, **options):
        for loaded in shipped.load_all():
            self.stdout.write(str(loaded))

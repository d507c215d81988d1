import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.alerts.drill import NotDrillable, await_delivery, raise_drill, without_password
from tracker.celery import app

# A user who cannot be drilled is a mistake in the command, not a broken chain.
USAGE = 2


class Command(BaseCommand):
    help = (
        "Send a drill alert to USER through the real chain (queue, worker, e-mail), wait "
        "until it is recorded as sent, and print one JSON line. Exit 0 if delivered in "
        "time, 1 if not, 2 if USER cannot be sent a drill."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, metavar="USER", help="Username to send it to.")
        parser.add_argument(
            "--wait",
            type=float,
            default=60,
            metavar="SECONDS",
            help="How long to wait for the e-mail to be sent (default 60).",
        )

    def handle(self, *args, to, wait, **options):
        if wait <= 0:
            raise CommandError("--wait must be more than 0 seconds.", returncode=USAGE)
        recipient = get_user_model().objects.filter(username=to).first()
        if recipient is None:
            raise CommandError(f"No user called {to}.", returncode=USAGE)
        try:
            alert = raise_drill(recipient)
        except NotDrillable as error:
            raise CommandError(str(error), returncode=USAGE) from error
        outcome = await_delivery(alert, wait)
        report = {
            "delivered": outcome.delivered,
            "seconds": outcome.seconds,
            "alert": alert.pk,
            "notification": outcome.notification.pk,
            "recipient": recipient.username,
            "broker": without_password(app.conf.broker_url),
        }
        if not outcome.delivered:
            report |= {
                "status": outcome.notification.status,
                "last_error": outcome.notification.last_error,
            }
        self.stdout.write(json.dumps(report))
        if not outcome.delivered:
            raise CommandError(
                f"The drill was not delivered within {wait:g} s "
                f"(status {outcome.notification.status}).",
                returncode=1,
            )

"""Read the chart rules of every open high-dose IV course now, and alert on those newly met.

Entries charted are read as they are saved; this catches what time alone makes
true (an intubation passing 72 hours).  Run it every few minutes from the job
scheduler.
"""

from django.core.management.base import BaseCommand

from tracker.observations.rules import reassess_open_courses


class Command(BaseCommand):
    help = "Read the chart rules of every open high-dose IV course now; alert on each newly met."

    def handle(self, *args, **options):
        fired = reassess_open_courses()
        for firing in fired:
            self.stdout.write(f"{firing.patient.mrn}: {firing.rule.slug} ({firing.why})")
        self.stdout.write(f"{len(fired)} rule(s) newly met.")

"""Django's flush, allowed to empty the read-access log on SQLite.

Emptying the whole database is the database owner's act, like dropping the log's
triggers; the log's rows are otherwise never deleted (tracker.patients.access_log).
"""

from django.core.management.commands import flush

from tracker.patients.access_log import purging


class Command(flush.Command):
    def handle(self, **options):
        with purging():
            return super().handle(**options)

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "tracker.patients"
    label = "patients"

    def ready(self):
        # Registers the SQLite function the read-access log's delete trigger asks.
        from tracker.patients import access_log  # noqa: F401

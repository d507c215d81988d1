from django.apps import AppConfig


class ObservationsConfig(AppConfig):
    name = "tracker.observations"
    label = "observations"
    verbose_name = "Observations: vital signs, fluids, weight, infusions and events"

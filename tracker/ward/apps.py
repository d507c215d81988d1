from django.apps import AppConfig


class WardConfig(AppConfig):
    name = "tracker.ward"
    label = "ward"
    verbose_name = "Ward: dose records and pre-dose checks"

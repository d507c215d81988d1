from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "tracker.patients"
    label = "patients"

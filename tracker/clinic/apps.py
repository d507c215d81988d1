from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "tracker.clinic"
    label = "clinic"
    verbose_name = "Clinic: pages that read several apps"

from django.apps import AppConfig


class ThyroidConfig(AppConfig):
    name = "tracker.thyroid"
    label = "thyroid"
    verbose_name = "Thyroid checks"

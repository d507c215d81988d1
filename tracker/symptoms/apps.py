from django.apps import AppConfig


class SymptomsConfig(AppConfig):
    name = "tracker.symptoms"
    label = "symptoms"
    verbose_name = "Side effects: patient reports and CTCAE-graded entries"

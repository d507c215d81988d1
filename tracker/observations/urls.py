from django.urls import path

from tracker.observations.views import vitals

urlpatterns: list = [
    path("patients/<int:pk>/chart/vitals/", vitals.vitals, name="vitals-chart"),
    path("chart/vitals/<int:pk>/error/", vitals.vitals_error, name="vitals-error"),
]

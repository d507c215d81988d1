from django.urls import path

from tracker.exchange import views

urlpatterns = [
    path("patients/<int:patient_pk>/fhir.json", views.patient_fhir, name="patient-fhir"),
]

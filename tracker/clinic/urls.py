from django.urls import path

from tracker.clinic import views

urlpatterns = [
    path("clinic/", views.clinician_home, name="clinician-home"),
    path("me/", views.patient_home, name="patient-home"),
    path("ward/", views.shift, name="nurse-home"),
    path("doses/<int:pk>/", views.dose_detail, name="dose-detail"),
    path("courses/<int:pk>/summary/", views.course_summary_page, name="course-summary"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/message/", views.alert_message, name="alert-message"),
    path("patients/<int:pk>/flowsheet/", views.flowsheet, name="flowsheet"),
]

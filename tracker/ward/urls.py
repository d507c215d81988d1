from django.urls import path

from tracker.ward import views

urlpatterns = [
    path("doses/<int:pk>/record/", views.dose_record, name="dose-record"),
    path("doses/<int:pk>/check/", views.dose_check, name="dose-check"),
    path("doses/<int:pk>/authorise/", views.dose_authorise, name="dose-authorise"),
    path("records/<int:pk>/correct/", views.record_correct, name="record-correct"),
    path("overrides/<int:pk>/withdraw/", views.override_withdraw, name="override-withdraw"),
]

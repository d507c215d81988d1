from django.urls import path

from tracker.ward import views

urlpatterns = [
    path("doses/<int:pk>/record/", views.dose_record, name="dose-record"),
    path("doses/<int:pk>/check/", views.dose_check, name="dose-check"),
    path("doses/<int:pk>/authorise/", views.dose_authorise, name="dose-authorise"),
    path("records/<int:pk>/correct/", views.record_correct, name="record-correct"),
    path("records/<int:pk>/verify/", views.record_verify, name="record-verify"),
    path("me/doses/<int:pk>/record/", views.my_dose_record, name="my-dose-record"),
    path("me/doses/<int:pk>/missed/", views.my_dose_missed, name="my-dose-missed"),
    path("overrides/<int:pk>/withdraw/", views.override_withdraw, name="override-withdraw"),
]

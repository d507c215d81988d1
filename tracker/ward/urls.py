from django.urls import path

from tracker.ward import views

urlpatterns = [
    path("ward/", views.shift, name="nurse-home"),
    path("doses/<int:pk>/", views.dose_detail, name="dose-detail"),
    path("doses/<int:pk>/record/", views.dose_record, name="dose-record"),
    path("doses/<int:pk>/check/", views.dose_check, name="dose-check"),
    path("records/<int:pk>/correct/", views.record_correct, name="record-correct"),
    path("courses/<int:pk>/summary/", views.course_summary_page, name="course-summary"),
]

from django.urls import path

from tracker.alerts import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/count/", views.alert_count, name="alert-count"),
    path("wards/", views.ward_list, name="ward-list"),
    path("wards/<int:ward_pk>/on-call/", views.ward_rota, name="ward-rota"),
    path("wards/<int:ward_pk>/on-call/add/", views.shift_add, name="shift-add"),
    path("wards/<int:ward_pk>/on-call/<int:pk>/cancel/", views.shift_cancel, name="shift-cancel"),
]

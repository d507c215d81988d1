from django.urls import path

from tracker.reminders import views

urlpatterns = [
    path("me/reminders/", views.reminder_settings, name="reminder-settings"),
]

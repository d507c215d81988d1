from django.urls import path

from regimens.views import calendars, courses, ics

urlpatterns = [
    # Courses: start (with preview), detail, move the start, cancel, discontinue, discharge,
    # end a cycle early.
    path("patients/<int:patient_pk>/courses/new/", courses.course_create, name="course-create"),
    path("courses/<int:pk>/", courses.course_detail, name="course-detail"),
    path("courses/<int:pk>/move/", courses.course_move, name="course-move"),
    path("courses/<int:pk>/cancel/", courses.course_cancel, name="course-cancel"),
    path("courses/<int:pk>/discontinue/", courses.course_discontinue, name="course-discontinue"),
    path("courses/<int:pk>/discharge/", courses.course_discharge, name="course-discharge"),
    path("courses/<int:pk>/end-cycle/", courses.course_end_cycle, name="course-end-cycle"),
    # Calendars in the patient's zone.
    path(
        "patients/<int:patient_pk>/calendar/",
        calendars.patient_month,
        name="patient-calendar",
    ),
    path(
        "patients/<int:patient_pk>/calendar/<int:year>/<int:month>/",
        calendars.patient_month,
        name="patient-calendar-month",
    ),
    path("patients/<int:patient_pk>/doses/", calendars.patient_dose_list, name="patient-doses"),
    # iCalendar: a download per course, and a revocable subscription per patient.
    path("courses/<int:pk>/calendar.ics", ics.course_ics, name="course-ics"),
    path("patients/<int:patient_pk>/feed/", ics.feed_manage, name="feed-manage"),
    path("feeds/<str:token>.ics", ics.calendar_feed, name="calendar-feed"),
]

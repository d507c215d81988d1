from django.urls import path

from tracker.observations.views import fluids, home, infusions, labs, vitals

urlpatterns: list = [
    # The patient's own readings at home.
    path("me/readings/", home.my_readings, name="my-readings"),
    path("me/readings/new/", home.my_reading_add, name="my-reading-add"),
    path(
        "me/readings/vitals/<int:pk>/error/",
        home.my_reading_error,
        {"kind": "vitals"},
        name="my-reading-vitals-error",
    ),
    path(
        "me/readings/weight/<int:pk>/error/",
        home.my_reading_error,
        {"kind": "weight"},
        name="my-reading-weight-error",
    ),
    path("patients/<int:pk>/chart/vitals/", vitals.vitals, name="chart-vitals"),
    path("chart/vitals/<int:pk>/error/", vitals.vitals_error, name="chart-vitals-error"),
    path("patients/<int:pk>/chart/fluids/", fluids.fluid_chart, name="chart-fluids"),
    path("patients/<int:pk>/chart/weight/", fluids.weight_chart, name="chart-weight"),
    path("chart/fluids/<int:pk>/error/", fluids.fluid_error, name="chart-fluid-error"),
    path("chart/weight/<int:pk>/error/", fluids.weight_error, name="chart-weight-error"),
    path("patients/<int:pk>/chart/infusions/", infusions.infusions, name="chart-infusions"),
    path(
        "chart/infusions/<int:pk>/rate/",
        infusions.infusion_change_rate,
        name="chart-infusion-rate",
    ),
    path("chart/infusions/<int:pk>/stop/", infusions.infusion_stop, name="chart-infusion-stop"),
    path(
        "chart/infusions/<int:pk>/stop/error/",
        infusions.infusion_stop_error,
        name="chart-infusion-stop-error",
    ),
    path("chart/infusions/<int:pk>/error/", infusions.infusion_error, name="chart-infusion-error"),
    path(
        "chart/infusions/changes/<int:pk>/error/",
        infusions.rate_change_error,
        name="chart-rate-change-error",
    ),
    path("patients/<int:pk>/chart/events/", infusions.events, name="chart-events"),
    path("chart/events/<int:pk>/end/", infusions.event_end, name="chart-event-end"),
    path(
        "chart/events/<int:pk>/end/error/",
        infusions.event_end_error,
        name="chart-event-end-error",
    ),
    path("chart/events/<int:pk>/error/", infusions.event_error, name="chart-event-error"),
    path("patients/<int:pk>/chart/labs/", labs.labs, name="chart-labs"),
    path("chart/labs/<int:pk>/error/", labs.labs_error, name="chart-labs-error"),
]

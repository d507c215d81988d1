from django.urls import path

from tracker.observations.views import fluids

urlpatterns: list = [
    path("patients/<int:pk>/chart/fluids/", fluids.fluid_chart, name="observations-fluids"),
    path("patients/<int:pk>/chart/weight/", fluids.weight_chart, name="observations-weight"),
    path("chart/fluids/<int:pk>/error/", fluids.fluid_error, name="observations-fluid-error"),
    path("chart/weight/<int:pk>/error/", fluids.weight_error, name="observations-weight-error"),
]

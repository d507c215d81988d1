from django.urls import path

from tracker.thyroid import views

urlpatterns = [
    path("patients/<int:patient_pk>/thyroid/", views.results, name="thyroid-results"),
    path("patients/<int:patient_pk>/thyroid/new/", views.result_new, name="thyroid-new"),
    path("patients/<int:patient_pk>/thyroid.csv", views.results_csv, name="thyroid-csv"),
    path("thyroid/due/", views.due_list, name="thyroid-due"),
    path(
        "thyroid-results/<int:pk>/entered-in-error/",
        views.result_error,
        name="thyroid-result-error",
    ),
]
